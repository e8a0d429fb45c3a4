"""diary promotions in the seed decision log: each entry becomes at most one seed per kind

``seed_decisions.diary_entry_id`` names the diary entry a promotion decision turned into a seed,
so the entry (``diary_entries.seed_question_id`` / ``seed_example_id``), the seed and the
decision log (who promoted it, when) point at each other. The unique constraint on
``(diary_entry_id, seed_kind)`` lets each entry be promoted once to a seed question and once
to a seed example, even when two requests promote it at the same moment; decisions that come
from no diary entry keep ``NULL`` (never equal to each other, so any number of them is allowed).
Deleting an entry (a withdrawal) sets the column to ``NULL``; the decision stays.

Existing promotions are linked: the decision on an entry's current seed whose reason reads
``promoted from diary entry N`` (the first, where the same seed was promoted twice).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ENTRIES = sa.table(
    "diary_entries",
    sa.column("id", sa.Integer),
    sa.column("seed_question_id", sa.String),
    sa.column("seed_example_id", sa.String),
)
_DECISIONS = sa.table(
    "seed_decisions",
    sa.column("id", sa.Integer),
    sa.column("seed_kind", sa.String),
    sa.column("seed_id", sa.String),
    sa.column("reason", sa.Text),
    sa.column("diary_entry_id", sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table("seed_decisions") as batch:
        batch.add_column(sa.Column("diary_entry_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_seed_decisions_diary_entry_id",
            "diary_entries",
            ["diary_entry_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_seed_decisions_diary_entry_id", ["diary_entry_id"])
        batch.create_unique_constraint(
            "uq_seed_decisions_diary_entry_kind", ["diary_entry_id", "seed_kind"]
        )
    connection = op.get_bind()
    entries = connection.execute(
        sa.select(_ENTRIES.c.id, _ENTRIES.c.seed_question_id, _ENTRIES.c.seed_example_id)
    ).all()
    for entry_id, question_id, example_id in entries:
        for kind, seed_id in (("question", question_id), ("example", example_id)):
            if not seed_id:
                continue
            first = connection.scalar(
                sa.select(sa.func.min(_DECISIONS.c.id)).where(
                    _DECISIONS.c.seed_kind == kind,
                    _DECISIONS.c.seed_id == seed_id,
                    _DECISIONS.c.reason == f"promoted from diary entry {entry_id}",
                )
            )
            if first is not None:
                connection.execute(
                    _DECISIONS.update()
                    .where(_DECISIONS.c.id == first)
                    .values(diary_entry_id=entry_id)
                )


def downgrade() -> None:
    with op.batch_alter_table("seed_decisions") as batch:
        batch.drop_constraint("uq_seed_decisions_diary_entry_kind", type_="unique")
        batch.drop_index("ix_seed_decisions_diary_entry_id")
        batch.drop_constraint("fk_seed_decisions_diary_entry_id", type_="foreignkey")
        batch.drop_column("diary_entry_id")
