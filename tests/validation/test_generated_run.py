"""Validation and the report on a real (tiny) run of the example recipe with the embedded model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coalign.store.runs import iter_records
from coalign.store.verdicts import accepted_records, list_verdicts
from coalign.study import import_study
from coalign.synth import generate
from coalign.validation.report import report_run
from coalign.validation.service import validate_run

from .conftest import BANK

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_a_generated_run_is_validated_and_reported(sqlite_store, embedder, tmp_path: Path):
    import_study(sqlite_store, BANK)
    summary = generate(sqlite_store, BANK.with_name("recipe.yaml"), limit=2)
    records = list(iter_records(sqlite_store, summary.run.id))
    assert {r.stage for r in records} == {"questions", "responses"}
    result = validate_run(sqlite_store, summary.run.id, embedder_factory=lambda: embedder)
    assert not result.errors, result.errors
    verdicts = list_verdicts(sqlite_store, summary.run.id)
    # Every record has a well_formed verdict; every verdict names its rule and failing ones say why.
    assert {v.record_id for v in verdicts if v.rule == "well_formed"} == {r.id for r in records}
    assert all(v.reason for v in verdicts if not v.passed)
    accepted = {r.id for r in accepted_records(sqlite_store, summary.run.id)}
    failing = {v.record_id for v in verdicts if not v.passed}
    assert accepted == {r.id for r in records if r.parse_status == "ok"} - failing
    _, html_path, json_path = report_run(
        sqlite_store, summary.run.id, tmp_path / "report", embedder=embedder
    )
    data = json.loads(json_path.read_text())
    assert data["run_id"] == summary.run.id and data["validation"]["validated"]
    assert html_path.read_text().count("<svg") >= 4
