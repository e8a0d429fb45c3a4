"""Tables of withdrawals: the erasure log, and what remains of withdrawn seeds that runs used
(migration 0010).

Neither table points at ``participants``: the person's row is gone when these are written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from coalign.store.tables import Base, utcnow


class WithdrawalRow(Base):
    """One withdrawal: whose data was deleted, who asked for it, how, when, and rows per table.

    ``participant_id`` is the pseudonymous id of the person whose data was deleted: kept so the
    study can show that (and when) a deletion happened, and so a crowd link does not silently
    enrol the same person again. ``requested_by`` is ``participant`` or ``admin``; ``account``
    names the admin (their login, or the operator's name at the command line).
    """

    __tablename__ = "withdrawals"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    requested_by: Mapped[str] = mapped_column(String(16))
    account: Mapped[str | None] = mapped_column(String(80), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    deleted: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WithdrawnSeedRow(Base):
    """A tombstone: a withdrawn person's seed that generation runs had used as an example.

    The seed row and its text are deleted; this row says which seed id it was, of what kind,
    and which runs' records name it in their ``example_ids``.
    """

    __tablename__ = "withdrawn_seeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    withdrawal_id: Mapped[int] = mapped_column(
        ForeignKey("withdrawals.id", ondelete="CASCADE"), index=True
    )
    seed_kind: Mapped[str] = mapped_column(String(16))
    seed_id: Mapped[str] = mapped_column(String(64), index=True)
    run_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    records: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
