"""Exports leave out raters who failed a check, rated too fast or did not finish, say so in the
card with exact counts, and carry each rating's context, display language and per-item answers."""

from __future__ import annotations

from pathlib import Path

from coalign.export import AggregationChoice, ExportOptions, export_dataset
from coalign.rating.exclusions import ExclusionPolicy
from coalign.store import Store
from tests.export.card_check import check_card, lines
from tests.rating.helpers import SCREENED, screened_campaign

EVERYONE = ExclusionPolicy.including(["failed-attention", "too-fast", "incomplete"])


def test_the_annotators_export_leaves_out_and_the_card_counts_why(
    store: Store, tmp_path: Path
) -> None:
    screened = screened_campaign(store)
    result = export_dataset(
        store, "campaign:pilot", tmp_path / "a", ExportOptions(formats=["annotators"])
    )
    rows = lines(tmp_path / "a" / "data" / "annotators.jsonl")
    assert screened.crowd(r["annotator"] for r in rows) == {"GOOD-YES", "GOOD-NO"}
    assert list(rows[0])[-3:] == ["context", "display_language", "answer_gender"]
    assert {(r["annotator"], r["answer_gender"], r["display_language"]) for r in rows} == {
        (screened.ids["GOOD-YES"], "yes", "de"),
        (screened.ids["GOOD-NO"], "no", "en"),
    }
    # which items the two careful raters drew varies; every row names its item's context
    contexts = {r["context"] for r in rows}
    assert contexts and contexts <= {"none", "empathy", "equality"}
    assert result.exclusions is not None and len(result.exclusions.left_out) == 4
    card = check_card(tmp_path / "a")
    assert (
        "Left out: 4 of 6 raters (failed-attention 2, too-fast 2, incomplete 1; a rater with "
        "several reasons counts once under each)"
    ) in card
    assert "ratings by 2 raters" in card
    assert "4 of 6 raters were left out by the exclusion policy" in card  # a limitation
    assert "`answer_gender`" in card and "`display_language`" in card
    # the study as a whole: the same people are left out, judged by every campaign of it
    study = check_card(
        export_dataset(
            store, "study:mini", tmp_path / "s", ExportOptions(formats=["annotators"])
        ).out
    )
    assert "Left out: 4 of 6 raters" in study


def test_include_keeps_them_and_the_card_says_they_were_kept(store: Store, tmp_path: Path) -> None:
    screened = screened_campaign(store)
    options = ExportOptions(formats=["annotators"], exclusions=EVERYONE)
    export_dataset(store, "campaign:pilot", tmp_path / "a", options)
    rows = lines(tmp_path / "a" / "data" / "annotators.jsonl")
    assert screened.crowd(r["annotator"] for r in rows) == set(SCREENED)
    card = check_card(tmp_path / "a")
    assert "Left out: 0 of 6 raters" in card and "ratings by 6 raters" in card
    assert "Kept on request although flagged: failed-attention 2, too-fast 2, incomplete 1." in card
    assert "were left out by the exclusion policy" not in card


def test_a_per_item_answer_groups_aggregated_rows(store: Store, tmp_path: Path) -> None:
    screened_campaign(store)
    choice = AggregationChoice(strategy="per-group", group_by="answer_gender", min_group_raters=1)
    options = ExportOptions(formats=["attributes"], aggregation=choice, exclusions=EVERYONE)
    export_dataset(store, "campaign:pilot", tmp_path / "g", options)
    rows = lines(tmp_path / "g" / "data" / "attributes.jsonl")
    assert {r["condition"] for r in rows} == {"answer_gender=yes", "answer_gender=no"}
    check_card(tmp_path / "g")
