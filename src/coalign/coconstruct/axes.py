"""Discuss: from personal attributes to a group's axes, and how the discussion moved people.

1. Before the discussion each member names and defines their top-3 attributes (rank 1 first).
2. The facilitator records the group's axes (name, definition, example turns), saying which
   members' attributes each axis took up; from then on attributes are locked.
3. After the discussion each member ranks every axis and rates agreement (1–5) with each definition.
4. Each group writes one alignment-goal sentence.

:mod:`coalign.coconstruct.axes_report` compares the rankings before and after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalign.core.coconstruction import AlignmentGoal, AttributeInput, Axis, AxisInput
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.participation.members import check_participants, member, validated
from coalign.store import Store
from coalign.store.coconstruction import (
    add_axis,
    add_group,
    attribute_by_id,
    axes_of,
    axis_ids_of,
    conversation_by_id,
    group_attribute_rows,
    group_by_id,
    group_has_axes,
    replace_attributes,
    replace_axis_rankings,
    study_group_rows,
    turn_by_id,
    turn_texts,
)
from coalign.store.coconstruction_tables import DiscussionGroupRow
from coalign.store.studies import study_row

TOP_ATTRIBUTES = 3


class Group(BaseModel):
    """A discussion group with its members, axes and (once written) alignment goal."""

    id: int
    name: str
    members: list[str]
    axes: list[Axis] = Field(default_factory=list)
    goal: AlignmentGoal | None = None


class Attribute(BaseModel):
    """A stored pre-discussion attribute."""

    id: int
    participant_id: str
    rank: int
    name: str
    definition: str
    axis_id: int | None = None


# --- groups -------------------------------------------------------------------------------------


def group_in_study(session: Session, slug: str, group_id: int) -> DiscussionGroupRow:
    """The row of discussion group ``group_id`` of study ``slug`` (:class:`NotFoundError` if none)."""
    row = group_by_id(session, group_id)
    if row is None or row.study_id != study_row(session, slug).id:
        raise NotFoundError(f"no discussion group {group_id} in study {slug!r}")
    return row


def group_of_member(session: Session, participant_id: str, group_id: int) -> DiscussionGroupRow:
    """The row of discussion group ``group_id`` if ``participant_id`` is a consenting member of it.

    Raises:
        AccessDeniedError: no such participant, or not consented.
        NotFoundError: no such group, or not theirs.
    """
    member(session, participant_id)
    row = group_by_id(session, group_id)
    if row is None or participant_id not in row.members:
        raise NotFoundError(f"no discussion group {group_id} of yours")
    return row


def _axes(session: Session, group_id: int) -> list[Axis]:
    axes = []
    for row in axes_of(session, group_id):
        turns = turn_texts(session, row.example_turn_ids)
        axis = Axis.model_validate(row, from_attributes=True)
        axis.examples = [turns[i] for i in row.example_turn_ids if i in turns]
        axes.append(axis)
    return axes


def _view(session: Session, row: DiscussionGroupRow) -> Group:
    goal = AlignmentGoal.model_validate(row.goal) if row.goal else None
    return Group(
        id=row.id, name=row.name, members=list(row.members), axes=_axes(session, row.id), goal=goal
    )


def create_group(store: Store, slug: str, name: str, members: Sequence[str]) -> Group:
    """Create a discussion group of participants of study ``slug``.

    Raises:
        InputError: an empty name, a name in use, or a member who is not a participant of the study.
    """
    name = name.strip()
    if not name or len(name) > 120:
        raise InputError("a group needs a name of 1 to 120 characters")
    try:
        with store.session() as session:
            study_id = study_row(session, slug).id
            check_participants(session, study_id, slug, members)
            row = add_group(session, study_id, name, list(dict.fromkeys(members)))
            return _view(session, row)
    except IntegrityError as exc:
        raise InputError(f"study {slug!r} has a group called {name!r} already") from exc


def get_group(store: Store, slug: str, group_id: int) -> Group:
    """A group of study ``slug`` (facilitator's view)."""
    with store.read() as session:
        return _view(session, group_in_study(session, slug, group_id))


def find_group(store: Store, slug: str, name: str) -> Group:
    """The discussion group called ``name`` in study ``slug``.

    Raises:
        NotFoundError: no such group (the message lists the study's groups).
    """
    groups = study_groups(store, slug)
    found = next((g for g in groups if g.name == name), None)
    if found is None:
        known = ", ".join(g.name for g in groups) or "none yet"
        raise NotFoundError(f"study {slug!r} has no discussion group {name!r} (groups: {known})")
    return found


def study_groups(store: Store, slug: str) -> list[Group]:
    """Every discussion group of a study."""
    with store.read() as session:
        rows = study_group_rows(session, study_row(session, slug).id)
        return [_view(session, row) for row in rows]


def groups_of(store: Store, participant_id: str) -> list[Group]:
    """The groups a participant is a member of."""
    with store.read() as session:
        person = member(session, participant_id)
        rows = study_group_rows(session, person.study_id)
        return [_view(session, row) for row in rows if participant_id in row.members]


def member_group(store: Store, participant_id: str, group_id: int) -> Group:
    """One group of the participant (:class:`NotFoundError` if they are not a member)."""
    with store.read() as session:
        return _view(session, group_of_member(session, participant_id, group_id))


# --- before the discussion ----------------------------------------------------------------------


def submit_attributes(
    store: Store, participant_id: str, group_id: int, attributes: Sequence[Mapping[str, str]]
) -> list[Attribute]:
    """Replace the member's top attributes (1 to 3, most important first).

    Raises:
        InputError: none, more than three, an empty name, or the same name twice.
        NotFoundError: not a member of the group.
        ConflictError: the group's axes are recorded already (the discussion has happened).
    """
    given = [
        a
        for a in attributes
        if str(a.get("name", "")).strip() or str(a.get("definition", "")).strip()
    ]
    if not 1 <= len(given) <= TOP_ATTRIBUTES:
        raise InputError(f"name between 1 and {TOP_ATTRIBUTES} attributes, most important first")
    parsed = [
        validated(AttributeInput, dict(a), f"attribute {i}") for i, a in enumerate(given, start=1)
    ]
    names = [a.name.casefold() for a in parsed]
    if len(set(names)) != len(names):
        raise InputError("each attribute needs its own name")
    with store.session() as session:
        group = group_of_member(session, participant_id, group_id)
        if group_has_axes(session, group.id):
            raise ConflictError("the group's axes are recorded; attributes can no longer change")
        replace_attributes(session, group_id, participant_id, parsed)
    return [a for a in group_attributes(store, group_id) if a.participant_id == participant_id]


def group_attributes(store: Store, group_id: int) -> list[Attribute]:
    """Every member's attributes in a group, by member then rank."""
    with store.read() as session:
        return [
            Attribute.model_validate(r, from_attributes=True)
            for r in group_attribute_rows(session, group_id)
        ]


# --- the facilitator records axes ---------------------------------------------------------------


def record_axis(
    store: Store, slug: str, group_id: int, fields: Mapping[str, object], recorded_by: str
) -> Axis:
    """Record one of the group's axes, its example turns, and the attributes it took up.

    Raises:
        InputError: missing name or definition, a name in use in the group, or an attribute of another group.
        NotFoundError: no such group, or an example turn outside the study.
    """
    data = validated(AxisInput, dict(fields), "axis")
    try:
        with store.session() as session:
            group = group_in_study(session, slug, group_id)
            for turn_id in data.example_turn_ids:
                turn = turn_by_id(session, turn_id)
                conv = conversation_by_id(session, turn.conversation_id) if turn else None
                if conv is None or conv.study_id != group.study_id:
                    raise NotFoundError(f"no turn {turn_id} in study {slug!r}")
            row = add_axis(
                session,
                group_id,
                data.name,
                data.definition,
                example_turn_ids=list(dict.fromkeys(data.example_turn_ids)),
                recorded_by=recorded_by,
                position=len(axis_ids_of(session, group_id)),
            )
            for attribute_id in data.attribute_ids:
                attribute = attribute_by_id(session, attribute_id)
                if attribute is None or attribute.group_id != group_id:
                    raise InputError(f"attribute {attribute_id} is not one of this group's")
                attribute.axis_id = row.id
            axis_id = row.id
    except IntegrityError as exc:
        raise InputError(f"the group has an axis called {data.name!r} already") from exc
    return next(a for a in get_group(store, slug, group_id).axes if a.id == axis_id)


def set_goal(store: Store, slug: str, group_id: int, fields: Mapping[str, str]) -> str:
    """Store the group's alignment goal and return it as a sentence.

    Raises:
        InputError: a part of the sentence is empty or too long.
    """
    goal = validated(AlignmentGoal, dict(fields), "alignment goal")
    with store.session() as session:
        group_in_study(session, slug, group_id).goal = goal.model_dump()
    return goal.sentence()


# --- after the discussion -----------------------------------------------------------------------


def rank_axes(
    store: Store, participant_id: str, group_id: int, answers: Mapping[int, tuple[int, int]]
) -> None:
    """Store a member's post-discussion ranking: ``{axis_id: (rank, agreement)}`` for every axis.

    Ranks must be 1..n, each used once; agreement is 1 (strongly disagree) to 5 (strongly agree).
    A new submission replaces the old one.

    Raises:
        InputError: a missing or extra axis, repeated or out-of-range ranks, agreement outside 1–5.
        NotFoundError: not a member of the group.
        ConflictError: the group has no axes yet.
    """
    with store.session() as session:
        group_of_member(session, participant_id, group_id)
        axis_ids = axis_ids_of(session, group_id)
        if not axis_ids:
            raise ConflictError("the group has no axes to rank yet")
        if set(answers) != set(axis_ids):
            raise InputError("rank every axis of the group, and only those")
        ranks = sorted(rank for rank, _ in answers.values())
        if ranks != list(range(1, len(axis_ids) + 1)):
            raise InputError(f"give each axis a different rank from 1 to {len(axis_ids)}")
        if any(not 1 <= agreement <= 5 for _, agreement in answers.values()):
            raise InputError(
                "agreement must be between 1 (strongly disagree) and 5 (strongly agree)"
            )
        replace_axis_rankings(session, participant_id, axis_ids, answers)
