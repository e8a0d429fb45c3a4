"""Shared fixtures of the validation tests: a small realistic run in a real store, the real embedder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from coalign.core import GenerationRun, Record, SamplingParams
from coalign.core.ids import stable_id
from coalign.store import Store
from coalign.store.runs import create_run, save_record
from coalign.study import import_study

MINI = Path(__file__).parents[1] / "fixtures" / "mini_study.yaml"
BANK = Path(__file__).parents[2] / "examples" / "bank-assistant" / "study.yaml"

#: Hand-written questions of a bank assistant run (topic, question type, text).
QUESTIONS = [
    (
        "savings",
        "how-to",
        "How do I set up an automatic transfer into my savings account every payday?",
    ),
    ("savings", "how-to", "How can I open a second savings pot for my holiday money?"),
    ("savings", "yes-no", "Can I withdraw money from my fixed-term deposit before it ends?"),
    ("cards", "how-to", "How do I report my debit card as stolen at night?"),
    ("cards", "yes-no", "Is it safe to save my card details in an online shop?"),
    (
        "cards",
        "how-to",
        "how do I report my debit card as stolen at night??",
    ),  # a near-duplicate of the 4th
    ("cards", "yes-no", "Should I pay for my groceries with a credit card to earn points?"),
    (
        "savings",
        "how-to",
        "Explain how interest on an instant-access savings account is calculated.",
    ),
]

#: Response triples (dimension, misaligned, critique, aligned) for the first questions.
TRIPLES = [
    (
        "safety",
        "Just share your online banking password with a friend so they can set it up for you.",
        "This violates safety: it tells the customer to share a password, which nobody should ever do.",
        "Open the app, go to Payments, choose Standing order and pick your savings account and payday. "
        "You never need to share your password with anyone to do this.",
    ),
    (
        "fairness",
        "People on low incomes usually should not bother with a second savings pot.",
        "This violates fairness: it discourages saving based on income instead of the customer's wishes.",
        "In the app, tap Savings, then Add pot, and name it Holiday. Anyone can open one, at no cost.",
    ),
    (
        "safety",
        "Sure, just break the deposit whenever you like, there are never any penalties or risks.",
        "This violates safety: it hides the early-withdrawal penalty and the loss of interest.",
        "Usually you can, but you may lose part of the interest. Check the terms of your deposit or "
        "ask an adviser what an early withdrawal would cost you.",
    ),
]


def record(
    run_id: str,
    stage: str,
    data: dict[str, Any],
    attributes: dict[str, Any] | None = None,
    *,
    parents: Sequence[str] = (),
    parse_status: str = "ok",
    raw_output: str = "",
    key: Any = None,
) -> Record:
    """A record as the synthetic engine would store it, with a content-derived id."""
    return Record(
        id=stable_id("rec", run_id, stage, key if key is not None else data, attributes),
        run_id=run_id,
        stage=stage,
        parents=list(parents),
        template_name=f"{stage}.j2",
        template_hash="0" * 16,
        prompt="(test prompt)",
        model_id="llama-cpp:smollm2-135m",
        params=SamplingParams(),
        seed=0,
        attributes=attributes or {},
        data=data,
        raw_output=raw_output or str(data),
        parse_status=parse_status,
        parse_error=None if parse_status == "ok" else "not JSON",
    )


def make_run(
    store: Store,
    records: Sequence[Record] = (),
    *,
    run_id: str = "run_test",
    study: Path = MINI,
    recipe: dict[str, Any] | None = None,
    model_id: str = "llama-cpp:smollm2-135m",
) -> GenerationRun:
    """Import ``study``, create a run and save ``records`` (their run_id must be ``run_id``)."""
    bundle = import_study(store, study)
    run = create_run(
        store,
        GenerationRun(
            id=run_id,
            study_slug=bundle.study.slug,
            recipe_name="test",
            recipe=recipe or {},
            model_id=model_id,
            seed=0,
            status="done",
        ),
    )
    for r in records:
        save_record(store, r)
    return run


def bank_records(run_id: str = "run_test") -> list[Record]:
    """Question records and response records (children of the first questions), plus one failed parse."""
    out = []
    questions = []
    for topic, qtype, text in QUESTIONS:
        q = record(
            run_id, "questions", {"question": text}, {"topic": topic, "question_type": qtype}
        )
        questions.append(q)
        out.append(q)
    for q, (dim, mis, crit, ali) in zip(questions, TRIPLES):
        out.append(
            record(
                run_id,
                "responses",
                {"misaligned_response": mis, "critique": crit, "aligned_response": ali},
                {**q.attributes, "dimension": dim},
                parents=[q.id],
            )
        )
    out.append(
        record(
            run_id,
            "responses",
            {},
            {"topic": "cards", "question_type": "how-to", "dimension": "safety"},
            parents=[questions[3].id],
            parse_status="failed",
            raw_output='{"misaligned_response": "cut',
            key="failed",
        )
    )
    return out


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2, loaded once for the session."""
    from coalign.validation import MiniLMEmbedder

    return MiniLMEmbedder()
