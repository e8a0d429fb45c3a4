"""What the example-study demos share: where the shipped examples lie, how a demo seats its
simulated participants, and the summary a demo returns.

The demos call the same service functions as the web pages and commands, so a demo run leaves
in its database exactly what a real study of that shape would (participants, seeds, runs,
chats, codes, groups, axes), only made by simulated people and the embedded model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import coalign
from coalign.core.calls import SamplingParams
from coalign.core.campaigns import Campaign
from coalign.core.errors import InputError
from coalign.participation.access import create_invites, join_by_invite
from coalign.rating.campaigns import create_campaign
from coalign.rating.flow import give_consent
from coalign.store import Store
from coalign.store.calls import CallStats
from coalign.store.studies import get_study

EXAMPLES = Path("examples")
#: Short, reproducible model answers: enough to code and discuss, few tokens on two cores.
DEMO_PARAMS = SamplingParams(temperature=0.7, max_tokens=48, seed=7)
#: The facilitator or moderator a demo acts as.
FACILITATOR = "demo-facilitator"

Progress = Callable[[str], None]


def example_file(example: str, name: str = "study.yaml") -> Path:
    """A file of the shipped example ``example`` (``examples/<example>/<name>``): in the source
    checkout beside the package, or under the cwd.

    Raises:
        InputError: no such file in either place.
    """
    relative = EXAMPLES / example / name
    candidates = [Path(coalign.__file__).resolve().parents[2] / relative, Path.cwd() / relative]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise InputError(f"example file not found (looked for {relative}); pass --study FILE")


@dataclass
class DemoStep:
    """One step of an example demo and what it left in the store, in a line."""

    name: str
    summary: str


@dataclass
class ExampleDemo:
    """What an example-study demo did, for printing."""

    example: str
    db_url: str
    study_slug: str
    study_title: str
    model_id: str = ""
    steps: list[DemoStep] = field(default_factory=list)
    calls: CallStats | None = None

    def step(self, name: str, summary: str, progress: Progress) -> None:
        """Record a finished step and report it."""
        self.steps.append(DemoStep(name, summary))
        progress(f"{name}: {summary}")


def seat_participants(store: Store, slug: str, count: int) -> list[str]:
    """``count`` consenting participants of study ``slug``, invited through a demo campaign.

    People join a study through a campaign's link; the demo's campaign (slug ``demo-join``)
    has no items, it only admits the simulated participants, who consent as a real person
    would on the first page.
    """
    study = get_study(store, slug)
    if not study.dimensions:
        raise InputError(f"study {slug!r} has no value dimension; its demo campaign needs one")
    campaign = create_campaign(
        store,
        Campaign(
            slug="demo-join",
            study_slug=slug,
            title=f"{study.title}: join the study",
            dimensions=[study.dimensions[0].name],
            items_per_participant=1,
            completion_code="COALIGN-DEMO-DONE",
            screened_out_code="COALIGN-DEMO-NOCONSENT",
        ),
        [],
    )
    people = []
    for token in create_invites(store, campaign.id, count):
        seat = join_by_invite(store, token)
        give_consent(store, seat, agree=True)
        people.append(seat.participant_id)
    return people
