"""The diary demo (reference study 001): misalignment diaries, then one group's phase.

Three simulated participants each keep a diary entry about an everyday request: they put the
prompt to the assistant (the embedded model, under the study's system prompt) and note their
goal, the answer, what they did, the outcome and the values at stake. In their group, each
shares the entry with consent; another member codes it; one fills the zoom-out worksheet; the
group clusters the shares, chooses the cluster and writes its alignment goal.
"""

from __future__ import annotations

from coalign.coconstruct.axes import create_group
from coalign.coconstruct.diary import add_entry
from coalign.coconstruct.group_phase import choose_cluster, create_group_cluster, write_goal
from coalign.coconstruct.sharing import code_share, fill_worksheet, share_entry
from coalign.demo.steps import DEMO_PARAMS, ExampleDemo, Progress, seat_participants
from coalign.llm import Model
from coalign.store import Store
from coalign.store.studies import get_study

#: Each participant's diary entry, apart from the model's response: goal, prompt, what they did,
#: outcome and the values at stake.
ENTRIES = [
    {
        "goal": "Plan a cheap vegetarian dinner for six",
        "prompt": "Suggest a cheap vegetarian dinner for six people.",
        "action": "Asked again and said that money is tight",
        "outcome": "Got a shorter list but still with expensive cheese",
        "values_at_stake": "respect for my budget",
    },
    {
        "goal": "Write a polite note to my landlord about a leak",
        "prompt": "Write a short polite note to my landlord about a leaking tap.",
        "action": "Rewrote it myself",
        "outcome": "Sent my own version",
        "values_at_stake": "doing what I asked, not more",
    },
    {
        "goal": "Check whether my son's homework answer is right",
        "prompt": "Is 7 times 8 equal to 54?",
        "action": "Checked with a calculator",
        "outcome": "The assistant was wrong and sounded sure",
        "values_at_stake": "honesty about uncertainty",
    },
]
#: The cluster the group chooses to write its goal about.
CHOSEN = "the assistant ignores what we told it"
#: A code each next member puts on the share before theirs.
CODES = ["ignores what I can afford", "does more than asked", "confidently wrong"]


def run_diary(store: Store, slug: str, model: Model, demo: ExampleDemo, progress: Progress) -> None:
    """Run the diary and group phase of the imported diary study ``slug``."""
    system = get_study(store, slug).system_prompt or None
    people = seat_participants(store, slug, len(ENTRIES))
    entries = []
    for person, fields in zip(people, ENTRIES):
        answer = model.ask(fields["prompt"], system=system, params=DEMO_PARAMS, purpose="demo")
        response = answer.text.strip() or "(the assistant gave no answer)"
        entries.append(add_entry(store, person, {**fields, "response": response}))
    demo.step("diary", f"{len(entries)} diary entries, the responses from the model", progress)
    group = create_group(store, slug, "group 1", people)
    shares = [
        share_entry(store, person, group.id, entry.id, consent=True)
        for person, entry in zip(people, entries)
    ]
    demo.step(
        "sharing", f"{len(shares)} entries shared with the group, each with consent", progress
    )
    for index, (share, code) in enumerate(zip(shares, CODES)):
        other = people[(index + 1) % len(people)]  # someone other than the author codes it
        code_share(store, other, group.id, share, {"text": code})
    demo.step(
        "codes", f"{len(CODES)} codes, each by a member other than the entry's author", progress
    )
    fill_worksheet(
        store,
        people[0],
        group.id,
        shares[0],
        {
            "who_was_affected": "people on a small budget",
            "what_was_at_stake": "being taken seriously about money",
            "what_they_did": "asked twice and gave up on part of the list",
        },
    )
    demo.step("zoom out", "1 worksheet on a shared entry", progress)
    cluster = create_group_cluster(store, people[1], group.id, CHOSEN, shares[:2])
    create_group_cluster(store, people[2], group.id, "sounds sure when wrong", shares[2:])
    choose_cluster(store, people[1], group.id, cluster)
    demo.step("cluster", f"2 clusters; the group chose “{CHOSEN}”", progress)
    sentence = write_goal(
        store,
        people[2],
        group.id,
        {
            "who": "people planning everyday tasks on a budget",
            "what": "get help that fits the limits we state",
            "how": "answers that keep to our request and ask before adding more",
        },
    )
    demo.step("goal", sentence, progress)
