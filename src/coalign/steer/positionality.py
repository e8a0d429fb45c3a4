"""The positionality card of the steered chat: who answers, told how, steered along whose values.

Study 001 asked that a chat disclose its position: which model answers and with what settings,
the instructions it is given, and the axes its answers are steered along with where they came
from. :func:`positionality` gathers that for one conversation of a participant.

An axis adopted from deliberation (origin ``derived_axis``, see
:func:`coalign.coconstruct.axis_dimensions.adopt_axis`) is traced back through the store to the
discussion groups that recorded it: the group's alignment goal, the top-3 attributes of the
Discuss phase it took up and from how many members, the example turns of the Interact phase
(from shared baselines or members' own chats) and the members' agreement after the discussion.
The adopted dimension keeps the axis's definition word for word (it may be renamed), so the
definition is what links the two.
"""

from __future__ import annotations

from datetime import datetime
from statistics import mean

from pydantic import BaseModel
from sqlalchemy.orm import Session

from coalign.coconstruct.interact import own_conversation
from coalign.core.calls import SamplingParams
from coalign.core.coconstruction import AlignmentGoal
from coalign.core.study import ValueDimension
from coalign.participation.members import study_row_by_id
from coalign.steer.judges import chat_axes, steering_prompt
from coalign.store import Store
from coalign.store.coconstruction import (
    axes_of,
    conversation_by_id,
    group_attribute_rows,
    rankings_of_axes,
    study_group_rows,
    turn_by_id,
)
from coalign.store.coconstruction_tables import AxisRow, DiscussionGroupRow
from coalign.store.studies import load_study


class AxisSource(BaseModel):
    """A discussion group's axis that a chat axis was adopted from.

    Attributes:
        group: the discussion group's name.
        axis_name: the axis's name in the group (the chat may use another).
        goal: the group's alignment-goal sentence, ``""`` when it wrote none.
        recorded_at: when the axis was recorded after the discussion.
        attributes: members' top-3 attributes (Discuss phase) the axis took up.
        contributors: how many members those attributes came from.
        example_turns: turns chosen to illustrate it (Interact phase).
        baseline_examples: how many of those came from the study's shared baseline chats.
        agreement: the members' mean agreement with the axis (1–5) after the discussion.
        rankings: how many members ranked it.
    """

    group: str
    axis_name: str
    goal: str
    recorded_at: datetime
    attributes: int
    contributors: int
    example_turns: int
    baseline_examples: int
    agreement: float | None
    rankings: int


class AxisCard(BaseModel):
    """One axis the chat is steered along, with where it came from.

    ``origin`` is the dimension's (``researcher``, ``participant``, ``derived_axis``,
    ``imported``); ``sources`` are filled for derived axes only.
    """

    name: str
    definition: str
    origin: str
    sources: list[AxisSource]


class Positionality(BaseModel):
    """What the positionality card of a steered conversation shows.

    Attributes:
        study: the study's title.
        model: the model's name as shown to participants (no server address).
        model_id: the full model string recorded with every answer.
        params: the sampling of the answers (temperature, top-p, max tokens, seed).
        judge_params: the sampling of the axis judges that score each answer.
        system_prompt: the study's instructions to the model in this conversation.
        steering_example: how the sliders are added to those instructions (all at 5).
        axes: the axes the answers are steered along.
    """

    study: str
    model: str
    model_id: str
    params: SamplingParams
    judge_params: SamplingParams
    system_prompt: str
    steering_example: str
    axes: list[AxisCard]


def model_label(model_id: str) -> str:
    """A model string without the server address or folders: ``openai:http://h/v1#Qwen`` gives
    ``Qwen``, ``llama-cpp:/models/x.gguf`` gives ``x.gguf``, ``llama-cpp:smollm2-135m`` gives
    ``smollm2-135m``."""
    _, _, target = model_id.partition(":")
    urls, _, name = target.partition("#")
    return name or urls.rstrip("/").rsplit("/", 1)[-1] or model_id


def _source(session: Session, group: DiscussionGroupRow, axis: AxisRow) -> AxisSource:
    taken_up = [a for a in group_attribute_rows(session, group.id) if a.axis_id == axis.id]
    rankings = rankings_of_axes(session, [axis.id])
    baseline = 0
    for turn_id in axis.example_turn_ids:
        turn = turn_by_id(session, turn_id)
        chat = conversation_by_id(session, turn.conversation_id) if turn else None
        baseline += bool(chat and chat.baseline)
    return AxisSource(
        group=group.name,
        axis_name=axis.name,
        goal=AlignmentGoal.model_validate(group.goal).sentence() if group.goal else "",
        recorded_at=axis.created_at,
        attributes=len(taken_up),
        contributors=len({a.participant_id for a in taken_up}),
        example_turns=len(axis.example_turn_ids),
        baseline_examples=baseline,
        agreement=round(mean(r.agreement for r in rankings), 1) if rankings else None,
        rankings=len(rankings),
    )


def _sources(session: Session, study_id: int, axis: ValueDimension) -> list[AxisSource]:
    """The groups' axes with this axis's definition (the same name first)."""
    if axis.origin != "derived_axis":
        return []
    found = [
        (row.name != axis.name, _source(session, group, row))
        for group in study_group_rows(session, study_id)
        for row in axes_of(session, group.id)
        if row.definition.strip() == axis.definition.strip()
    ]
    return [source for _, source in sorted(found, key=lambda pair: pair[0])]


def positionality(
    store: Store,
    participant_id: str,
    conversation_id: int,
    *,
    model_id: str,
    params: SamplingParams,
    judge_params: SamplingParams,
) -> Positionality:
    """The positionality card of the participant's steered conversation.

    Args:
        model_id: the model that answers in the chat.
        params: the answers' sampling; ``judge_params``: the axis judges' sampling.

    Raises:
        NotFoundError: no such conversation of this participant.
    """
    with store.read() as session:
        row = own_conversation(session, participant_id, conversation_id)
        study_row = study_row_by_id(session, row.study_id)
        axes = chat_axes(load_study(session, study_row.slug))
        cards = [
            AxisCard(
                name=axis.name,
                definition=axis.definition,
                origin=axis.origin,
                sources=_sources(session, row.study_id, axis),
            )
            for axis in axes
        ]
        return Positionality(
            study=study_row.title,
            model=model_label(model_id),
            model_id=model_id,
            params=params,
            judge_params=judge_params,
            system_prompt=row.system_prompt,
            steering_example=steering_prompt("", axes, {a.name: 5 for a in axes}),
            axes=cards,
        )
