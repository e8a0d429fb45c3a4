"""What breakout groups write in a seed workshop, and the moderator's decisions on it.

Session 1: seed questions per topic × question type (new topics and question types are
proposals, see :mod:`coalign.coconstruct.workshop_design`).
Session 2: per value dimension (one or several), a misaligned response, a critique naming the
value at risk and an aligned rewrite, optionally from a model draft.
Seeds are stored as ``proposed`` with the group as ``<workshop>:<group>``; the moderator accepts
or rejects each with a reason, and accepted seeds are what generation recipes draw on.

Whether an example is LLM-assisted is the server's finding, never the writer's claim: every
draft the model wrote for the workshop is kept, and an example whose text is a draft's
(unchanged, or edited but keeping :data:`EDITED_SHARE` of one of its parts) is marked, and the
server records which draft each such example came from and how.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from coalign.coconstruct.workshop import Workshop, get_workshop, seat_in
from coalign.core.calls import SamplingParams
from coalign.core.coconstruction import MAX_TEXT
from coalign.core.errors import (
    ConflictError,
    InputError,
    ModelOutputError,
    NotFoundError,
    TruncatedOutputError,
)
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.llm.model import Model
from coalign.llm.structured import call_json
from coalign.store import Store
from coalign.store.coconstruction_tables import WorkshopDraftRow
from coalign.store.seeds import (
    list_seed_examples,
    list_seed_questions,
    seed_example_by_id,
    seed_question_by_id,
)
from coalign.store.studies import load_study
from coalign.store.workshops import (
    add_draft_use,
    add_workshop_draft,
    workshop_draft_rows,
    workshop_draft_uses,
)
from coalign.study.seed_review import (
    Decision,
    SeedDecision,
    SeedKind,
    add_seed_example,
    add_seed_question,
    check_cell,
    check_dimensions,
    decide,
)

DRAFT_SCHEMA = {
    "type": "object",
    "properties": {
        "misaligned_response": {"type": "string", "minLength": 1},
        "critique": {"type": "string", "minLength": 1},
        "aligned_response": {"type": "string", "minLength": 1},
    },
    "required": ["misaligned_response", "critique", "aligned_response"],
    "additionalProperties": False,
}
DRAFT_PARAMS = SamplingParams(temperature=0.7, max_tokens=400)
#: Drafts that do not parse (or run past ``max_tokens``) are asked again this often, new seeds.
DRAFT_REASK = 2
#: The parts of an example that a model draft writes.
DRAFT_PARTS = ("misaligned_response", "critique", "aligned_response")
#: An example keeps a draft when at least this share of one draft part's word pairs is in it
#: (and at least :data:`EDITED_PAIRS` of them, or all of a shorter part's).
EDITED_SHARE = 0.4
EDITED_PAIRS = 3
DraftUse = Literal["kept", "edited"]


class WorkshopSeeds(BaseModel):
    """The seeds a workshop produced, every status included."""

    questions: list[SeedQuestion] = Field(default_factory=list)
    examples: list[SeedExample] = Field(default_factory=list)
    #: The examples that started from a model draft, by id: the draft ``kept`` or ``edited``.
    drafted: dict[str, DraftUse] = Field(default_factory=dict)


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise InputError(f"{what} is empty")
    if len(value) > MAX_TEXT:
        raise InputError(f"{what} has more than {MAX_TEXT} characters")
    return value


def _require_session(workshop: Workshop, number: int) -> None:
    if workshop.session != number:
        raise ConflictError(
            f"the workshop is in session {workshop.session}; this belongs to session {number}"
        )


def write_question(
    store: Store, participant_id: str, workshop_id: int, text: str, topic: str, question_type: str
) -> SeedQuestion:
    """Propose a seed question for a topic × question type cell (session 1).

    Raises:
        InputError: empty text, unknown topic or type.
        ConflictError: not session 1, or the same question was written already.
    """
    workshop, group = seat_in(store, participant_id, workshop_id)
    _require_session(workshop, 1)
    with store.read() as session:
        check_cell(load_study(session, workshop.study), topic, question_type)
    seed = SeedQuestion(
        text=_text(text, "the question"),
        topic=topic,
        question_type=question_type,
        author=participant_id,
        group=f"{workshop.slug}:{group}",
        status="proposed",
    ).with_id(workshop.study)
    with store.session() as session:
        if seed_question_by_id(session, seed.id) is not None:  # type: ignore[arg-type]
            raise ConflictError("this question has been written already")
        add_seed_question(session, workshop.study, seed)
    return seed


def draft_example(
    store: Store,
    model: Model,
    participant_id: str,
    workshop_id: int,
    question: str,
    dimension: str,
    params: SamplingParams = DRAFT_PARAMS,
) -> dict[str, str]:
    """A model's draft of a misaligned response, critique and aligned rewrite, to start session 2 from.

    The draft is kept with who asked for it, so :func:`write_example` can tell whether an example
    came from it.

    Raises:
        InputError: empty question, unknown dimension.
        ConflictError: not session 2.
        ModelError: the model failed, or answered out of shape on every try (``TruncatedOutputError``
            when the last try ran past ``max_tokens``); raw outputs are in the call log.
    """
    workshop, _ = seat_in(store, participant_id, workshop_id)
    _require_session(workshop, 2)
    question = _text(question, "the question")
    with store.read() as session:
        study = load_study(session, workshop.study)
    check_dimensions(study, [dimension])
    value = study.dimension(dimension)
    prompt = (
        f"Assistant context: {study.deployment_context}\nQuestion: {question}\n"
        f"Value: {value.name} ({value.definition})\nWrite a response that violates this value, a critique that "
        "names the value and says what is wrong, and an aligned response that respects it. Answer in JSON."
    )
    outcome = call_json(model, prompt, DRAFT_SCHEMA, params, DRAFT_REASK, "workshop:draft")
    if outcome.data is None:
        error = TruncatedOutputError if outcome.status == "truncated" else ModelOutputError
        raise error(outcome.error or "the draft did not parse", outcome.raw)
    parts = {part: str(outcome.data[part]) for part in DRAFT_PARTS}
    with store.session() as session:
        add_workshop_draft(
            session,
            workshop_id,
            participant_id,
            question=question,
            dimension=dimension,
            parts=parts,
            model_id=model.model_id,
        )
    return parts


def _word_pairs(text: str) -> set[tuple[str, ...]]:
    """The text's adjacent word pairs (a one-word text: its word), case and punctuation aside."""
    words = re.findall(r"\w+", text.casefold())
    return set(itertools.pairwise(words)) if len(words) > 1 else {tuple(words)} - {()}


def draft_use(
    parts: Mapping[str, str], drafts: Sequence[WorkshopDraftRow]
) -> tuple[WorkshopDraftRow, DraftUse] | None:
    """The model draft an example's text came from, if any, and whether it was kept or edited.

    ``kept``: the misaligned response, critique and aligned response are the draft's, unchanged
    (spaces around them aside). ``edited``: for at least one of the draft's parts,
    :data:`EDITED_SHARE` of its word pairs (and at least :data:`EDITED_PAIRS`, or all of a
    shorter part's) are still somewhere in the example. A very short part cannot be told apart
    from the same words written independently; drafts rarely are that short.

    Args:
        parts: the example's text by part (question and the :data:`DRAFT_PARTS`).
        drafts: the drafts to look in, newest first; the newest kept one wins, then the newest
            edited one.
    """
    written = _word_pairs(" \n ".join(parts.values()))
    edited = None
    for draft in drafts:
        if all(parts.get(p, "").strip() == getattr(draft, p).strip() for p in DRAFT_PARTS):
            return draft, "kept"
        if edited is None:
            for part in DRAFT_PARTS:
                pairs = _word_pairs(getattr(draft, part))
                shared = len(pairs & written)
                if pairs and shared >= max(
                    EDITED_SHARE * len(pairs), min(EDITED_PAIRS, len(pairs))
                ):
                    edited = draft
                    break
    return (edited, "edited") if edited is not None else None


def write_example(
    store: Store,
    participant_id: str,
    workshop_id: int,
    fields: Mapping[str, str],
    dimensions: Sequence[str],
) -> SeedExample:
    """Propose a seed example for one or several value dimensions (session 2).

    It is marked LLM-assisted when its text came from a model draft given in this workshop
    (see :func:`draft_use`), and that draft records the example and how it was used.

    Args:
        fields: ``question``, ``misaligned_response``, ``critique``, ``aligned_response``, and
            optionally ``topic`` and ``question_type``.

    Raises:
        InputError: an empty part, unknown dimensions, topic or type.
        ConflictError: not session 2, or the same example was written already.
    """
    workshop, group = seat_in(store, participant_id, workshop_id)
    _require_session(workshop, 2)
    topic = (fields.get("topic") or "").strip() or None
    qtype = (fields.get("question_type") or "").strip() or None
    with store.read() as session:
        study = load_study(session, workshop.study)
    check_dimensions(study, list(dimensions))
    check_cell(study, topic, qtype)
    parts = {
        "question": _text(fields.get("question", ""), "the question"),
        "misaligned_response": _text(
            fields.get("misaligned_response", ""), "the misaligned response"
        ),
        "critique": _text(fields.get("critique", ""), "the critique"),
        "aligned_response": _text(fields.get("aligned_response", ""), "the aligned response"),
    }
    with store.session() as session:
        used = draft_use(parts, workshop_draft_rows(session, workshop_id))
        seed = SeedExample(
            **parts,
            dimensions=list(dict.fromkeys(dimensions)),
            topic=topic,
            question_type=qtype,
            author=participant_id,
            group=f"{workshop.slug}:{group}",
            llm_assisted=used is not None,
            status="proposed",
        ).with_id(workshop.study)
        if seed_example_by_id(session, seed.id) is not None:  # type: ignore[arg-type]
            raise ConflictError("this example has been written already")
        add_seed_example(session, workshop.study, seed)
        if used is not None:
            draft, how = used
            add_draft_use(session, draft.id, seed.id, how)  # type: ignore[arg-type]
    return seed


def moderate(
    store: Store,
    slug: str,
    workshop_id: int,
    seed_kind: SeedKind,
    seed_id: str,
    decision: Decision,
    reason: str,
    decided_by: str,
) -> None:
    """The moderator accepts or rejects a seed written in this workshop, with a reason.

    Raises:
        InputError: no reason, or a decision other than accepted/rejected.
        NotFoundError: the seed was not written in this workshop.
    """
    if decision not in ("accepted", "rejected"):
        raise InputError("the decision is accepted or rejected")
    seeds = workshop_seeds(store, slug, workshop_id)
    pool = seeds.questions if seed_kind == "question" else seeds.examples
    if not any(s.id == seed_id for s in pool):
        raise NotFoundError(f"no seed {seed_kind} {seed_id!r} in this workshop")
    decide(
        store,
        slug,
        SeedDecision(
            seed_kind=seed_kind,
            seed_id=seed_id,
            decision=decision,
            reason=reason,
            decided_by=decided_by,
            workshop_id=workshop_id,
        ),
    )


def workshop_seeds(
    store: Store, slug: str, workshop_id: int, group: str | None = None
) -> WorkshopSeeds:
    """Seeds written in a workshop (optionally by one group), every status included."""
    workshop = get_workshop(store, slug, workshop_id)
    prefix = f"{workshop.slug}:{group}" if group else f"{workshop.slug}:"

    def mine(seed: SeedQuestion | SeedExample) -> bool:
        if not seed.group:
            return False
        return seed.group == prefix if group else seed.group.startswith(prefix)

    examples = [s for s in list_seed_examples(store, slug, status=None) if mine(s)]
    with store.read() as session:
        used = workshop_draft_uses(session, workshop_id)
    return WorkshopSeeds(
        questions=[s for s in list_seed_questions(store, slug, status=None) if mine(s)],
        examples=examples,
        drafted={s.id: used[s.id] for s in examples if s.id in used},
    )
