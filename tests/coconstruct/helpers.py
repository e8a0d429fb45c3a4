"""Building blocks for co-construction tests: consenting participants of the mini study, the real
model, a canned model that always answers the same text, the bank example's training on the mini
study, and a model turn written without a model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coalign.core.calls import ChatRequest, Completion, SamplingParams
from coalign.core.training import Training
from coalign.llm import Model, load_model
from coalign.rating.campaigns import list_campaigns
from coalign.store import Store
from coalign.store.coconstruction_tables import ConversationRow, TurnRow
from coalign.store.studies import get_study, save_study, study_row
from coalign.study import load_study_file
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


EXAMPLE_STUDY = Path(__file__).parents[2] / "examples" / "bank-assistant" / "study.yaml"


def train(store: Store, slug: str = "mini") -> Training:
    """Give study ``slug`` (English and German) the bank example's training; returns it."""
    training = load_study_file(EXAMPLE_STUDY).study.training
    assert training is not None
    study = get_study(store, slug).model_copy(update={"languages": ["en", "de"]})
    with store.session() as session:
        save_study(session, study.model_copy(update={"training": training}))
    return training


def right_answers(training: Training) -> dict[str, int]:
    """The correct option of every check question."""
    return {q.id: q.correct_option for q in training.questions}


def wrong_answers(training: Training) -> dict[str, int]:
    """A wrong option for every check question."""
    return {q.id: (q.correct_option + 1) % len(q.options) for q in training.questions}


def model_turn(store: Store, content: str, slug: str = "mini") -> int:
    """The id of a model turn in a new shared baseline of study ``slug``, written without a model."""
    with store.session() as session:
        chat = ConversationRow(study_id=study_row(session, slug).id, baseline=True, title="Base")
        session.add(chat)
        session.flush()
        session.add(TurnRow(conversation_id=chat.id, position=0, role="user", content="Hi?"))
        turn = TurnRow(conversation_id=chat.id, position=1, role="assistant", content=content)
        session.add(turn)
        session.flush()
        return turn.id
