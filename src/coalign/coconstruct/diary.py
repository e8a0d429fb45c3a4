"""Misalignment diaries: participants record responses that did not fit, facilitators turn them into seeds.

An entry says what the person was trying to do, the prompt, the response (text, optionally a
screenshot), what they did about it, the outcome and the values at stake. Only its author can
edit it. A facilitator can promote any entry to a seed question or a seed example; the entry
keeps the seed's id, and the seed names the entry in its decision log, so the link runs both ways.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from coalign.core.coconstruction import DiaryEntry, DiaryEntryInput
from coalign.core.errors import InputError, NotFoundError
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.participation.members import member, owned, validated
from coalign.store import Store
from coalign.store.coconstruction import (
    add_diary_entry,
    diary_entries_of,
    diary_entry_by_id,
    study_diary_entries,
)
from coalign.store.coconstruction_tables import DiaryEntryRow
from coalign.store.studies import load_study, study_row
from coalign.store.tables import utcnow
from coalign.study.seed_review import (
    SeedDecision,
    add_seed_example,
    add_seed_question,
    check_cell,
    check_dimensions,
    record_decision,
)

MAX_IMAGE_BYTES = 2 * 1024 * 1024
#: Accepted image types, recognised by their first bytes (never by the file name or a header).
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def image_type(data: bytes) -> str:
    """The media type of an uploaded image, checked against the size and type limits.

    Raises:
        InputError: empty, larger than 2 MiB, or not a PNG, JPEG, GIF or WebP image.
    """
    if not data:
        raise InputError("the image file is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(f"the image is {len(data) / 1048576:.1f} MiB; at most 2 MiB is allowed")
    for signature, media_type in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise InputError("unsupported image: upload a PNG, JPEG, GIF or WebP file")


def _entry(row: DiaryEntryRow) -> DiaryEntry:
    return DiaryEntry.model_validate(row, from_attributes=True)


def add_entry(
    store: Store, participant_id: str, fields: Mapping[str, str], image: bytes | None = None
) -> DiaryEntry:
    """Store a new diary entry of ``participant_id``.

    Args:
        fields: ``goal``, ``prompt``, ``response`` (required), ``action``, ``outcome``, ``values_at_stake``.
        image: the bytes of an optional screenshot of the response.

    Raises:
        InputError: a required field is empty, a field is too long, or the image is refused.
        AccessDeniedError: not a consenting participant.
    """
    with store.session() as session:
        return new_entry(session, participant_id, fields, image)


def new_entry(
    session: Session, participant_id: str, fields: Mapping[str, str], image: bytes | None = None
) -> DiaryEntry:
    """:func:`add_entry` inside the caller's transaction (e.g. with a record that links to it)."""
    data = validated(DiaryEntryInput, dict(fields), "diary entry")
    kind = image_type(image) if image else None
    person = member(session, participant_id)
    row = add_diary_entry(
        session, person.study_id, participant_id, data, image_type=kind, image_data=image or None
    )
    return _entry(row)


def update_entry(
    store: Store,
    participant_id: str,
    entry_id: int,
    fields: Mapping[str, str],
    image: bytes | None = None,
    *,
    remove_image: bool = False,
) -> DiaryEntry:
    """Change one's own entry; a new image replaces the old one.

    Raises:
        NotFoundError: no such entry of this participant (someone else's answers the same).
        InputError: as for :func:`add_entry`.
    """
    data = validated(DiaryEntryInput, dict(fields), "diary entry")
    kind = image_type(image) if image else None
    with store.session() as session:
        member(session, participant_id)
        row = owned(diary_entry_by_id(session, entry_id), participant_id, "diary entry", entry_id)
        for name, value in data.model_dump().items():
            setattr(row, name, value)
        if image:
            row.image_type, row.image_data = kind, image
        elif remove_image:
            row.image_type, row.image_data = None, None
        row.updated_at = utcnow()
        return _entry(row)


def own_entries(store: Store, participant_id: str) -> list[DiaryEntry]:
    """A participant's entries, newest first."""
    with store.read() as session:
        member(session, participant_id)
        return [_entry(row) for row in diary_entries_of(session, participant_id)]


def own_entry(store: Store, participant_id: str, entry_id: int) -> DiaryEntry:
    """One of a participant's entries (:class:`NotFoundError` for anyone else's)."""
    with store.read() as session:
        member(session, participant_id)
        return _entry(
            owned(diary_entry_by_id(session, entry_id), participant_id, "diary entry", entry_id)
        )


def study_entries(store: Store, slug: str) -> list[DiaryEntry]:
    """Every entry of a study, oldest first (the facilitator's view)."""
    with store.read() as session:
        return [_entry(row) for row in study_diary_entries(session, study_row(session, slug).id)]


def entry_image(
    store: Store, entry_id: int, participant_id: str | None = None
) -> tuple[bytes, str]:
    """An entry's image and media type; with ``participant_id`` only the author's own.

    Raises:
        NotFoundError: no such entry or image (or not the participant's).
    """
    with store.read() as session:
        row = diary_entry_by_id(session, entry_id)
        if participant_id is not None:
            row = owned(row, participant_id, "diary entry", entry_id)
        if row is None or not row.image_type:
            raise NotFoundError(f"diary entry {entry_id} has no image")
        return row.image_data, row.image_type  # type: ignore[return-value]


def _study_entry(session: Session, slug: str, entry_id: int) -> DiaryEntryRow:
    row = diary_entry_by_id(session, entry_id)
    if row is None or row.study_id != study_row(session, slug).id:
        raise NotFoundError(f"no diary entry {entry_id} in study {slug!r}")
    return row


def promote_to_question(
    store: Store,
    slug: str,
    entry_id: int,
    *,
    topic: str,
    question_type: str,
    decided_by: str,
    text: str | None = None,
) -> str:
    """Make an entry's prompt (or an edited ``text``) an accepted seed question; returns its id.

    Raises:
        NotFoundError: no such entry in the study.
        InputError: unknown topic or question type, or an empty question.
    """
    with store.session() as session:
        row = _study_entry(session, slug, entry_id)
        check_cell(load_study(session, slug), topic, question_type)
        question = (text if text is not None else row.prompt).strip()
        if not question:
            raise InputError("the seed question is empty")
        seed = SeedQuestion(
            text=question,
            topic=topic,
            question_type=question_type,
            author=row.participant_id,
            status="accepted",
            reason=f"promoted from diary entry {entry_id}",
        )
        seed_id = add_seed_question(session, slug, seed)
        record_decision(
            session,
            slug,
            SeedDecision(
                seed_kind="question",
                seed_id=seed_id,
                decision="accepted",
                reason=f"promoted from diary entry {entry_id}",
                decided_by=decided_by,
            ),
        )
        row.seed_question_id = seed_id
        return seed_id


def promote_to_example(
    store: Store,
    slug: str,
    entry_id: int,
    *,
    dimensions: list[str],
    critique: str,
    aligned_response: str,
    decided_by: str,
    topic: str | None = None,
    question_type: str | None = None,
) -> str:
    """Make an entry a seed example: its prompt, its response as the misaligned one, plus a critique
    and an aligned rewrite; returns the seed's id.

    Raises:
        NotFoundError: no such entry in the study.
        InputError: unknown dimensions, topic or type; an empty critique or rewrite.
    """
    if not critique.strip() or not aligned_response.strip():
        raise InputError("a seed example needs a critique and an aligned response")
    with store.session() as session:
        row = _study_entry(session, slug, entry_id)
        study = load_study(session, slug)
        check_dimensions(study, dimensions)
        check_cell(study, topic, question_type)
        seed = SeedExample(
            question=row.prompt,
            misaligned_response=row.response,
            critique=critique.strip(),
            aligned_response=aligned_response.strip(),
            dimensions=dimensions,
            topic=topic,
            question_type=question_type,
            author=row.participant_id,
            status="accepted",
            reason=f"promoted from diary entry {entry_id}",
        )
        seed_id = add_seed_example(session, slug, seed)
        record_decision(
            session,
            slug,
            SeedDecision(
                seed_kind="example",
                seed_id=seed_id,
                decision="accepted",
                reason=f"promoted from diary entry {entry_id}",
                decided_by=decided_by,
            ),
        )
        row.seed_example_id = seed_id
        return seed_id
