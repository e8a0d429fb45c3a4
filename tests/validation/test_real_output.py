"""The default filters on REAL embedded-model output, labelled by hand, and on people's seeds.

The corpus (``benchmarks/data/validate_real/``) is SmolLM2-135M output for two studies unlike the
bank example, labelled blind by a person who never saw a rule; ``bench_validate_real.py measure``
prints the full figures. These tests keep what was measured from sliding back: the usable
record is kept, few unusable ones are, each failure class the labeller named is mostly caught,
and text people wrote (the seeds of three studies) mostly passes.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from coalign.core import GenerationRun, Record
from coalign.store import Store
from coalign.store.runs import create_run, save_record
from coalign.store.verdicts import list_verdicts
from coalign.study import import_study
from coalign.validation.service import validate_run

DATA = Path(__file__).parents[2] / "benchmarks" / "data" / "validate_real"
SEED_SETS = ("city-library-services", "smallholder-farm-advice")


def _rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / "records.jsonl").read_text().splitlines()]


def _labels() -> dict[str, dict[str, Any]]:
    lines = (DATA / "labels.jsonl").read_text().splitlines()
    return {(label := json.loads(line))["key"]: label for line in lines}


def _record(row: dict[str, Any]) -> Record:
    return Record(
        id=row["record_id"],
        run_id=row["run_id"],
        stage=row["stage"],
        parents=row["parents"],
        example_ids=row["example_ids"],
        template_name=row["template_name"],
        template_hash="",
        prompt="",
        model_id=row["model_id"],
        params=row["params"],
        seed=row["seed"],
        attributes=row["attributes"],
        data=row["data"],
        raw_output=row["raw_output"],
        parse_status=row["parse_status"],
        parse_error=row.get("parse_error"),
    )


def _validate(store: Store, seed_set: str, rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Store the seed set's runs, validate them with the defaults; failing rules per record."""
    bundle = import_study(store, DATA / seed_set / "study.yaml")
    failing: dict[str, set[str]] = {}
    for run_id in dict.fromkeys(r["run_id"] for r in rows):
        create_run(
            store,
            GenerationRun(
                id=run_id,
                study_slug=bundle.study.slug,
                recipe_name="corpus",
                recipe={},
                model_id="llama-cpp:smollm2-135m",
                seed=0,
                status="done",
            ),
        )
        for row in rows:
            if row["run_id"] == run_id:
                save_record(store, _record(row))
        validate_run(store, run_id)
        for v in list_verdicts(store, run_id):
            if not v.passed:
                failing.setdefault(v.record_id, set()).add(v.rule)
    return failing


@pytest.fixture(scope="module")
def judged(tmp_path_factory) -> tuple[dict[str, bool], dict[str, set[str]], dict[str, Any]]:
    """Per labelled key: accepted (as exports take it) and the failing rules; and the labels."""
    from coalign.store import open_store

    rows, labels = _rows(), _labels()
    accepted: dict[str, bool] = {}
    rules: dict[str, set[str]] = {}
    for seed_set in SEED_SETS:
        mine = [r for r in rows if r["seed_set"] == seed_set]
        with open_store(str(tmp_path_factory.mktemp("real") / "r.db")) as store:
            failing = _validate(store, seed_set, mine)
        for row in mine:
            parent_ok = all(p not in failing for p in row["parents"])
            own = failing.get(row["record_id"], set())
            accepted[row["key"]] = row["parse_status"] == "ok" and not own and parent_ok
            rules[row["key"]] = own
    return accepted, rules, labels


def test_the_usable_record_is_kept_and_few_unusable_ones_are(judged) -> None:
    accepted, _, labels = judged
    usable = [k for k, lab in labels.items() if lab["usable"]]
    assert usable and all(accepted[k] for k in usable)
    kept_unusable = [k for k, lab in labels.items() if not lab["usable"] and accepted[k]]
    # measured: 10 of 169 (the old defaults kept 75); the rest need a capable judge model
    assert len(kept_unusable) <= 12


@pytest.mark.parametrize(
    ("problem", "least"),
    # measured share of parsed records with the problem that some rule rejects, rounded down
    [("cut_off", 0.8), ("copy_of_seed", 0.9), ("fields_repeat", 0.9), ("off_topic", 0.8)],
)
def test_each_failure_class_the_labeller_named_is_mostly_caught(judged, problem, least) -> None:
    accepted, _, labels = judged
    parsed = {r["key"] for r in _rows() if r["parse_status"] == "ok"}
    keys = [k for k, lab in labels.items() if problem in lab["problems"] and k in parsed]
    assert keys, f"no parsed record labelled {problem}"
    caught = sum(1 for k in keys if not accepted[k])
    assert caught / len(keys) >= least, f"{problem}: {caught} of {len(keys)} rejected"


def test_the_copy_rule_names_the_seed_it_copies(judged) -> None:
    _, rules, labels = judged
    copies = [k for k, lab in labels.items() if "copy_of_seed" in lab["problems"]]
    assert sum(1 for k in copies if "seed_copy" in rules[k]) >= len(copies) // 2


def test_text_people_wrote_mostly_passes(tmp_path: Path) -> None:
    """Seeds of three studies as records: every rule but seed_copy (a seed copies itself)."""
    from coalign.store import open_store

    studies = [Path("examples/bank-assistant/study.yaml")] + [
        DATA / s / "study.yaml" for s in SEED_SETS
    ]
    filters = tmp_path / "f.yaml"
    from coalign.validation.rules.config import DEFAULT_FILTERS

    filters.write_text(json.dumps([f for f in DEFAULT_FILTERS if f["rule"] != "seed_copy"]))
    totals: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for i, path in enumerate(studies):
        with open_store(str(tmp_path / f"s{i}.db")) as store:
            bundle = import_study(store, path)
            run_id = f"run_people_{i}"
            create_run(
                store,
                GenerationRun(
                    id=run_id,
                    study_slug=bundle.study.slug,
                    recipe_name="seeds",
                    recipe={},
                    model_id="people",
                    seed=0,
                    status="done",
                ),
            )
            kinds = {q.name: q.kind for q in bundle.study.question_types}
            records = []
            for j, q in enumerate(bundle.seed_questions):
                data = {"question": re.sub(r"[{}]", "", q.text)}
                attributes = {
                    "topic": q.topic,
                    "question_type": q.question_type,
                    "question_kind": kinds[q.question_type],
                }
                records.append(("questions", f"q{j}", data, attributes))
            for j, e in enumerate(bundle.seed_examples):
                data = {
                    "question": re.sub(r"[{}]", "", e.question),
                    "misaligned_response": e.misaligned_response,
                    "critique": e.critique,
                    "aligned_response": e.aligned_response,
                }
                records.append(("responses", f"e{j}", data, {"dimension": e.dimensions[0]}))
            for stage, key, data, attributes in records:
                save_record(
                    store,
                    Record(
                        id=f"rec_{run_id}_{key}",
                        run_id=run_id,
                        stage=stage,
                        template_name="seed",
                        template_hash="",
                        prompt="",
                        model_id="people",
                        params={},
                        seed=0,
                        attributes=attributes,
                        data=data,
                        raw_output=json.dumps(data),
                    ),
                )
            validate_run(store, run_id, filters_file=filters)
            failing = {v.record_id for v in list_verdicts(store, run_id) if not v.passed}
            for stage, key, _, _ in records:
                totals[stage] += 1
                kept[stage] += f"rec_{run_id}_{key}" not in failing
    # measured: 71 of 84 questions (3 German ones get no English-only verdicts but fail
    # `language`), 25 of 26 seed examples
    assert kept["questions"] / totals["questions"] >= 0.8
    assert kept["responses"] / totals["responses"] >= 0.8
