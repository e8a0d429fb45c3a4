"""The propagation report: numbers in JSON, every section in HTML, and a real browser renders it."""

from __future__ import annotations

import json
import re

import pytest

from coalign.core.errors import InputError
from coalign.store.verdicts import list_verdicts
from coalign.validation.metrics.distributions import jensen_shannon
from coalign.validation.report import build_report, write_report
from coalign.validation.report.page import SECTIONS
from coalign.validation.review import record_review
from coalign.validation.service import validate_run

from .conftest import BANK, bank_records, make_run


@pytest.fixture
def reported(sqlite_store, embedder, tmp_path):
    records = bank_records()
    make_run(sqlite_store, records, study=BANK)
    validate_run(sqlite_store, "run_test", embedder_factory=lambda: embedder)
    record_review(sqlite_store, "run_test", records[0].id, accept=True, reviewer="ana")
    report = build_report(sqlite_store, "run_test", embedder=embedder)
    html_path, json_path = write_report(report, tmp_path / "out")
    return report, html_path, json_path, records


def test_report_numbers(reported):
    _, _, json_path, _ = reported
    data = json.loads(json_path.read_text())
    assert data["run_id"] == "run_test"
    assert data["synthetic"]["questions"]["n"] == 8
    assert data["synthetic"]["responses"]["n"] == 3
    assert data["seeds"]["questions"]["n"] > 20  # the bank example's accepted seed questions
    comparisons = {c["name"]: c for c in data["questions"]["comparisons"]}
    assert set(comparisons) >= {"format", "kind", "topic", "question_type", "length", "root_verb"}
    topic = comparisons["topic"]
    assert topic["synthetic"] == {"cards": 4, "savings": 4}
    assert sum(topic["seeds"].values()) == data["seeds"]["questions"]["n"]
    assert topic["jensen_shannon"] == pytest.approx(
        jensen_shannon(topic["seeds"], topic["synthetic"])
    )
    assert 0.0 < topic["jensen_shannon"] < 1.0
    # 'yes-no' is not a type of the bank study, 'how-to' is: the types overlap only in part.
    qtype = comparisons["question_type"]
    assert qtype["synthetic"] == {"how-to": 5, "yes-no": 3}
    assert 0.0 < qtype["jensen_shannon"] < 1.0
    assert {c["name"] for c in data["responses"]} == {
        "misaligned_length",
        "aligned_length",
        "critique_length",
        "dimension",
    }
    # a failed parse, a near-duplicate and 4 questions whose topic ('savings') the study lacks
    assert data["validation"]["validated"] and data["validation"]["rejected"] == 6
    assert data["review"]["n"] == 1
    assert data["tokenizer"].startswith("llama-cpp:smollm2-135m")
    assert data["synthetic"]["questions"]["sunburst"][0]["nouns"]


def test_report_html_is_self_contained_with_every_section(reported):
    _, html_path, _, _ = reported
    html = html_path.read_text()
    for title in SECTIONS:
        assert f">{title}</h2>" in html.replace("&amp;", "&"), title
    assert "<svg" in html
    # Nothing is fetched at view time (namespace URIs inside the SVGs are names, not requests).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "url(http" not in html and "@import" not in html
    assert "<script src" not in html and "<link" not in html


@pytest.mark.browser
def test_report_opens_in_a_real_browser(reported, browser, tmp_path):
    _, html_path, _, _ = reported
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html_path.resolve().as_uri())
    headings = page.locator("h2").all_inner_texts()
    assert headings == list(SECTIONS)
    assert page.locator("svg").count() >= 8
    for title in SECTIONS:
        assert page.get_by_role("heading", name=title, exact=True).is_visible()
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    assert all(url.startswith(("file://", "data:")) for url in requests), requests


def test_report_of_a_run_without_parsed_records_is_an_input_error(sqlite_store, tmp_path):
    make_run(sqlite_store, [r for r in bank_records() if r.parse_status == "failed"])
    with pytest.raises(InputError, match="no parsed records"):
        build_report(sqlite_store, "run_test")


def test_kept_rates_per_stage_and_rule(reported, sqlite_store):
    _, html_path, json_path, records = reported
    data = json.loads(json_path.read_text())
    kept = {k["stage"]: k for k in data["kept"]}
    assert list(kept) == ["questions", "responses"]
    # kept and accepted both leave out responses whose question was rejected, as exports do
    assert sum(k["kept"] for k in kept.values()) == data["validation"]["accepted"]
    failing: dict[str, set[str]] = {}
    for v in list_verdicts(sqlite_store, "run_test"):
        if not v.passed:
            failing.setdefault(v.record_id, set()).add(v.rule)
    own = set(failing)
    for r in records:  # as in exports: a response whose question was rejected is not kept
        if r.parse_status == "ok" and any(p in own for p in r.parents):
            failing.setdefault(r.id, set()).add("parent rejected")
    stage_of = {r.id: r.stage for r in records}
    for stage, k in kept.items():
        mine = [r for r in records if r.stage == stage]
        assert k["generated"] == len(mine)
        assert k["kept"] == sum(1 for r in mine if r.parse_status == "ok" and r.id not in failing)
        assert k["share"] == pytest.approx(k["kept"] / k["generated"], abs=1e-4)
        for rule in k["rules"]:
            alone = sum(
                1
                for rid, rules in failing.items()
                if stage_of[rid] == stage and rules == {rule["rule"]}
            )
            assert rule["alone"] == alone and rule["kept"] <= rule["judged"]
    assert any(r["judged"] > r["kept"] for k in kept.values() for r in k["rules"])
    html = html_path.read_text()
    assert "Kept per stage" in html and "rejected by this rule alone" in html
