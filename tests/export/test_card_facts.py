"""One test per export kind: the card states only what the files written show (``card_check``)."""

from __future__ import annotations

from pathlib import Path

from coalign.core.records import Verdict
from coalign.export import AggregationChoice, ExportOptions, export_dataset
from coalign.store import Store
from coalign.store.verdicts import save_verdicts
from tests.export.card_check import check_card, lines
from tests.export.conftest import RUN
from tests.export.test_rated_export import rated  # noqa: F401 - the fixture


def test_run_export_card_follows_stage_one_and_names_judges_by_kind(
    run_store: Store, tmp_path: Path
) -> None:
    save_verdicts(
        run_store,
        RUN,
        [
            Verdict(record_id="rec_r1", rule="judge:safety", passed=True, judge="llama-cpp:judge"),
            Verdict(record_id="rec_r2", rule="review", passed=True, judge="human:reviewer-1"),
        ],
    )
    out = tmp_path / "run"
    export_dataset(run_store, RUN, out, ExportOptions(formats=["mitigator", "sft", "dpo", "kto"]))
    card = check_card(out)
    assert "| questions | questions.j2 |" in card  # the stage-1 template, not only stage 2
    assert "rules (automatic checks, no model): min_length (1), refusal (2)" in card
    assert "LLM judges (model ids): llama-cpp:judge (1)" in card
    assert "human reviewers: reviewer-1 (1)" in card
    assert "| `llama-cpp:judge` | LLM judge in validation" in card
    assert "| `rule` |" not in card  # a rule is no model
    assert "Accepted triples exported: 3." in card
    assert len(lines(out / "provenance" / "kto.jsonl")) == 6


def test_study_export_card_with_an_aggregation_and_annotator_rows(
    rated: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    out = tmp_path / "study"
    export_dataset(
        rated,
        "study:mini",
        out,
        ExportOptions(
            formats=["attributes", "dpo", "annotators"],
            aggregation=AggregationChoice(strategy="minority-preserving", group_by="country"),
        ),
    )
    card = check_card(out)
    assert "Ratings come from 12 people" in card and "aggregated labels summarise" in card
    annotators = tmp_path / "annotators"
    export_dataset(rated, "study:mini", annotators, ExportOptions(formats=["annotators"]))
    card = check_card(annotators)
    assert "Strategy: **none**" in card and "No person rated" not in card
