"""The pre-discussion pack: what a member brings to the group's discussion.

For one member of a discussion group: their own coded turns (each with its codes) and their own
clusters; the group's topic summary, computed from the group's codes (the members' codes on their
chats and the codes on what the group shared in its phase): the most frequent code labels and
the cluster names, each with a count; and a word cloud of the group's code labels
(:func:`coalign.pages.wordcloud.word_cloud`, word size ~ frequency). Labels are counted without
regard to case or surrounding spaces and shown in their most used spelling. The summary is
counted, not written by a model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, Field

from coalign.coconstruct.axes import member_group
from coalign.coconstruct.coding import Cluster, own_clusters, study_codes
from coalign.coconstruct.group_phase import group_phase
from coalign.core.coconstruction import Code
from coalign.pages.wordcloud import WordCloud, word_cloud
from coalign.participation.members import study_slug_of
from coalign.store import Store

#: How many code labels and cluster names the topic summary lists.
TOP_TOPICS = 10


class CodedTurn(BaseModel):
    """One of the member's coded turns with the codes they gave it."""

    turn_id: int
    turn_text: str
    codes: list[Code]


class TopicCount(BaseModel):
    """A code label or cluster name and how often it occurs in the group.

    Attributes:
        kind: ``code`` (a code label), ``cluster`` (a member's own cluster, counted in codes) or
            ``group cluster`` (a cluster of the group phase, counted in shared misalignments).
    """

    label: str
    count: int
    kind: str = "code"


class DiscussionPack(BaseModel):
    """A member's pre-discussion pack (see the module's docstring)."""

    group: str
    group_id: int
    participant_id: str
    turns: list[CodedTurn] = Field(default_factory=list)
    clusters: list[Cluster] = Field(default_factory=list)
    codes_in_group: int = 0
    coders_in_group: int = 0
    top_codes: list[TopicCount] = Field(default_factory=list)
    top_clusters: list[TopicCount] = Field(default_factory=list)
    cloud: WordCloud


def count_labels(labels: Iterable[str]) -> Counter[str]:
    """Counts of labels ignoring case and outer spaces, keyed by each label's most used spelling."""
    spellings: dict[str, Counter[str]] = {}
    for label in labels:
        text = " ".join(label.split())
        if text:
            spellings.setdefault(text.casefold(), Counter())[text] += 1
    return Counter(
        {forms.most_common(1)[0][0]: sum(forms.values()) for forms in spellings.values()}
    )


def discussion_pack(store: Store, participant_id: str, group_id: int) -> DiscussionPack:
    """The pre-discussion pack of a member of group ``group_id``.

    Raises:
        NotFoundError: not a member of the group.
    """
    group = member_group(store, participant_id, group_id)
    slug = study_slug_of(store, participant_id)
    members = set(group.members)
    codes = [c for c in study_codes(store, slug) if c.participant_id in members]
    shares = group_phase(store, slug, group_id)
    share_codes = [code for share in shares.shares for code in share.codes]
    own = [c for c in codes if c.participant_id == participant_id]
    turns: dict[int, CodedTurn] = {}
    for code in own:
        turns.setdefault(
            code.turn_id, CodedTurn(turn_id=code.turn_id, turn_text=code.turn_text, codes=[])
        ).codes.append(code)
    labels = count_labels([c.text for c in codes] + [c.text for c in share_codes])
    clusters = [
        TopicCount(label=name, count=n, kind="cluster")
        for name, n in count_labels(c.cluster for c in codes if c.cluster).items()
    ] + [
        TopicCount(label=c.name, count=len(c.share_ids), kind="group cluster")
        for c in shares.clusters
    ]
    clusters.sort(key=lambda t: (-t.count, t.label.casefold()))
    return DiscussionPack(
        group=group.name,
        group_id=group.id,
        participant_id=participant_id,
        turns=list(turns.values()),
        clusters=[c for c in own_clusters(store, participant_id) if c.codes],
        codes_in_group=len(codes) + len(share_codes),
        coders_in_group=len(
            {c.participant_id for c in codes} | {c.participant_id for c in share_codes}
        ),
        top_codes=[
            TopicCount(label=label, count=n)
            for label, n in sorted(labels.items(), key=lambda ln: (-ln[1], ln[0].casefold()))[
                :TOP_TOPICS
            ]
        ],
        top_clusters=clusters[:TOP_TOPICS],
        cloud=word_cloud(labels),
    )
