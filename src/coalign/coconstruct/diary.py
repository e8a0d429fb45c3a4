"""Misalignment diaries: participants record responses that did not fit, facilitators turn them into seeds.

An entry says what the person was trying to do, the prompt, the response (text, optionally a
screenshot), what they did about it, the outcome and the values at stake. Only its author can
edit it.

A facilitator can promote any entry once to a seed question and once to a seed example, each
with a topic and a question type of the study's design (so in-context sampling by topic and type
draws it). The entry keeps the seed's id, and the promotion decision in the seed's log names the
entry, who promoted it and when, so the links run both ways. Promoting an entry again (a double
click, a second tab, a stale page) changes nothing and answers with the seed it became: the entry
row is locked while it is promoted, and the log's unique ``(diary_entry_id, seed_kind)`` refuses
a second promotion that slips past the lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalign.core.coconstruction import DiaryEntry, DiaryEntryInput
from coalign.core.errors import InputError, NotFoundError
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.core.study import Study
from coalign.participation.members import member, owned, validated
from coalign.store import Store
from coalign.store.coconstruction import (
    add_diary_entry,
    diary_entries_of,
    diary_entries_promoted_to,
    diary_entry_by_id,
    study_diary_entries,
)
from coalign.store.coconstruction_tables import DiaryEntryRow
from coalign.store.seeds import promotion_rows
from coalign.store.studies import load_study, study_row
from coalign.store.tables import utcnow
from coalign.study.seed_review import (
    LoggedDecision,
    SeedDecision,
    SeedKind,
    add_seed_example,
    add_seed_question,
    check_cell,
    check_dimensions,
    record_decision,
    seed_decision_log,
    study_seed,
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


# --- promotion to seeds ---------------------------------------------------------------------------


class Promotion(BaseModel):
    """A diary entry promoted to a seed: which seed, who promoted it and when.

    Attributes:
        decided_by, decided_at: from the promotion decision in the seed's log; ``None`` for an
            entry promoted before the log named entries, when no matching decision was found.
        created: whether this call made the seed; ``False`` when the entry had been promoted
            to this kind before and nothing changed.
    """

    entry_id: int
    seed_kind: SeedKind
    seed_id: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    created: bool = False


class SeedOrigin(BaseModel):
    """A seed with where it came from: its decision log and the diary entries promoted to it."""

    kind: SeedKind
    seed: SeedQuestion | SeedExample
    decisions: list[LoggedDecision]
    entries: list[DiaryEntry]


def _study_entry(
    session: Session, slug: str, entry_id: int, *, lock: bool = False
) -> DiaryEntryRow:
    row = diary_entry_by_id(session, entry_id, lock=lock)
    if row is None or row.study_id != study_row(session, slug).id:
        raise NotFoundError(f"no diary entry {entry_id} in study {slug!r}")
    return row


def _linked_seed(row: DiaryEntryRow, kind: SeedKind) -> str | None:
    return row.seed_question_id if kind == "question" else row.seed_example_id


def _promotions_of(
    session: Session, rows: list[DiaryEntryRow]
) -> dict[int, dict[SeedKind, Promotion]]:
    """Per entry, the seeds it became, with the promotion decisions that name it."""
    if not rows:
        return {}
    logged = {
        (d.diary_entry_id, d.seed_kind): LoggedDecision.model_validate(d, from_attributes=True)
        for d in promotion_rows(session, rows[0].study_id, [r.id for r in rows])
    }
    found: dict[int, dict[SeedKind, Promotion]] = {}
    kinds: tuple[SeedKind, ...] = ("question", "example")
    for row in rows:
        for kind in kinds:
            decision = logged.get((row.id, kind))
            seed_id = _linked_seed(row, kind) or (decision.seed_id if decision else None)
            if seed_id is None:
                continue
            found.setdefault(row.id, {})[kind] = Promotion(
                entry_id=row.id,
                seed_kind=kind,
                seed_id=seed_id,
                decided_by=decision.decided_by if decision else None,
                decided_at=decision.created_at if decision else None,
            )
    return found


def _promote(
    store: Store,
    slug: str,
    entry_id: int,
    kind: SeedKind,
    build: Callable[[DiaryEntryRow, Study], SeedQuestion | SeedExample],
    decided_by: str,
) -> Promotion:
    """Promote an entry to a seed of ``kind`` made by ``build``, unless it was promoted to that
    kind before: then return that promotion and change nothing."""
    try:
        with store.session() as session:
            row = _study_entry(session, slug, entry_id, lock=True)
            before = _promotions_of(session, [row]).get(entry_id, {}).get(kind)
            if before is not None:
                return before
            seed = build(row, load_study(session, slug))
            if isinstance(seed, SeedQuestion):
                seed_id = add_seed_question(session, slug, seed)
                row.seed_question_id = seed_id
            else:
                seed_id = add_seed_example(session, slug, seed)
                row.seed_example_id = seed_id
            logged = record_decision(
                session,
                slug,
                SeedDecision(
                    seed_kind=kind,
                    seed_id=seed_id,
                    decision="accepted",
                    reason=f"promoted from diary entry {entry_id}",
                    decided_by=decided_by,
                    diary_entry_id=entry_id,
                ),
            )
            return Promotion(
                entry_id=entry_id,
                seed_kind=kind,
                seed_id=seed_id,
                decided_by=decided_by,
                decided_at=logged.created_at,
                created=True,
            )
    except IntegrityError:
        # Another request promoted the entry between our read and our write: answer with its seed.
        with store.read() as session:
            row = _study_entry(session, slug, entry_id)
            done = _promotions_of(session, [row]).get(entry_id, {}).get(kind)
        if done is None:
            raise
        return done


def promote_to_question(
    store: Store,
    slug: str,
    entry_id: int,
    *,
    topic: str,
    question_type: str,
    decided_by: str,
    text: str | None = None,
) -> Promotion:
    """Make an entry's prompt (or an edited ``text``) an accepted seed question.

    An entry already promoted to a seed question is left as it is, and its promotion returned
    (``created`` false), whatever the arguments say.

    Raises:
        NotFoundError: no such entry in the study.
        InputError: unknown topic or question type, or an empty question.
    """

    def build(row: DiaryEntryRow, study: Study) -> SeedQuestion:
        check_cell(study, topic, question_type)
        question = (text if text is not None else row.prompt).strip()
        if not question:
            raise InputError("the seed question is empty")
        return SeedQuestion(
            text=question,
            topic=topic,
            question_type=question_type,
            author=row.participant_id,
            status="accepted",
            reason=f"promoted from diary entry {entry_id}",
        )

    return _promote(store, slug, entry_id, "question", build, decided_by)


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
) -> Promotion:
    """Make an entry a seed example: its prompt, its response as the misaligned one, plus a critique
    and an aligned rewrite, in a topic and of a question type of the study's design.

    ``topic`` and ``question_type`` may be left out only when the study's design has no topics
    (no question types). An entry already promoted to a seed example is left as it is, and its
    promotion returned (``created`` false), whatever the arguments say.

    Raises:
        NotFoundError: no such entry in the study.
        InputError: unknown dimensions, topic or type; a topic or type missing where the study
            has them; an empty critique or rewrite.
    """

    def build(row: DiaryEntryRow, study: Study) -> SeedExample:
        if not critique.strip() or not aligned_response.strip():
            raise InputError("a seed example needs a critique and an aligned response")
        check_dimensions(study, dimensions)
        if topic is None and study.topics:
            raise InputError("choose the seed example's topic")
        if question_type is None and study.question_types:
            raise InputError("choose the seed example's question type")
        check_cell(study, topic, question_type)
        return SeedExample(
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

    return _promote(store, slug, entry_id, "example", build, decided_by)


def study_promotions(store: Store, slug: str) -> dict[int, dict[SeedKind, Promotion]]:
    """Per diary entry of a study (by id), the seeds it was promoted to, by kind."""
    with store.read() as session:
        return _promotions_of(session, study_diary_entries(session, study_row(session, slug).id))


def seed_origin(store: Store, slug: str, kind: SeedKind, seed_id: str) -> SeedOrigin:
    """A seed of a study with its decision log and the diary entries promoted to it.

    Raises:
        NotFoundError: no such seed in the study.
    """
    with store.read() as session:
        seed = study_seed(session, slug, kind, seed_id)
        log = seed_decision_log(session, slug, seed_id)
        named = [d.diary_entry_id for d in log if d.diary_entry_id is not None]
        rows = diary_entries_promoted_to(session, study_row(session, slug).id, kind, seed_id, named)
        return SeedOrigin(kind=kind, seed=seed, decisions=log, entries=[_entry(r) for r in rows])
