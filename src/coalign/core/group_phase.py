"""What a discussion group makes in the group phase of a misalignment diary study.

After the diary phase each member shares chosen diary entries (or chosen turns of their own
chats) with their group, the members code them and zoom out with a worksheet (who was affected,
what was at stake, what they did), cluster the group's misalignments, choose one cluster and
write the alignment-goal sentence (:class:`~coalign.core.coconstruction.AlignmentGoal`) from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coalign.core.coconstruction import MAX_CODE, MAX_TEXT, AlignmentGoal

#: What a member shares: one of their diary entries, or one model turn of their own chats.
ShareKind = Literal["diary_entry", "turn"]
#: The group phase's logged decisions: a member chose a cluster or wrote the goal; a
#: facilitator closed or reopened the phase.
DecisionKind = Literal["choice", "goal", "close", "reopen"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WorksheetInput(_Input):
    """A member's zoom-out on one shared misalignment (every part may stay empty while drafting).

    Attributes:
        who_was_affected: the people the misalignment touched (the author, others, groups).
        what_was_at_stake: what could be lost or harmed, in the member's words.
        what_they_did: what the author (or the people affected) did about it.
    """

    who_was_affected: str = Field("", max_length=MAX_TEXT)
    what_was_at_stake: str = Field("", max_length=MAX_TEXT)
    what_they_did: str = Field("", max_length=MAX_TEXT)


class Worksheet(WorksheetInput):
    """A stored worksheet; ``author`` is the writer's pseudonym in the group (``P1`` …)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    share_id: int
    participant_id: str
    author: str = ""
    updated_at: datetime


class ShareCodeInput(_Input):
    """An open code on a shared misalignment; ``quote`` marks a passage of its text (optional)."""

    text: str = Field(min_length=1, max_length=MAX_CODE)
    quote: str | None = Field(None, max_length=MAX_TEXT)


class ShareCode(BaseModel):
    """A stored code on a share; ``part`` names the field the quoted passage is in."""

    id: int
    share_id: int
    participant_id: str
    author: str = ""
    text: str
    part: str | None = None
    span_start: int | None = None
    span_end: int | None = None
    quote: str | None = None
    created_at: datetime


class Share(BaseModel):
    """A diary entry or a model turn that its author shared with their group.

    Attributes:
        parts: the text the group sees, by part (``goal``, ``prompt``, ``response``, ``action``,
            ``outcome``, ``values_at_stake`` of an entry; ``prompt`` and ``response`` of a turn).
        author: the sharer's pseudonym in the group (``P1`` … by their place in the group).
        shared_at: when the author consented to sharing it.
        cluster_id: the group cluster it is in, if any.
    """

    id: int
    group_id: int
    kind: ShareKind
    participant_id: str
    author: str
    diary_entry_id: int | None = None
    turn_id: int | None = None
    parts: dict[str, str]
    shared_at: datetime
    cluster_id: int | None = None
    codes: list[ShareCode] = Field(default_factory=list)
    worksheets: list[Worksheet] = Field(default_factory=list)

    @property
    def title(self) -> str:
        """A short line naming the misalignment: an entry's goal, a turn's prompt."""
        text = self.parts.get("goal") or self.parts.get("prompt") or ""
        return text if len(text) <= 80 else text[:79] + "…"


class GroupCluster(BaseModel):
    """A cluster of the group's shared misalignments, named by the group."""

    id: int
    group_id: int
    name: str
    share_ids: list[int] = Field(default_factory=list)


class GroupDecision(BaseModel):
    """One logged decision of the group phase.

    Attributes:
        participant_id: the member who chose or wrote (``None`` for a facilitator's decision, or
            once the member withdrew).
        facilitator: the facilitator's account that closed or reopened the phase.
        cluster_id, cluster: the cluster chosen, or the one the goal was written from.
        sentence: the goal as written (a ``goal`` decision).
        share_ids: the shares the goal derives from (the chosen cluster's when it was written;
            a share its author stopped sharing or withdrew leaves the list).
    """

    id: int
    group_id: int
    kind: DecisionKind
    participant_id: str | None = None
    facilitator: str | None = None
    cluster_id: int | None = None
    cluster: str | None = None
    sentence: str | None = None
    share_ids: list[int] = Field(default_factory=list)
    created_at: datetime


class GroupPhase(BaseModel):
    """Everything of one group's phase, as its members (or a facilitator) see it.

    Attributes:
        pseudonyms: each member's pseudonym in the group (``P1`` … by their place in it).
        choice: the latest ``choice`` decision (the group's chosen cluster), if any.
        goal: the group's alignment goal (also read by the axes report and the exports).
        goal_decision: the latest ``goal`` decision: who wrote it, when, from which shares.
        closed: whether a facilitator closed the phase (nothing changes then, withdrawal apart).
    """

    group_id: int
    group: str
    pseudonyms: dict[str, str]
    shares: list[Share] = Field(default_factory=list)
    clusters: list[GroupCluster] = Field(default_factory=list)
    choice: GroupDecision | None = None
    goal: AlignmentGoal | None = None
    goal_decision: GroupDecision | None = None
    decisions: list[GroupDecision] = Field(default_factory=list)
    closed: bool = False

    @property
    def chosen(self) -> GroupCluster | None:
        """The chosen cluster, if it still exists."""
        if self.choice is None:
            return None
        return next((c for c in self.clusters if c.id == self.choice.cluster_id), None)
