"""Exports built from ratings: aggregation choices end to end, demographics, the card, Croissant, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import mlcroissant
import pytest

from coalign.cli.main import run
from coalign.core.errors import InputError
from coalign.export import AggregationChoice, ExportOptions, export_dataset
from coalign.store import Store
from tests.export.conftest import RUN, add_items, add_people, add_ratings, load_format

X = [f"x{n}" for n in range(6)]
Y = [f"y{n}" for n in range(5)]


@pytest.fixture
def rated(run_store: Store) -> Store:
    """Items a, b answer one prompt; X (6 raters) prefers a on safety, Y (5) prefers b; z0 declined to say."""
    add_people(
        run_store,
        {
            **{p: {"country": "X", "age": "30-39"} for p in X},
            **{p: {"country": "Y", "age": "30-39"} for p in Y},
            "z0": {"country": "prefer not to say", "age": "60+"},
        },
    )
    add_items(
        run_store,
        {
            "a": ("Should I move my savings?", "Yes, all of it."),
            "b": ("Should I move my savings?", "It depends; let us look at your goals."),
        },
        source=f"run:{RUN}/record:rec_r1",
    )
    table: dict = {"a": {}, "b": {}}
    for p in X:
        table["a"][p], table["b"][p] = {"safety": 5}, {"safety": 1}
    for p in Y:
        table["a"][p], table["b"][p] = {"safety": 1}, {"safety": 5}
    table["a"]["z0"] = {"safety": 3}
    add_ratings(run_store, table)
    return run_store


def options(formats: list[str], strategy: str = "none", **kw: object) -> ExportOptions:
    extra = {k: kw.pop(k) for k in list(kw) if k in ("with_demographics", "overwrite", "license")}
    return ExportOptions(
        formats=formats, aggregation=AggregationChoice(strategy=strategy, **kw), **extra
    )


def test_minority_preserving_dpo_keeps_the_minority_pair_as_a_labelled_condition(
    rated: Store, tmp_path: Path
) -> None:
    out = tmp_path / "mp"
    chosen = options(["dpo", "kto"], "minority-preserving", group_by="country")
    result = export_dataset(rated, "study:mini", out, chosen)
    dpo = load_format(out, "dpo")
    assert dpo.column_names == ["prompt", "chosen", "rejected"]
    assert [r["chosen"][0]["content"] for r in dpo] == [
        "Yes, all of it.",
        "It depends; let us look at your goals.",
    ]
    assert dpo[1]["prompt"][1] == {"role": "system", "content": "Rater group: country=Y"}
    provenance = [
        json.loads(x) for x in (out / "provenance" / "dpo.jsonl").read_text().splitlines()
    ]
    assert [p["condition"] for p in provenance] == [None, "country=Y"]
    assert result.reports[0].dropped == {"group agrees with everyone": 1}
    card = (out / "README.md").read_text()
    assert "Strategy: **minority-preserving**, grouped by `country`" in card
    assert "country: X 6, Y 5, prefer not to say <5" in card  # small cells hidden
    assert "age: 30-39 11, 60+ <5" in card


def test_majority_dpo_of_the_same_ratings_has_only_the_majority_pair(
    rated: Store, tmp_path: Path
) -> None:
    export_dataset(rated, RUN, tmp_path / "m", options(["dpo"], "majority"))
    dpo = load_format(tmp_path / "m", "dpo")
    assert len(dpo) == 1 and dpo[0]["chosen"][0]["content"] == "Yes, all of it."
    # the rated items name record rec_r1 as their source: the model that wrote it is on the card
    card = (tmp_path / "m" / "README.md").read_text()
    assert "| `llama-cpp:smollm2-135m` | generator, stage responses:" in card


def test_attribute_rows_carry_mean_count_distribution(rated: Store, tmp_path: Path) -> None:
    export_dataset(rated, RUN, tmp_path / "a", options(["attributes"], "mean"))
    rows = load_format(tmp_path / "a", "attributes").to_list()
    a = next(r for r in rows if r["item_id"] == "a")
    assert a["safety_count"] == 12 and a["safety"] == pytest.approx(38 / 12) == a["safety_mean"]
    assert a["safety_distribution"] == pytest.approx([5 / 12, 0, 1 / 12, 0, 6 / 12])
    assert a["condition"] is None and a["minority_views"] == []


def test_annotator_rows_hold_demographics_only_with_the_admin_flag(
    rated: Store, tmp_path: Path
) -> None:
    export_dataset(rated, RUN, tmp_path / "plain", options(["annotators"]))
    plain = load_format(tmp_path / "plain", "annotators")
    assert plain.column_names == [
        "item_id",
        "prompt",
        "response",
        "annotator",
        "dimension",
        "value",
        "context",
        "display_language",
    ]
    assert len(plain) == 23
    export_dataset(rated, RUN, tmp_path / "admin", options(["annotators"], with_demographics=True))
    admin = load_format(tmp_path / "admin", "annotators")
    assert {"country", "age"} <= set(admin.column_names)
    assert admin.filter(lambda r: r["annotator"] == "z0")["country"] == ["prefer not to say"]


def test_croissant_validates_with_mlcroissant_and_reads_records(
    rated: Store, tmp_path: Path
) -> None:
    out = tmp_path / "c"
    export_dataset(rated, RUN, out, options(["mitigator", "dpo", "attributes"], "majority"))
    dataset = mlcroissant.Dataset(jsonld=str(out / "croissant.json"))
    assert not dataset.metadata.ctx.issues.errors
    first = next(iter(dataset.records("dpo")))
    assert first["dpo/chosen"][0]["dpo/chosen/content"] == b"Yes, all of it."
    doc = json.loads((out / "croissant.json").read_text())
    assert doc["rai:hasSyntheticData"] is True
    assert any(line.startswith("country:") for line in doc["rai:annotatorDemographics"])
    files = {d["contentUrl"]: d["sha256"] for d in doc["distribution"]}
    card = (out / "README.md").read_text()
    assert all(f"`{path}` | `{digest}`" in card for path, digest in files.items())


@pytest.mark.parametrize(
    ("formats", "strategy", "extra", "message"),
    [
        (["dpo"], "mean", {}, r"--format dpo needs ratings, but run run_export_test has none"),
        (["attributes"], "none", {}, "--format attributes needs a per-item aggregation"),
        (["dpo"], "distributional", {}, "soft labels, which dpo and kto cannot hold"),
        (["kto"], "dimension-aware", {}, "a rule for preference pairs"),
        (["dpo"], "mean", {"group_by": "country"}, "--group-by is used only by"),
        (
            ["mitigator"],
            "none",
            {"with_demographics": True},
            "--with-demographics applies only to --format annotators",
        ),
        (["parquet"], "none", {}, r"unknown format\(s\) \['parquet'\]"),
        (["dpo"], "best", {}, "unknown aggregation 'best'"),
    ],
)
def test_bad_options_name_what_is_wrong_and_write_nothing(
    run_store: Store, tmp_path: Path, formats: list[str], strategy: str, extra: dict, message: str
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    with pytest.raises(InputError, match=message):
        export_dataset(run_store, RUN, exports / "out", options(formats, strategy, **extra))
    assert list(exports.iterdir()) == []


def test_group_with_too_few_raters_is_named(rated: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no group of 'country' has at least 7 raters"):
        export_dataset(
            rated,
            RUN,
            tmp_path / "out",
            options(["dpo"], "per-group", group_by="country", min_group_raters=7),
        )
    export_dataset(
        rated,
        RUN,
        tmp_path / "ok",
        options(["dpo"], "per-group", group_by="country", min_group_raters=6),
    )
    card = (tmp_path / "ok" / "README.md").read_text()
    assert "1 demographic group(s) had fewer than 6 raters" in card
    assert "country=Y" not in card


def test_a_study_source_cannot_make_rows_that_need_a_run(rated: Store, tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match="--format mitigator: rows come from a generation run's triples"
    ):
        export_dataset(rated, "study:mini", tmp_path / "out", options(["mitigator"]))


def test_an_existing_folder_is_kept_unless_overwrite(run_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "out"
    out.mkdir(parents=True)
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(InputError, match="exists and is not empty"):
        export_dataset(run_store, RUN, out, options(["sft"]))
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    export_dataset(run_store, RUN, out, options(["sft"], overwrite=True))
    assert not (out / "mine.txt").exists() and (out / "README.md").exists()
    assert [p.name for p in out.parent.iterdir()] == ["out"]  # no staging folder left behind


def test_cli_exports_and_reports_errors_in_one_line(
    rated: Store, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = ["--db", rated.url]
    code = run(
        [
            *db,
            "export",
            RUN[:10],
            "-f",
            "dpo,kto",
            "-a",
            "minority-preserving",
            "--group-by",
            "country",
            "--license",
            "cc-by-4.0",
            "--out",
            str(tmp_path / "cli"),
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "dpo 2 rows" in printed.out and "group agrees with everyone: 1" in printed.out
    assert str(tmp_path / "cli") in printed.out.replace("\n", "")
    code = run([*db, "export", RUN, "-f", "dpo", "-a", "per-group", "--out", str(tmp_path / "bad")])
    err = capsys.readouterr().err
    assert (
        code == 1
        and err.startswith("error:")
        and "--group-by" in err
        and len(err.strip().splitlines()) == 1
    )


def test_a_campaign_exports_its_own_items_without_attention_checks(
    rated: Store, tmp_path: Path
) -> None:
    from coalign.store.rating_tables import CampaignItemRow, CampaignRow
    from coalign.store.studies import study_row

    add_items(rated, {"check": ("Pick 'agree' here.", "ok"), "other": ("Not in the campaign", "x")})
    add_ratings(
        rated, {"check": {p: {"safety": 4} for p in X}, "other": {p: {"safety": 2} for p in X}}
    )
    with rated.session() as session:
        campaign = CampaignRow(
            study_id=study_row(session, "mini").id,
            slug="wave-1",
            title="Wave 1",
            dimensions=["safety"],
            questions=[],
            items_per_participant=2,
            target_ratings=3,
            completion_code="DONE",
            screened_out_code="OUT",
        )
        session.add(campaign)
        session.flush()
        session.add_all(
            [
                CampaignItemRow(
                    campaign_id=campaign.id,
                    item_id=i,
                    kind=k,
                    position=n,
                    expected_value=4 if k == "attention" else None,
                )
                for n, (i, k) in enumerate([("a", "item"), ("b", "item"), ("check", "attention")])
            ]
        )
    export_dataset(rated, "campaign:wave-1", tmp_path / "c", options(["annotators"]))
    rows = load_format(tmp_path / "c", "annotators")
    assert set(rows["item_id"]) == {"a", "b"}
    assert (
        "Exported by coalign 0.1.0 from `campaign:wave-1`"
        in (tmp_path / "c" / "README.md").read_text()
    )


def test_unknown_sources_are_named(run_store: Store, tmp_path: Path) -> None:
    from coalign.core.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no rating campaign 'nope'"):
        export_dataset(run_store, "campaign:nope", tmp_path / "o", options(["annotators"]))
    with pytest.raises(NotFoundError, match="no study 'nope'"):
        export_dataset(run_store, "study:nope", tmp_path / "o", options(["annotators"]))
    with pytest.raises(NotFoundError, match="no run matches 'run_nope'"):
        export_dataset(run_store, "run_nope", tmp_path / "o", options(["mitigator"]))
    with pytest.raises(InputError, match="unknown source prefix 'camp'"):
        export_dataset(run_store, "camp:x", tmp_path / "o", options(["mitigator"]))


def test_ratings_are_read_in_chunks_of_items_without_losing_any(
    rated: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coalign.export import sources

    monkeypatch.setattr(sources, "_IDS_PER_QUERY", 1)
    export_dataset(
        rated, RUN, tmp_path / "chunked", options(["annotators"], with_demographics=True)
    )
    rows = load_format(tmp_path / "chunked", "annotators")
    assert len(rows) == 23 and set(rows["item_id"]) == {"a", "b"}
    assert set(rows["country"]) == {"X", "Y", "prefer not to say"}


def test_the_card_counts_co_construction_activities_with_small_cells_hidden(
    rated: Store, tmp_path: Path
) -> None:
    from coalign.store.coconstruction_tables import AxisRow, DiaryEntryRow, DiscussionGroupRow
    from coalign.store.group_axes_tables import AxisPairJudgementRow, GroupAxisRankingRow
    from coalign.store.studies import study_row

    with rated.session() as session:
        study_id = study_row(session, "mini").id
        session.add_all(
            [
                DiaryEntryRow(
                    study_id=study_id, participant_id=p, goal="pay rent", prompt="q", response="r"
                )
                for p in ("x0", "x0", "y1")
            ]
        )
        groups = [DiscussionGroupRow(study_id=study_id, name=n, members=[]) for n in "AB"]
        session.add_all(groups)
        session.flush()
        axes = [AxisRow(group_id=g.id, name="Care", definition="d") for g in groups]
        session.add_all(axes)
        session.flush()
        session.add_all(
            [
                GroupAxisRankingRow(group_id=groups[0].id, size=3, rank=1, axis_id=axes[0].id),
                AxisPairJudgementRow(
                    axis_id=axes[0].id,
                    other_axis_id=axes[1].id,
                    verdict="same",
                    similarity=0.9,
                    embedder="e",
                    facilitator="fac",
                ),
            ]
        )
    export_dataset(rated, RUN, tmp_path / "d", options(["sft"]))
    card = (tmp_path / "d" / "README.md").read_text()
    assert "- misalignment diary entries: 3 by <5 participants" in card
    assert "- groups' agreed top-3 and top-5 rankings of their axes: 1 by 1 groups" in card
    assert "verdicts on pairs of axes across groups (same or different; nothing merged): 1" in card
    assert "- rating: participants rated prompt–response items on value dimensions" in card
