"""Topics and question types that workshop participants propose, and the moderator's decision.

A participant's proposal changes nothing in the study: it is kept as ``proposed`` with its author
and breakout group. Only when a facilitator accepts it (with a reason) does it join the study's
design, with origin ``participant``, and so the cells that seed questions are written for and
that generation plans balance over. A proposal is decided once; who decided, when and why stays
with it. A rejected name may be proposed again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coalign.coconstruct.workshop import seat_in
from coalign.core.coconstruction import MAX_NAME, MAX_TEXT
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.core.seeds import SeedStatus
from coalign.core.study import QuestionKind, QuestionType, Topic
from coalign.store import Store
from coalign.store.coconstruction_tables import DesignProposalRow
from coalign.store.studies import load_study, study_row
from coalign.store.tables import utcnow
from coalign.store.workshops import (
    add_design_proposal,
    design_proposal_by_id,
    open_design_proposal,
    workshop_by_id,
    workshop_design_proposals,
)
from coalign.study.seed_review import Decision, add_to_design

DesignPart = Literal["topic", "question_type"]
QUESTION_KINDS: tuple[QuestionKind, ...] = ("open", "closed", "other")
_LABEL = {"topic": "topic", "question_type": "question type"}


class DesignProposal(BaseModel):
    """A topic or question type (``what``) proposed in a workshop, and the decision on it.

    Attributes:
        kind: a question type's kind (``open`` for topics, where it means nothing).
        author: the participant who proposed it; ``group``: ``<workshop>:<breakout group>``.
        status: ``proposed`` until a facilitator (``decided_by``) accepts or rejects it.
    """

    model_config = ConfigDict(from_attributes=True)

    id: int
    workshop_id: int
    what: DesignPart
    name: str
    description: str
    kind: QuestionKind
    author: str = Field(validation_alias="participant_id")
    group: str
    status: SeedStatus
    reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


def _view(row: DesignProposalRow) -> DesignProposal:
    return DesignProposal.model_validate(row)


def propose(
    store: Store,
    participant_id: str,
    workshop_id: int,
    what: DesignPart,
    name: str,
    description: str = "",
    kind: QuestionKind = "open",
) -> DesignProposal:
    """Propose a topic or a question type for the study; it waits for the moderator.

    Raises:
        InputError: an empty or too long name or description, an unknown ``what`` or kind.
        ConflictError: the study has it already, or it is proposed and not yet decided.
        NotFoundError: the person is in none of the workshop's groups.
    """
    if what not in _LABEL:
        raise InputError("propose a topic or a question type")
    if kind not in QUESTION_KINDS:
        raise InputError("a question type's kind is open, closed or other")
    name, description = name.strip(), description.strip()
    if not name or len(name) > MAX_NAME:
        raise InputError(f"a name has 1 to {MAX_NAME} characters")
    if len(description) > MAX_TEXT:
        raise InputError(f"a description has at most {MAX_TEXT} characters")
    workshop, group = seat_in(store, participant_id, workshop_id)
    label = _LABEL[what]
    with store.session() as session:
        study = load_study(session, workshop.study)
        study_id = study_row(session, workshop.study).id
        present = study.topics if what == "topic" else study.question_types
        if any(p.name == name for p in present):
            raise ConflictError(f"the study has a {label} {name!r} already")
        if open_design_proposal(session, study_id, what, name) is not None:
            raise ConflictError(f"the {label} {name!r} is proposed already")
        added = add_design_proposal(
            session,
            study_id,
            workshop_id,
            participant_id,
            f"{workshop.slug}:{group}",
            what=what,
            name=name,
            description=description,
            kind=kind if what == "question_type" else "open",
        )
        return _view(added)


def decide_proposal(
    store: Store,
    slug: str,
    workshop_id: int,
    proposal_id: int,
    decision: Decision,
    reason: str,
    decided_by: str,
) -> DesignProposal:
    """Accept (the topic or question type joins the study's design) or reject a proposal.

    Raises:
        InputError: no reason, or a decision other than accepted/rejected.
        NotFoundError: no such proposal in this workshop of study ``slug``.
        ConflictError: decided already, or the study has that name already (reject it then).
    """
    if decision not in ("accepted", "rejected"):
        raise InputError("the decision is accepted or rejected")
    reason = reason.strip()
    if not reason:
        raise InputError("give a reason for every accept or reject")
    if len(reason) > MAX_TEXT:
        raise InputError(f"a reason has at most {MAX_TEXT} characters")
    with store.session() as session:
        row = design_proposal_by_id(session, proposal_id)
        if (
            row is None
            or row.workshop_id != workshop_id
            or row.study_id != study_row(session, slug).id
        ):
            raise NotFoundError(f"no proposal {proposal_id} in workshop {workshop_id}")
        if row.status != "proposed":
            raise ConflictError(f"this proposal was {row.status} already")
        if decision == "accepted":
            item: Topic | QuestionType = (
                Topic(name=row.name, description=row.description, origin="participant")
                if row.what == "topic"
                else QuestionType(
                    name=row.name,
                    description=row.description,
                    kind=row.kind,
                    origin="participant",
                )
            )
            add_to_design(session, slug, item)
        row.status, row.reason = decision, reason
        row.decided_by, row.decided_at = decided_by, utcnow()
        return _view(row)


def workshop_proposals(
    store: Store, slug: str, workshop_id: int, group: str | None = None
) -> list[DesignProposal]:
    """The design proposals of a workshop of study ``slug`` (optionally of one breakout group),
    oldest first.

    Raises:
        NotFoundError: no such workshop in the study.
    """
    with store.read() as session:
        workshop = workshop_by_id(session, workshop_id)
        if workshop is None or workshop.study_id != study_row(session, slug).id:
            raise NotFoundError(f"no workshop {workshop_id} in study {slug!r}")
        rows = workshop_design_proposals(session, workshop_id)
        mine = f"{workshop.slug}:{group}"
        return [_view(r) for r in rows if group is None or r.group == mine]
