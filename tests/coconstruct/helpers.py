"""Building blocks for co-construction tests: consenting participants of the mini study, the real model."""

from __future__ import annotations

from coalign.core.calls import SamplingParams
from coalign.llm import Model, load_model
from coalign.rating.campaigns import list_campaigns
from coalign.store import Store
from tests.rating.helpers import make_campaign, ready_seat

TINY = SamplingParams(temperature=0.0, max_tokens=12, seed=1)


def people(store: Store, *pids: str) -> list[str]:
    """Consenting participants of the mini study (joined through a campaign link), by participant id."""
    if not any(c.campaign.slug == "pilot" for c in list_campaigns(store)):
        make_campaign(store)
    return [ready_seat(store, pid).participant_id for pid in pids]


def model(store: Store) -> Model:
    """The embedded SmolLM2 model, logging to ``store``."""
    return load_model("llama-cpp:smollm2-135m", log=store)
