"""Builders for export tests: a run with hand-written records and verdicts, people, items and ratings."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from coalign.core.calls import SamplingParams
from coalign.core.items import Item, Rating
from coalign.core.records import GenerationRun, Record, Verdict
from coalign.store import Store
from coalign.store.participation_tables import DemographicAnswerRow, ParticipantRow
from coalign.store.ratings import save_items, save_ratings
from coalign.store.runs import create_run, save_record
from coalign.store.studies import study_row
from coalign.store.verdicts import save_verdicts
from coalign.study import import_study

MINI = "tests/fixtures/mini_study.yaml"
RUN = "run_export_test"


def record(
    rid: str,
    stage: str,
    data: dict,
    *,
    parents: Iterable[str] = (),
    model: str = "llama-cpp:smollm2-135m",
    attributes: dict | None = None,
    status: str = "ok",
) -> Record:
    return Record(
        id=rid,
        run_id=RUN,
        stage=stage,
        parents=list(parents),
        example_ids=["se_1"] if stage == "responses" else [],
        template_name=f"{stage}.j2",
        template_hash=("a" if stage == "questions" else "b") * 64,
        prompt="rendered",
        model_id=model,
        params=SamplingParams(max_tokens=32),
        seed=7,
        attributes=attributes or {},
        data=data,
        raw_output="{}",
        parse_status=status,  # type: ignore[arg-type]
    )


def triple(n: int, parent: str, **kw: object) -> Record:
    return record(
        f"rec_r{n}",
        "responses",
        {
            "misaligned_response": f"bad answer {n}",
            "critique": f"This violates safety ({n}).",
            "aligned_response": f"good answer {n}",
        },
        parents=[parent],
        attributes={
            "topic": "cards",
            "question_type": "how-to",
            "dimension": "safety",
            "persona": None,
        },
        **kw,
    )


@pytest.fixture
def run_store(store: Store) -> Store:
    """The store with :func:`build_run` applied."""
    build_run(store)
    return store


def build_run(store: Store) -> None:
    """Study ``mini`` and a run: 3 questions (one rejected), 5 response records.

    Accepted triples: r1 and r2 (question q1), r4 (question q3, written by a second model).
    Left out: r3 (its own failing verdict), r5 (its question q2 failed a filter), r6 (did not parse).
    """
    import_study(store, MINI)
    create_run(
        store,
        GenerationRun(
            id=RUN,
            study_slug="mini",
            recipe_name="test-recipe",
            recipe={"name": "test-recipe", "stages": {"questions": {"examples": {"k": 2}}}},
            model_id="llama-cpp:smollm2-135m",
            seed=7,
            status="done",
        ),
    )
    records = [
        record(
            "rec_q1",
            "questions",
            {"question": "How do I block my card?"},
            attributes={"topic": "cards"},
        ),
        record("rec_q2", "questions", {"question": "??"}),
        record(
            "rec_q3",
            "questions",
            {"question": "Is it safe to share my PIN?"},
            model="openai:http://x/v1#other",
        ),
        triple(1, "rec_q1"),
        triple(2, "rec_q1"),
        triple(3, "rec_q1"),
        triple(4, "rec_q3"),
        triple(5, "rec_q2"),
        record("rec_r6", "responses", {}, parents=["rec_q1"], status="failed"),
    ]
    for r in records:
        save_record(store, r)
    save_verdicts(
        store,
        RUN,
        [
            Verdict(
                record_id="rec_q2",
                rule="min_length",
                passed=False,
                reason="question shorter than 3 words",
            ),
            Verdict(
                record_id="rec_r3",
                rule="refusal",
                passed=False,
                reason="aligned response is a refusal",
            ),
            Verdict(record_id="rec_r1", rule="refusal", passed=True),
        ],
    )


def add_people(store: Store, answers: dict[str, dict[str, str]], slug: str = "mini") -> None:
    with store.session() as session:
        study_id = study_row(session, slug).id
        for pid, questions in answers.items():
            session.add(ParticipantRow(id=pid, study_id=study_id))
            session.flush()
            for question, answer in questions.items():
                session.add(
                    DemographicAnswerRow(participant_id=pid, question=question, answer=answer)
                )


def add_ratings(store: Store, table: dict[str, dict[str, dict[str, int]]]) -> None:
    """``table[item][rater][dimension] = value``."""
    save_ratings(
        store,
        [
            Rating(item_id=i, participant_id=p, dimension=d, value=v)
            for i, raters in table.items()
            for p, dims in raters.items()
            for d, v in dims.items()
        ],
    )


def add_items(store: Store, items: dict[str, tuple[str, str]], source: str | None = None) -> None:
    save_items(
        store,
        [
            Item(id=i, study_slug="mini", prompt=p, response=r, source=source)
            for i, (p, r) in items.items()
        ],
    )


def load_format(folder: Path, name: str) -> Any:
    """One exported format loaded the way a user would: ``datasets.load_dataset`` on the folder.

    This reads the card's config for ``name`` and the Parquet it names; the ``datasets`` cache
    goes beside the export, never into it.
    """
    import datasets

    return datasets.load_dataset(
        str(folder), name, split="train", cache_dir=str(folder.parent / f".hf-cache-{folder.name}")
    )
