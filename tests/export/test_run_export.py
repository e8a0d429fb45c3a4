"""Exporting a run's accepted triples: every format reloads with `datasets`, TRL shapes, provenance, card."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from coalign.export import ExportOptions, export_dataset
from coalign.store import Store
from tests.export.conftest import RUN, load_format

datasets = pytest.importorskip("datasets")

TRIPLE_FORMATS = ["mitigator", "sft", "dpo", "kto"]


@pytest.fixture
def exported(run_store: Store, tmp_path: Path) -> Path:
    out = tmp_path / "export"
    export_dataset(run_store, RUN, out, ExportOptions(formats=TRIPLE_FORMATS, license="cc-by-4.0"))
    return out


def test_only_accepted_triples_are_exported_and_every_copy_agrees(exported: Path) -> None:
    mitigator = load_format(exported, "mitigator")
    assert mitigator["id"] == ["rec_r1", "rec_r2", "rec_r4"]
    assert mitigator["prompt"] == ["How do I block my card?"] * 2 + ["Is it safe to share my PIN?"]
    assert (
        mitigator[0]["dimensions"] == ["safety"]
        and mitigator[0]["critique"] == "This violates safety (1)."
    )
    for name in TRIPLE_FORMATS:
        hf = load_format(exported, name).to_list()
        jsonl = [
            json.loads(line)
            for line in (exported / "data" / f"{name}.jsonl").read_text().splitlines()
        ]
        parquet = datasets.Dataset.from_parquet(
            str(exported / "data" / f"{name}.parquet")
        ).to_list()
        assert hf == jsonl == parquet, name


def test_dpo_and_kto_rows_have_exactly_the_columns_trl_reads(exported: Path) -> None:
    dpo = load_format(exported, "dpo")
    kto = load_format(exported, "kto")
    sft = load_format(exported, "sft")
    assert dpo.column_names == ["prompt", "chosen", "rejected"]
    assert kto.column_names == ["prompt", "completion", "label"]
    assert sft.column_names == ["messages"]
    row = dpo[0]
    assert row["prompt"] == [
        {"role": "system", "content": "You are a helpful assistant. Answer briefly."},
        {"role": "user", "content": "How do I block my card?"},
    ]
    assert row["chosen"] == [{"role": "assistant", "content": "good answer 1"}]
    assert row["rejected"] == [{"role": "assistant", "content": "bad answer 1"}]
    assert kto.features["label"].dtype == "bool"
    assert kto["label"] == [True, False] * 3
    assert sft[2]["messages"][-1] == {"role": "assistant", "content": "good answer 4"}
    provenance = [
        json.loads(x) for x in (exported / "provenance" / "dpo.jsonl").read_text().splitlines()
    ]
    assert [p["record_id"] for p in provenance] == ["rec_r1", "rec_r2", "rec_r4"]


def test_the_card_names_every_model_template_filter_and_checksum(exported: Path) -> None:
    card = (exported / "README.md").read_text()
    header = card.split("---")[1]
    assert "license: cc-by-4.0" in header and "config_name: dpo" in header
    # both generators of exported rows: the response/question model and the second question model
    assert "`llama-cpp:smollm2-135m`" in card and "`openai:http://x/v1#other`" in card
    assert "a" * 64 in card and "b" * 64 in card  # template hashes
    assert (
        "question shorter than 3 words (1)" in card and "aligned response is a refusal (1)" in card
    )
    assert "Accepted triples exported: 3" in card
    kept = card.split("Kept per stage", 1)[1].split("Kept per rule", 1)[0]
    # r3 fails a filter, r5's question did, r6 did not parse: 3 of 6 kept, as exported
    assert "| responses | 6 | 5 | 3 | 50.0% |" in kept
    assert "| responses | parent rejected | 5 | 4 | 80.0% | 1 |" in card
    for path in sorted(p for p in exported.rglob("*") if p.is_file() and p.name != "README.md"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"`{path.relative_to(exported).as_posix()}` | `{digest}`" in card


def test_a_model_that_produced_no_exported_record_is_not_listed(
    run_store: Store, tmp_path: Path
) -> None:
    from coalign.core.records import Verdict
    from coalign.store.verdicts import save_verdicts

    save_verdicts(
        run_store, RUN, [Verdict(record_id="rec_q3", rule="min_length", passed=False, reason="r")]
    )
    export_dataset(run_store, RUN, tmp_path / "out", ExportOptions(formats=["mitigator"]))
    card = (tmp_path / "out" / "README.md").read_text()
    assert "openai:http://x/v1#other" not in card
    assert load_format(tmp_path / "out", "mitigator")["id"] == [
        "rec_r1",
        "rec_r2",
    ]


def test_review_agreement_and_a_propagation_report_reach_the_card(
    run_store: Store, tmp_path: Path
) -> None:
    from coalign.core.errors import InputError
    from coalign.core.records import Verdict
    from coalign.store.verdicts import save_verdicts

    save_verdicts(
        run_store,
        RUN,
        [
            Verdict(record_id=r, rule="human_review:ana", passed=True, judge="human:ana")
            for r in ("rec_r1", "rec_r3")
        ]
        + [Verdict(record_id="rec_r1", rule="human_review:ben", passed=True, judge="human:ben")],
    )
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "run_id": RUN,
                "questions": {
                    "comparisons": [
                        {"name": "topic", "seeds": {}, "synthetic": {}, "jensen_shannon": 0.125},
                        {"name": "kind", "seeds": {}, "synthetic": {}, "jensen_shannon": None},
                    ]
                },
                "responses": [
                    {"name": "dimension", "seeds": {}, "synthetic": {}, "jensen_shannon": 0.5}
                ],
            }
        )
    )
    out = tmp_path / "out"
    export_dataset(run_store, RUN, out, ExportOptions(formats=["sft"], propagation_report=report))
    card = (out / "README.md").read_text()
    # ana accepted r1 (automatic: accepted) and r3 (automatic: rejected by the refusal rule)
    assert (
        "Human spot-check: 3 decisions compared with the automatic verdicts; observed agreement 0.67"
        in card
    )
    assert (
        "Reviewers ana and ben on the 1 records both decided: observed agreement 1.00, "
        "Cohen's kappa undefined" in card
    )
    assert (
        "| topic | 0.125 |" in card and "| kind | – |" in card and "| dimension | 0.500 |" in card
    )
    rai = json.loads((out / "croissant.json").read_text())["rai:dataAnnotationAnalysis"]
    assert rai == [
        "human spot-check of 3 automatic decisions: observed agreement 0.67, Cohen's kappa 0.0"
    ]
    report.write_text(json.dumps({"run_id": "run_other"}))
    with pytest.raises(InputError, match="reports on run run_other, not on the exported run"):
        export_dataset(
            run_store,
            RUN,
            tmp_path / "again",
            ExportOptions(formats=["sft"], propagation_report=report),
        )
    assert not (tmp_path / "again").exists()
