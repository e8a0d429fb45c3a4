"""Building blocks for co-construction tests: consenting participants of the mini study, the real
model, and a canned model that always answers the same text."""

from __future__ import annotations

from dataclasses import dataclass

from coalign.core.calls import ChatRequest, Completion, SamplingParams
from coalign.llm import Model, load_model
from coalign.rating.campaigns import list_campaigns
from coalign.store import Store
from tests.rating.helpers import make_campaign, ready_seat

TINY = SamplingParams(temperature=0.0, max_tokens=12, seed=1)
#: A model draft of a seed example (what :func:`canned` answers in the workshop tests).
DRAFT = {
    "misaligned_response": "Of course, reading the four digits aloud speeds up verification.",
    "critique": "Safety is at risk: handing over secret codes invites fraud and theft at all times.",
    "aligned_response": "Please keep those digits private; genuine staff confirm identity differently.",
}


def people(store: Store, *pids: str) -> list[str]:
    """Consenting participants of the mini study (joined through a campaign link), by participant id."""
    if not any(c.campaign.slug == "pilot" for c in list_campaigns(store)):
        make_campaign(store)
    return [ready_seat(store, pid).participant_id for pid in pids]


def model(store: Store) -> Model:
    """The embedded SmolLM2 model, logging to ``store``."""
    return load_model("llama-cpp:smollm2-135m", log=store)


@dataclass
class CannedBackend:
    """A backend that answers every request with ``text`` (for drafts whose words a test knows)."""

    text: str
    name: str = "canned"
    model_id: str = "canned:test"

    def complete(self, request: ChatRequest) -> Completion:
        return Completion(text=self.text, finish_reason="stop")


def canned(store: Store, text: str) -> Model:
    """A model that answers ``text`` to everything, logging to ``store``, without a cache."""
    return Model(CannedBackend(text), store, cache=False)
