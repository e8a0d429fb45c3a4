"""Reviewed translations of campaign texts, read and written (table ``translations``, 0014).

Functions take the caller's session; ``*_by_*`` return ``None`` when nothing matches.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalign.core.campaigns import Translation
from coalign.store.rating_tables import TranslationRow


def add_translation(session: Session, translation: Translation) -> TranslationRow:
    """Insert a translation, flushed (its id is known).

    Raises:
        sqlalchemy.exc.IntegrityError: the campaign has this text in this language already.
    """
    row = TranslationRow(**translation.model_dump(exclude={"id"}))
    session.add(row)
    session.flush()
    return row


def translation_by_key(
    session: Session, campaign_id: int, part: str, subject: str, field: str, language: str
) -> TranslationRow | None:
    """The translation of one text of a campaign into ``language``, or ``None``."""
    return session.scalars(
        select(TranslationRow).where(
            TranslationRow.campaign_id == campaign_id,
            TranslationRow.part == part,
            TranslationRow.subject == subject,
            TranslationRow.field == field,
            TranslationRow.language == language,
        )
    ).first()


def translation_by_id(session: Session, translation_id: int) -> TranslationRow | None:
    """The translation ``translation_id``, or ``None``."""
    return session.get(TranslationRow, translation_id)


def translations_of(
    session: Session, campaign_id: int, *, language: str | None = None, status: str | None = None
) -> list[TranslationRow]:
    """A campaign's translations in the order they were made, optionally of one language or
    status."""
    query = select(TranslationRow).where(TranslationRow.campaign_id == campaign_id)
    if language is not None:
        query = query.where(TranslationRow.language == language)
    if status is not None:
        query = query.where(TranslationRow.status == status)
    return list(session.scalars(query.order_by(TranslationRow.id)).all())


def translation_counts(
    session: Session, campaign_ids: Sequence[int]
) -> list[tuple[str, str, str, str, str | None, int]]:
    """``(part, language, translator, status, reviewer, count)`` over the campaigns' translations."""
    rows = session.execute(
        select(
            TranslationRow.part,
            TranslationRow.language,
            TranslationRow.translator,
            TranslationRow.status,
            TranslationRow.reviewer,
            func.count(),
        )
        .where(TranslationRow.campaign_id.in_(campaign_ids))
        .group_by(
            TranslationRow.part,
            TranslationRow.language,
            TranslationRow.translator,
            TranslationRow.status,
            TranslationRow.reviewer,
        )
        .order_by(TranslationRow.part, TranslationRow.language, TranslationRow.translator)
    )
    return [(p, lang, t, s, r, n) for p, lang, t, s, r, n in rows]
