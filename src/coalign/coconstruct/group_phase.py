"""The group phase of a diary study: cluster the shared misalignments, choose one, write the goal.

After sharing and zooming out (:mod:`coalign.coconstruct.sharing`) the members of a discussion
group sort the shared misalignments into clusters they name, choose one cluster as the group's,
and write the alignment-goal sentence from it. Any member may do each step and change it; every
choice and goal is logged with who made it and when (:class:`~coalign.core.group_phase.GroupDecision`),
and the goal names the shares of the chosen cluster it derives from. The goal is stored as the
group's :class:`~coalign.core.coconstruction.AlignmentGoal`, so the axes report and the exports
read it like a goal the facilitator typed in.

A facilitator closes the phase when the group is done (and may reopen it); while it is closed
nothing changes, except that a member who withdraws from the study takes their shares along.

Members see each other as pseudonyms (``P1``, ``P2`` … by their place in the group).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalign.coconstruct.axes import group_in_study, group_of_member
from coalign.coconstruct.diary import own_entries
from coalign.coconstruct.interact import conversations_for
from coalign.coconstruct.labelmap import DEFAULT_DISTANCE, central_member, suggest_clusters
from coalign.coconstruct.sharing import group_share, open_group, phase_closed, share_parts
from coalign.core.coconstruction import MAX_NAME, AlignmentGoal, DiaryEntry, Turn
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.core.group_phase import (
    GroupCluster,
    GroupDecision,
    GroupPhase,
    Share,
    ShareCode,
    Worksheet,
)
from coalign.participation.members import validated
from coalign.store import Store
from coalign.store.coconstruction import study_group_rows
from coalign.store.coconstruction_tables import DiscussionGroupRow
from coalign.store.group_phase import (
    add_decision,
    add_group_cluster,
    decision_rows,
    goal_source_ids,
    group_cluster_by_id,
    group_cluster_rows,
    group_share_rows,
    share_code_rows,
    worksheet_rows,
)
from coalign.store.group_phase_tables import GroupClusterRow
from coalign.store.studies import study_row
from coalign.validation.metrics.embeddings import Embedder, MiniLMEmbedder


class MemberPhase(BaseModel):
    """A member's page of the group phase: the group's work and what they could share.

    Attributes:
        entries: the member's diary entries (shared or not).
        turns: the model turns of the member's own chats, each with the message before it.
    """

    phase: GroupPhase
    participant_id: str
    entries: list[DiaryEntry] = Field(default_factory=list)
    turns: list[tuple[Turn, str]] = Field(default_factory=list)

    @property
    def shared_entries(self) -> dict[int, int]:
        """The member's shared diary entries: entry id → share id."""
        return {
            s.diary_entry_id: s.id
            for s in self.phase.shares
            if s.diary_entry_id is not None and s.participant_id == self.participant_id
        }

    @property
    def shared_turns(self) -> dict[int, int]:
        """The member's shared turns: turn id → share id."""
        return {
            s.turn_id: s.id
            for s in self.phase.shares
            if s.turn_id is not None and s.participant_id == self.participant_id
        }


# --- reading ------------------------------------------------------------------------------------


def _pseudonyms(group: DiscussionGroupRow, authors: Sequence[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for pid in [*group.members, *authors]:
        names.setdefault(pid, f"P{len(names) + 1}")
    return names


def _phase(session: Session, group: DiscussionGroupRow) -> GroupPhase:
    shares = group_share_rows(session, group.id)
    share_ids = [s.id for s in shares]
    codes = share_code_rows(session, share_ids)
    sheets = worksheet_rows(session, share_ids)
    names = _pseudonyms(
        group,
        [s.participant_id for s in shares]
        + [c.participant_id for c in codes]
        + [w.participant_id for w in sheets],
    )
    views = []
    for row in shares:
        views.append(
            Share(
                id=row.id,
                group_id=group.id,
                kind="diary_entry" if row.diary_entry_id is not None else "turn",
                participant_id=row.participant_id,
                author=names[row.participant_id],
                diary_entry_id=row.diary_entry_id,
                turn_id=row.turn_id,
                parts=share_parts(session, row),
                shared_at=row.shared_at,
                cluster_id=row.cluster_id,
                codes=[
                    ShareCode.model_validate(c, from_attributes=True).model_copy(
                        update={"author": names[c.participant_id]}
                    )
                    for c in codes
                    if c.share_id == row.id
                ],
                worksheets=[
                    Worksheet.model_validate(w, from_attributes=True).model_copy(
                        update={"author": names[w.participant_id]}
                    )
                    for w in sheets
                    if w.share_id == row.id
                ],
            )
        )
    clusters = [
        GroupCluster(
            id=c.id,
            group_id=group.id,
            name=c.name,
            share_ids=[s.id for s in shares if s.cluster_id == c.id],
        )
        for c in group_cluster_rows(session, group.id)
    ]
    logged = decision_rows(session, group.id)
    sources = goal_source_ids(session, [d.id for d in logged if d.kind == "goal"])
    decisions = [
        GroupDecision(
            id=d.id,
            group_id=group.id,
            kind=d.kind,
            participant_id=d.participant_id,
            facilitator=d.facilitator,
            cluster_id=d.cluster_id,
            cluster=d.cluster_name,
            sentence=d.sentence,
            share_ids=sources.get(d.id, []),
            created_at=d.created_at,
        )
        for d in logged
    ]
    choices = [d for d in decisions if d.kind == "choice"]
    goals = [d for d in decisions if d.kind == "goal"]
    return GroupPhase(
        group_id=group.id,
        group=group.name,
        pseudonyms=names,
        shares=views,
        clusters=clusters,
        choice=choices[-1] if choices else None,
        goal=AlignmentGoal.model_validate(group.goal) if group.goal else None,
        goal_decision=goals[-1] if goals else None,
        decisions=decisions,
        closed=phase_closed(session, group.id),
    )


def member_phase(store: Store, participant_id: str, group_id: int) -> MemberPhase:
    """The group phase as a member sees it, with their own entries and turns to share.

    Raises:
        NotFoundError: not a member of the group.
    """
    with store.read() as session:
        phase = _phase(session, group_of_member(session, participant_id, group_id))
    turns = [
        (turn, chat.turns[i - 1].content if i and chat.turns[i - 1].role == "user" else "")
        for chat in conversations_for(store, participant_id)
        if chat.participant_id == participant_id
        for i, turn in enumerate(chat.turns)
        if turn.role == "assistant"
    ]
    return MemberPhase(
        phase=phase,
        participant_id=participant_id,
        entries=own_entries(store, participant_id),
        turns=turns,
    )


def group_phase(store: Store, slug: str, group_id: int) -> GroupPhase:
    """A group's phase as a facilitator sees it (participant ids beside the pseudonyms).

    Raises:
        NotFoundError: no such group in the study.
    """
    with store.read() as session:
        return _phase(session, group_in_study(session, slug, group_id))


def study_group_phases(store: Store, slug: str) -> list[GroupPhase]:
    """The phase of every discussion group of a study, oldest group first (for the export)."""
    with store.read() as session:
        rows = study_group_rows(session, study_row(session, slug).id)
        return [_phase(session, row) for row in rows]


class ClusterSuggestion(BaseModel):
    """Shares that read alike, proposed as a cluster; ``label`` is the title of the share nearest
    the centre. A suggestion only: nothing is stored until a member creates the cluster."""

    label: str
    share_ids: list[int]
    titles: list[str]


def suggest_group_clusters(
    store: Store,
    participant_id: str,
    group_id: int,
    *,
    embedder: Embedder | None = None,
    distance: float = DEFAULT_DISTANCE,
) -> list[ClusterSuggestion]:
    """Suggest clusters of the group's shares by meaning, as the label map suggests clusters of
    codes (:func:`coalign.coconstruct.labelmap.suggest_clusters`): each share's text and the
    group's codes on it are embedded (default: the bundled MiniLM) and clustered.

    Raises:
        NotFoundError: not a member of the group.
        InputError: ``distance`` outside (0, 2].
    """
    if not 0 < distance <= 2:
        raise InputError(f"the cluster distance must lie in (0, 2], not {distance}")
    shares = member_phase(store, participant_id, group_id).phase.shares
    if not shares:
        return []
    embedder = embedder or MiniLMEmbedder()
    vectors = embedder.encode(
        [" ".join([*s.parts.values(), *(c.text for c in s.codes)]) for s in shares]
    )
    groups = suggest_clusters(vectors, distance)
    found = []
    for group in range(max(groups) + 1):
        members = [i for i, g in enumerate(groups) if g == group]
        nearest = central_member(vectors, members)
        found.append(
            ClusterSuggestion(
                label=shares[nearest].title[:MAX_NAME],
                share_ids=[shares[i].id for i in members],
                titles=[shares[i].title for i in members],
            )
        )
    return found


# --- clusters and the choice --------------------------------------------------------------------


def _cluster(session: Session, group_id: int, cluster_id: int) -> GroupClusterRow:
    row = group_cluster_by_id(session, cluster_id)
    if row is None or row.group_id != group_id:
        raise NotFoundError(f"no cluster {cluster_id} in this group")
    return row


def create_group_cluster(
    store: Store, participant_id: str, group_id: int, name: str, share_ids: Sequence[int] = ()
) -> int:
    """Name a new cluster of the group and move the chosen shares into it; returns its id.

    Raises:
        InputError: an empty or too long name, or one the group uses already.
        NotFoundError: not a member, or a share that is not the group's.
        ConflictError: the group phase is closed.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InputError(f"a cluster needs a name of 1 to {MAX_NAME} characters")
    try:
        with store.session() as session:
            open_group(session, participant_id, group_id)
            shares = [group_share(session, group_id, s) for s in dict.fromkeys(share_ids)]
            cluster = add_group_cluster(session, group_id, name)
            for share in shares:
                share.cluster_id = cluster.id
            return cluster.id
    except IntegrityError as exc:
        raise InputError(f"your group already has a cluster called {name!r}") from exc


def move_shares(
    store: Store,
    participant_id: str,
    group_id: int,
    share_ids: Sequence[int],
    cluster_id: int | None,
) -> None:
    """Put shared misalignments into one of the group's clusters, or out of any (``None``).

    Raises:
        InputError: no share chosen.
        NotFoundError: not a member, or a share or cluster that is not the group's.
        ConflictError: the group phase is closed.
    """
    if not share_ids:
        raise InputError("choose at least one shared misalignment to move")
    with store.session() as session:
        open_group(session, participant_id, group_id)
        if cluster_id is not None:
            _cluster(session, group_id, cluster_id)
        for share_id in dict.fromkeys(share_ids):
            group_share(session, group_id, share_id).cluster_id = cluster_id


def choose_cluster(store: Store, participant_id: str, group_id: int, cluster_id: int) -> None:
    """Record a cluster as the group's choice (the misalignment it writes its goal about).

    A later choice by any member replaces it; both stay in the group's log.

    Raises:
        InputError: the cluster holds no shared misalignment.
        NotFoundError: not a member, or not one of the group's clusters.
        ConflictError: the group phase is closed.
    """
    with store.session() as session:
        open_group(session, participant_id, group_id)
        cluster = _cluster(session, group_id, cluster_id)
        if not [s for s in group_share_rows(session, group_id) if s.cluster_id == cluster.id]:
            raise InputError("choose a cluster that holds at least one shared misalignment")
        add_decision(session, group_id, "choice", participant_id=participant_id, cluster=cluster)


def write_goal(store: Store, participant_id: str, group_id: int, fields: Mapping[str, str]) -> str:
    """Write the group's alignment goal from its chosen cluster; returns it as a sentence.

    The goal becomes the group's :class:`AlignmentGoal`; the log records who wrote it, when,
    the cluster and the shares in it, from which the goal derives.

    Raises:
        InputError: a part of the sentence is empty or too long.
        NotFoundError: not a member.
        ConflictError: the group phase is closed, or no cluster is chosen (or the chosen one
            was emptied since).
    """
    goal = validated(AlignmentGoal, dict(fields), "alignment goal")
    with store.session() as session:
        group = open_group(session, participant_id, group_id)
        choices = [d for d in decision_rows(session, group_id) if d.kind == "choice"]
        cluster = (
            group_cluster_by_id(session, choices[-1].cluster_id)
            if choices and choices[-1].cluster_id is not None
            else None
        )
        shares = [
            s.id
            for s in group_share_rows(session, group_id)
            if cluster and s.cluster_id == cluster.id
        ]
        if cluster is None or not shares:
            raise ConflictError("choose the group's misalignment (a cluster) before the goal")
        group.goal = goal.model_dump()
        add_decision(
            session,
            group_id,
            "goal",
            participant_id=participant_id,
            cluster=cluster,
            sentence=goal.sentence(),
            share_ids=shares,
        )
    return goal.sentence()


# --- the facilitator ----------------------------------------------------------------------------


def close_phase(store: Store, slug: str, group_id: int, facilitator: str, *, closed: bool) -> None:
    """Close the group's phase (``closed=True``; shares, codes, worksheets, clusters, the choice
    and the goal no longer change) or reopen it, logged with the facilitator's name.

    Raises:
        NotFoundError: no such group in the study.
        ConflictError: the phase is closed (or open) already.
    """
    with store.session() as session:
        group = group_in_study(session, slug, group_id)
        if phase_closed(session, group.id) == closed:
            raise ConflictError(f"the group phase is {'closed' if closed else 'open'} already")
        add_decision(session, group.id, "close" if closed else "reopen", facilitator=facilitator)
