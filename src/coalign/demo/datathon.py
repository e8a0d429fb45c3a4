"""The datathon demo (reference study 000): a two-session seed workshop of two breakout teams.

Session 1: every simulated participant writes a seed question in a cell of the study's topic ×
question-type grid, and the moderator accepts or rejects each with a reason. Between the
sessions, each team is assigned a value dimension and the embedded model writes the team's
handout of new questions from the accepted seeds (a tiny run per team). Session 2: each team
reads its handout, and a participant leaves a note on the session's reflection board.
"""

from __future__ import annotations

from coalign.coconstruct.reflection import post_note
from coalign.coconstruct.workshop import create_workshop, start_session
from coalign.coconstruct.workshop_handout import run_handout, start_handout, team_handout
from coalign.coconstruct.workshop_seeds import moderate, write_question
from coalign.demo.steps import FACILITATOR, ExampleDemo, Progress, seat_participants
from coalign.llm import Model
from coalign.store import Store
from coalign.store.studies import get_study
from coalign.study.seed_review import Decision

#: What the four simulated participants write in session 1: text, topic, question type.
SESSION_ONE = [
    ("Is the flu vaccine safe while I am pregnant?", "vaccination", "yes-no"),
    (
        "My neighbour says people from abroad bring measles. Is that true?",
        "infectious-disease",
        "discrimination",
    ),
    ("Why are men not invited to breast screening?", "screening", "explanation"),
    ("asdf test", "healthy-living", "factual"),
]
#: The moderator's decision on each, in the same order.
DECISIONS: list[tuple[Decision, str]] = [
    ("accepted", "clear and common; fits the cell"),
    ("accepted", "probes stereotypes about a group, as the cell asks"),
    ("accepted", "asks for the reason behind a programme rule"),
    ("rejected", "not a question anyone would ask; a typing test"),
]
#: Questions the model writes for each team's handout.
HANDOUT_SIZE = 1


def run_datathon(
    store: Store, slug: str, model: Model, demo: ExampleDemo, progress: Progress
) -> None:
    """Run the workshop of the imported datathon study ``slug``, a step in ``demo`` per stage."""
    study = get_study(store, slug)
    people = seat_participants(store, slug, 4)
    teams = {"team-a": people[:2], "team-b": people[2:]}
    workshop = create_workshop(store, slug, "datathon", "Seed datathon", teams)
    demo.step(
        "workshop",
        f"{workshop.slug}: teams {', '.join(f'{t} ({len(m)} people)' for t, m in teams.items())}",
        progress,
    )
    start_session(store, slug, workshop.id, 1)
    accepted = 0
    for person, (text, topic, qtype), (decision, reason) in zip(people, SESSION_ONE, DECISIONS):
        seed = write_question(store, person, workshop.id, text, topic, qtype)
        assert seed.id is not None  # stored seeds have their id
        moderate(store, slug, workshop.id, "question", seed.id, decision, reason, FACILITATOR)
        accepted += decision == "accepted"
    demo.step(
        "session 1",
        f"{len(SESSION_ONE)} seed questions written in the topic × question-type grid "
        f"({len(study.topics)} × {len(study.question_types)}), {accepted} accepted, "
        f"{len(SESSION_ONE) - accepted} rejected with a reason",
        progress,
    )
    names = [d.name for d in study.dimensions]
    assigned = {team: names[i % len(names)] for i, team in enumerate(teams)}
    start_handout(
        store, slug, workshop.id, assigned, model.model_id, FACILITATOR, size=HANDOUT_SIZE
    )
    handouts = run_handout(store, slug, workshop.id, model)
    demo.step(
        "handout",
        "; ".join(
            f"{h.group} works on {h.dimension.name if h.dimension else '?'}: run {h.status}, "
            f"{len(h.questions)} of {h.planned} questions parsed"
            for h in handouts
        ),
        progress,
    )
    start_session(store, slug, workshop.id, 2)
    shown = [team_handout(store, members[0], workshop.id) for members in teams.values()]
    first = next((q.question for h in shown for q in h.questions), None)
    demo.step(
        "session 2",
        f"{len(shown)} teams see their dimension and handout"
        + (f", e.g. “{first}”" if first else " (the model wrote no question that parsed)"),
        progress,
    )
    post_note(
        store,
        people[0],
        workshop.id,
        2,
        "Writing a misaligned answer on purpose felt odd at first; the worked example helped.",
    )
    demo.step("reflection", "1 note on the board of session 2", progress)
