"""Runs side by side: kept and copy rates, divergences, judge scores and cost, on a page and a card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coalign.core import Verdict
from coalign.core.calls import ModelCall
from coalign.core.errors import InputError
from coalign.core.records import SamplingParams
from coalign.export import ExportOptions, export_dataset
from coalign.store import Store
from coalign.store.verdicts import save_verdicts
from coalign.validation.report.compare import compare_runs, write_comparison
from coalign.validation.service import validate_run

from .conftest import BANK, bank_records, make_run


def _calls(store: Store, run_id: str, n: int, tokens: int, millis: float, cached: int = 0) -> None:
    for i in range(n):
        store.log_call(
            ModelCall(
                model_id="m",
                backend="llama-cpp",
                request_hash=f"{run_id}-{i}",
                messages=[{"role": "user", "content": "q"}],
                params=SamplingParams(),
                prompt_tokens=100,
                completion_tokens=tokens,
                latency_ms=millis,
                cache_hit=i < cached,
                purpose=f"synth:{run_id}:questions",
            )
        )


@pytest.fixture
def two_runs(sqlite_store: Store, embedder, tmp_path: Path) -> Store:
    # a few rules, so this test decides which records copy a seed (below)
    filters = tmp_path / "filters.yaml"
    filters.write_text("- rule: well_formed\n- rule: fields_non_empty\n- rule: near_duplicate\n")
    for run_id, model in (("run_a", "llama-cpp:smollm2-135m"), ("run_b", "openai:http://x/v1#big")):
        make_run(sqlite_store, bank_records(run_id), run_id=run_id, study=BANK, model_id=model)
        validate_run(sqlite_store, run_id, filters_file=filters, embedder_factory=lambda: embedder)
    records = bank_records("run_b")
    parents = {p for r in records for p in r.parents}
    first_question = next(r.id for r in records if r.stage == "questions" and r.id not in parents)
    save_verdicts(
        sqlite_store,
        "run_b",
        [
            Verdict(record_id=r.id, rule="seed_copy", passed=r.id != first_question)
            for r in records
            if r.stage == "questions" and r.parse_status == "ok"
        ]
        + [
            Verdict(record_id=r.id, rule="relevance:topic", passed=True, score=4.0)
            for r in records[:2]
        ],
    )
    _calls(sqlite_store, "run_a", 10, tokens=50, millis=500.0)
    _calls(sqlite_store, "run_b", 10, tokens=20, millis=100.0, cached=5)
    return sqlite_store


def test_two_runs_side_by_side(two_runs: Store, embedder, tmp_path: Path) -> None:
    comparison = compare_runs(two_runs, ["run_a", "run_b"], embedder_factory=lambda: embedder)
    a, b = comparison.runs
    assert (a.model_id, b.model_id) == ("llama-cpp:smollm2-135m", "openai:http://x/v1#big")
    assert a.records == b.records == len(bank_records()) and a.parse_failures == 1
    kept_a = sum(k.kept for k in a.kept)
    assert sum(k.kept for k in b.kept) == kept_a - 1  # the copy is not kept
    assert b.copy_rate["questions"] == pytest.approx(1 / 8) and a.copy_rate == {}
    assert b.judge_scores == {"topic": 4.0} and a.judge_scores == {}
    assert a.divergences["topic"] is not None and set(a.divergences) == set(b.divergences)
    # cost: 10 fresh calls of 150 tokens in 0.5 s each vs 5 fresh calls of 120 tokens in 0.1 s
    assert (a.calls, a.cache_hits, a.tokens, a.model_seconds) == (10, 0, 1500, 5.0)
    assert a.tokens_per_second == pytest.approx(100.0)
    assert a.tokens_per_kept == pytest.approx(round(1500 / kept_a, 3))
    assert (b.calls, b.cache_hits, b.tokens) == (10, 5, 600)
    assert b.tokens_per_second == pytest.approx(200.0)
    html, data = write_comparison(comparison, tmp_path / "cmp")
    assert json.loads(data.read_text())["runs"][1]["copy_rate"] == {"questions": 0.125}
    page = html.read_text()
    assert "questions: copies of seeds" in page and "12.5%" in page and "100.0" in page


def test_comparing_needs_two_runs_of_one_study(two_runs: Store, sqlite_store: Store) -> None:
    with pytest.raises(InputError, match="at least two runs"):
        compare_runs(two_runs, ["run_a"])
    with pytest.raises(InputError, match="named twice"):
        compare_runs(two_runs, ["run_a", "run_a"], parse=False)


def test_the_card_records_the_comparison(two_runs: Store, embedder, tmp_path: Path) -> None:
    comparison = compare_runs(two_runs, ["run_a", "run_b"], embedder_factory=lambda: embedder)
    _, data = write_comparison(comparison, tmp_path / "cmp")
    out = tmp_path / "export"
    export_dataset(
        two_runs, "run_b", out, ExportOptions(formats=["mitigator"], comparison_report=data)
    )
    card = (out / "README.md").read_text()
    assert "### Choice of generation run" in card
    assert "| **run_b** (exported) | openai:http://x/v1#big |" in card
    assert "| run_a | llama-cpp:smollm2-135m |" in card
    data.write_text(json.dumps({"runs": [{"run_id": "run_other"}]}))
    with pytest.raises(InputError, match="does not compare the exported run run_a"):
        export_dataset(two_runs, "run_a", tmp_path / "again", ExportOptions(comparison_report=data))


def test_the_comparison_page_in_a_real_browser(two_runs: Store, embedder, browser, tmp_path):
    comparison = compare_runs(two_runs, ["run_a", "run_b"], embedder_factory=lambda: embedder)
    html, _ = write_comparison(comparison, tmp_path / "cmp")
    page = browser.new_page()
    page.goto(html.resolve().as_uri())
    headings = page.locator("h2").all_inner_texts()
    assert headings[:3] == ["Runs", "Kept and copied", "Divergence from the seeds"]
    assert "Cost" in headings and "LLM judge" in headings
    header = page.locator("table").first.locator("th").all_inner_texts()
    assert header == ["figure", "run_a", "run_b"]
    assert page.get_by_text("tokens per kept record").is_visible()
