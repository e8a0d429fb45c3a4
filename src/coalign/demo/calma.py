"""The CALMA demo (reference study 004): familiarize, interact, reflect and discuss, for two groups.

Familiarize: every simulated participant takes the study's training check on its unrelated
context (one fails first, reads the feedback and passes). Interact: the facilitator adds a
shared baseline conversation, and one member of each group chats with the assistant in its
deployment context, through the embedded model. Reflect: each member codes a model answer
they can see (their own chat's or the baseline's). Discuss: each group names its top
attributes, the facilitator records three axes per group with definitions and example turns,
the group agrees on a top 3, and the two groups' axes are compared on one map.
"""

from __future__ import annotations

from coalign.coconstruct.axes import create_group, record_axis, submit_attributes
from coalign.coconstruct.axes_comparison import compare_axes
from coalign.coconstruct.coding import add_code
from coalign.coconstruct.group_ranking import record_group_ranking
from coalign.coconstruct.interact import add_baseline, send, start_conversation
from coalign.coconstruct.training import study_training, submit_check
from coalign.core.errors import InputError
from coalign.demo.steps import (
    DEMO_PARAMS,
    FACILITATOR,
    ExampleDemo,
    Progress,
    seat_participants,
)
from coalign.llm import Model
from coalign.store import Store

#: Each group's opening question to the assistant.
QUESTIONS = [
    "The heating in my flat has been off for two days. What can I do?",
    "My neighbour plays loud music every night. Can the cooperative do something?",
]
#: The message of the shared baseline conversation that every participant sees.
BASELINE = "Can I put a bench in the shared courtyard?"
#: Per group: the code the chatting member puts on their own chat's answer, and the code the
#: other member puts on the shared baseline's answer.
CODES = [
    ("says who to contact", "no mention of the neighbours"),
    ("takes no side in the dispute", "vague about the rules"),
]
#: The axes each group's discussion arrives at (name, definition), in the order recorded.
AXES = [
    [
        ("urgency", "Recognises when a problem affects health or safety and acts on it quickly."),
        ("clear next step", "Ends with one concrete action and the office or form to use."),
        ("tenant rights", "Tells tenants what they are entitled to, not only what they must do."),
    ],
    [
        ("neutrality", "Does not take sides in a conflict between tenants it cannot judge."),
        ("actionable", "Gives steps the tenant can take today, with the right contact."),
        ("respectful tone", "Speaks to the tenant as a member of the cooperative, not a problem."),
    ],
]


def _short(text: str, size: int = 80) -> str:
    """``text`` on one line, cut to ``size`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= size else line[: size - 1] + "…"


def run_calma(store: Store, slug: str, model: Model, demo: ExampleDemo, progress: Progress) -> None:
    """Run the four phases of the imported CALMA-shaped study ``slug`` (it must have a training)."""
    training = study_training(store, slug)
    if training is None:
        raise InputError(f"study {slug!r} has no training; the CALMA demo starts with it")
    people = seat_participants(store, slug, 4)
    right = {q.id: q.correct_option for q in training.questions}
    wrong = {q.id: (q.correct_option + 1) % len(q.options) for q in training.questions}
    first = submit_check(store, people[0], wrong, "en")
    attempts = [first] + [submit_check(store, p, right, "en") for p in people]
    demo.step(
        "familiarize",
        f"{len(attempts)} attempts at the training check ({first.score}/{first.total} failed, "
        f"then {sum(a.passed for a in attempts)} passed)",
        progress,
    )
    baseline = add_baseline(store, model, slug, "Shared baseline", [BASELINE], DEMO_PARAMS)
    shared = baseline.turns[-1]
    teams = [people[:2], people[2:]]
    groups, turns = [], []
    for number, (members, question) in enumerate(zip(teams, QUESTIONS), start=1):
        chat = start_conversation(store, members[0], "Housing question")
        chat = send(store, model, members[0], chat.id, question, DEMO_PARAMS)
        turns.append(chat.turns[-1])
        groups.append(create_group(store, slug, f"group {number}", members))
    demo.step(
        "interact",
        f"1 shared baseline and {len(turns)} own conversations with the assistant, "
        f"e.g. “{_short(turns[0].content)}”",
        progress,
    )
    codes = 0
    for members, turn, (own, on_baseline) in zip(teams, turns, CODES):
        add_code(store, members[0], {"turn_id": turn.id, "text": own})
        add_code(store, members[1], {"turn_id": shared.id, "text": on_baseline})
        codes += 2
    demo.step("reflect", f"{codes} codes on the model's answers", progress)
    top3 = []
    for group, members, turn, axes in zip(groups, teams, turns, AXES):
        for member in members:
            submit_attributes(
                store, member, group.id, [{"name": n, "definition": d} for n, d in axes[:2]]
            )
        recorded = [
            record_axis(
                store,
                slug,
                group.id,
                {"name": name, "definition": definition, "example_turn_ids": [turn.id]},
                FACILITATOR,
            )
            for name, definition in axes
        ]
        ranking = record_group_ranking(
            store, slug, group.id, 3, [a.id for a in recorded], facilitator=FACILITATOR
        )
        (agreed,) = [r for r in ranking.rankings if r.size == 3]
        top3.append(f"{ranking.group}: {', '.join(agreed.axes)}")
    demo.step("discuss", "group top 3 — " + "; ".join(top3), progress)
    comparison = compare_axes(store, slug, [g.id for g in groups])
    close = comparison.pairs[0] if comparison.pairs else None
    demo.step(
        "compare",
        f"{len(comparison.points)} axes of {len(comparison.groups)} groups on one map"
        + (
            f"; closest pair “{close.axis}” ~ “{close.other_axis}” ({close.similarity:.2f})"
            if close
            else "; no pair above the similarity threshold"
        ),
        progress,
    )
