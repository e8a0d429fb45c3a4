"""``coalign ratings import``: an external rating data set becomes items, raters, demographics and
ratings of a study, which analysis and every export aggregation strategy then read from the store."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from coalign.analysis import load_campaign_ratings, load_study_ratings
from coalign.cli.main import run
from coalign.core.errors import InputError, StudyFileError
from coalign.core.participants import PREFER_NOT_TO_SAY
from coalign.export import AggregationChoice, ExportOptions, export_dataset
from coalign.export.aggregate import GROUPED, STRATEGIES
from coalign.participation.withdrawal import delete_participant, find_participant
from coalign.rating.campaigns import campaign_item_ids, resolve_campaign
from coalign.rating.imports import import_ratings
from coalign.store import Store, open_store
from coalign.store.participation_tables import DemographicAnswerRow, ParticipantRow
from coalign.store.rating_tables import EnrollmentRow, ItemRow, RatingRow
from coalign.study import import_study

FIXTURES = Path(__file__).parents[1] / "fixtures"
MINI = FIXTURES / "mini_study.yaml"
DATA = FIXTURES / "ratings_import" / "ratings.csv"
MAPPING = FIXTURES / "ratings_import" / "mapping.yaml"


@pytest.fixture
def study(store: Store) -> Store:
    import_study(store, MINI)
    return store


@pytest.fixture
def imported(study: Store) -> Store:
    import_ratings(study, DATA, MAPPING)
    return study


def counts(store: Store) -> dict[str, int]:
    with store.read() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (ItemRow, ParticipantRow, DemographicAnswerRow, RatingRow, EnrollmentRow)
        }


def rows() -> list[list[str]]:
    with DATA.open(newline="") as f:
        return list(csv.reader(f))


def write(tmp_path: Path, table: list[list[str]], name: str = "ratings.csv") -> Path:
    path = tmp_path / name
    with path.open("w", newline="") as f:
        csv.writer(f, delimiter="\t" if name.endswith(".tsv") else ",").writerows(table)
    return path


def mapping(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load(MAPPING.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_import_stores_the_data_set_and_importing_again_changes_nothing(study: Store) -> None:
    summary = import_ratings(study, DATA, MAPPING)
    assert (summary.items, summary.raters, summary.ratings) == (6, 30, 360)
    assert (summary.new_items, summary.new_raters, summary.new_ratings) == (6, 30, 360)
    assert summary.campaign == "mini/imported" and summary.dimensions == ["fairness", "safety"]
    # 30 raters × 3 questions, less one rater who left gender blank (no row, as in the survey)
    assert summary.answers == summary.new_answers == 89
    before = counts(study)
    assert before == {
        "items": 6,
        "participants": 30,
        "demographic_answers": 89,
        "ratings": 360,
        "enrollments": 30,
    }

    again = import_ratings(study, DATA, MAPPING)
    assert not again.changed and again.ratings == 360 and counts(study) == before

    with study.read() as session:
        people = {
            p.external_ids["IMPORT_RATER"]: p for p in session.scalars(select(ParticipantRow))
        }
        answers = {
            (a.participant_id, a.question): a.answer
            for a in session.scalars(select(DemographicAnswerRow))
        }
        item = session.scalars(select(ItemRow).order_by(ItemRow.id)).first()
        statuses = set(session.scalars(select(EnrollmentRow.status)))
    assert set(people) == {f"R{n:02d}" for n in range(1, 31)}
    assert all(p.id.startswith("p_") and "R" not in p.id[2:] for p in people.values())
    assert people["R01"].external_ids["IMPORT_DATASET"] == "bank-answers-2026"
    genders = {answers.get((p.id, "gender")) for p in people.values()}
    # f/m/nb recoded; "Prefer not to say", "rather not say", "PREFER NOT TO SAY" made one value
    assert genders == {"woman", "man", "non-binary", PREFER_NOT_TO_SAY, None}
    assert item is not None and item.context in ("none", "focus on empathy")
    assert item.source is not None and item.source.startswith("import:bank-answers-2026/item:q")
    assert statuses == {"completed"}
    assert resolve_campaign(study, "imported").campaign.status == "closed"


def test_a_check_counts_what_would_be_added_and_writes_nothing(study: Store) -> None:
    checked = import_ratings(study, DATA, MAPPING, check_only=True)
    assert (checked.new_items, checked.new_raters, checked.new_ratings) == (6, 30, 360)
    assert checked.new_answers == 89 and checked.campaign == "mini/imported"
    assert set(counts(study).values()) == {0}
    assert import_ratings(study, DATA, MAPPING).new_ratings == 360


def test_every_aggregation_strategy_exports_the_imported_ratings(
    imported: Store, tmp_path: Path
) -> None:
    strategies = [s for s in STRATEGIES if s != "none"]
    assert {"majority", "per-group", "minority-preserving", "distributional"} <= set(strategies)
    for strategy in strategies:
        formats = ["dpo"] if strategy == "dimension-aware" else ["attributes"]
        choice = AggregationChoice(
            strategy=strategy, group_by="gender" if strategy in GROUPED else None
        )
        result = export_dataset(
            imported,
            "campaign:imported",
            tmp_path / strategy,
            ExportOptions(formats=formats, aggregation=choice),
        )
        assert result.rows[formats[0]] > 0, strategy
        card = (tmp_path / strategy / "README.md").read_text()
        assert f"**{strategy}**" in card
    groups = (tmp_path / "per-group" / "data" / "attributes.jsonl").read_text()
    assert "gender=woman" in groups and "gender=man" in groups
    assert PREFER_NOT_TO_SAY not in groups  # never a group of its own


def test_analysis_loaders_read_the_imported_ratings(imported: Store) -> None:
    campaign = load_campaign_ratings(imported, "imported")
    study = load_study_ratings(imported, "mini")
    assert len(campaign) == len(study) == 360
    assert {"gender", "age_band", "country"} <= set(study.columns)
    assert set(study["dimension"]) == {"fairness", "safety"}
    assert study["value"].between(1, 5).all()
    per_rater = study.groupby("rater")["gender"].nunique(dropna=False)
    assert (per_rater == 1).all()
    assert len(campaign_item_ids(imported, resolve_campaign(imported, "imported").id)) == 6


def test_wide_format_gives_the_same_ratings(study: Store, tmp_path: Path) -> None:
    long = rows()
    header, body = long[0], long[1:]
    at = {name: i for i, name in enumerate(header)}
    wide: dict[tuple[str, str], list[str]] = {}
    for row in body:
        key = (row[at["item_id"]], row[at["worker"]])
        wide.setdefault(key, row[: at["dimension"]] + ["", ""])
        wide[key][at["dimension"] + ["Fairness", "Safety"].index(row[at["dimension"]])] = row[
            at["rating"]
        ]
    path = write(tmp_path, [header[: at["dimension"]] + ["Fairness", "Safety"], *wide.values()])
    columns = yaml.safe_load(MAPPING.read_text())["columns"]
    del columns["dimension"], columns["value"]
    wide_mapping = mapping(tmp_path, columns=columns, campaign=None)

    summary = import_ratings(study, path, wide_mapping)
    assert (summary.items, summary.raters, summary.ratings) == (6, 30, 360)
    # the long file under the same data set name is the same data: a value that differed would
    # be refused as contradicting the store, and none is new
    again = import_ratings(study, DATA, MAPPING)
    assert again.ratings == 360 and again.new_ratings == 0 and again.new_items == 0


def test_cli_imports_then_analyses_the_campaign(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "c.db")
    assert run(["--db", db, "study", "import", str(MINI)]) == 0
    capsys.readouterr()
    assert run(["--db", db, "ratings", "import", str(DATA), "-m", str(MAPPING), "--check"]) == 0
    assert "checked (nothing written) ratings.csv" in capsys.readouterr().out
    assert run(["--db", db, "ratings", "import", str(DATA), "--mapping", str(MAPPING)]) == 0
    out = capsys.readouterr().out
    assert "into campaign mini/imported" in out
    assert "raters: 30 (30 new)" in out and "ratings: 360 (360 new) on fairness, safety" in out
    assert "demographic answers: 89 (89 new) to gender, age_band, country" in out
    assert run(["--db", db, "ratings", "import", str(DATA), "-m", str(MAPPING)]) == 0
    assert "nothing new" in capsys.readouterr().out
    code = run(
        ["--db", db, "analyze", "campaign:imported", "-o", str(tmp_path / "a"), "--n-boot", "10"]
    )
    assert code == 0, capsys.readouterr().err
    assert "analysed 360 ratings by 30 raters on 6 items" in capsys.readouterr().out
    assert (tmp_path / "a" / "report.html").exists()


def test_a_rater_who_withdrew_is_not_imported_again(imported: Store) -> None:
    with imported.read() as session:
        pid = session.scalars(
            select(ParticipantRow.id).where(
                ParticipantRow.external_ids["IMPORT_RATER"].as_string() == "R05"
            )
        ).one()
    delete_participant(imported, pid, admin="tester", channel="cli")
    summary = import_ratings(imported, DATA, MAPPING)
    assert summary.withdrawn == 1 and summary.raters == 29 and not summary.changed
    assert counts(imported)["participants"] == 29 and counts(imported)["ratings"] == 348


def test_crowd_ids_make_raters_the_participants_of_their_crowd_links(
    study: Store, tmp_path: Path
) -> None:
    import_ratings(study, DATA, mapping(tmp_path, crowd_ids=True))
    pid = find_participant(study, crowd_id="R07", study="mini")
    with study.read() as session:
        person = session.get(ParticipantRow, pid)
    assert person is not None and person.external_ids["PROLIFIC_PID"] == "R07"


# --- bad input: every message names the line and column; nothing is written ---------------------


def refused(store: Store, data: Path, mapping_file: Path, *expected: str) -> str:
    with pytest.raises(InputError) as caught:
        import_ratings(store, data, mapping_file)
    message = str(caught.value)
    for part in expected:
        assert part in message, message
    assert counts(store) == {
        "items": 0,
        "participants": 0,
        "demographic_answers": 0,
        "ratings": 0,
        "enrollments": 0,
    }
    return message


def test_a_missing_column_is_named(study: Store, tmp_path: Path) -> None:
    table = [row[:-1] for row in rows()]  # no rating column
    refused(study, write(tmp_path, table), MAPPING, "line 1, column 'rating': no such column")


def test_a_dimension_the_study_lacks_says_how_to_add_it(study: Store, tmp_path: Path) -> None:
    bad = mapping(tmp_path, dimensions={"Fairness": "fairness", "Safety": "harmlessness"})
    refused(
        study,
        DATA,
        bad,
        "dimension(s) ['harmlessness'] are not in study 'mini'",
        "coalign study export mini DIR",
        "coalign study import DIR/study.yaml",
    )


def test_a_dimension_label_the_mapping_lacks_names_row_and_column(
    study: Store, tmp_path: Path
) -> None:
    table = rows()
    table[7][8] = "Honesty"
    refused(
        study,
        write(tmp_path, table),
        MAPPING,
        "line 8, column 'dimension': 'Honesty' is not among the mapping's dimensions",
        "nothing was imported",
    )


def test_an_out_of_range_value_names_row_and_column(study: Store, tmp_path: Path) -> None:
    table = rows()
    table[12][9] = "7"
    table[20][9] = "3.5"
    table[30][9] = "high"
    table[40][9] = ""
    message = refused(
        study,
        write(tmp_path, table),
        MAPPING,
        "line 13, column 'rating': 7 is off safety's scale: a whole number from 1 to 5",
        "line 21, column 'rating': 3.5 is off",
        "line 31, column 'rating': 'high' is not a rating",
        "line 41, column 'rating': empty; every row needs a rating on safety",
    )
    assert message.count("line ") == 4


def test_a_duplicate_rating_names_both_rows(study: Store, tmp_path: Path) -> None:
    table = rows()
    table.append(list(table[3]))
    refused(
        study,
        write(tmp_path, table),
        MAPPING,
        f"line {len(table)}, column 'rating': rater 'R01' rated item 'q1-care' on fairness "
        "already on line 4",
    )


def test_two_answers_of_one_rater_and_two_texts_of_one_item_are_refused(
    study: Store, tmp_path: Path
) -> None:
    table = rows()
    table[2][5] = "f"  # R01 answered "m" on line 2
    table[6][2] = "Another response."
    refused(
        study,
        write(tmp_path, table),
        MAPPING,
        "line 3, column 'gender': rater 'R01' answers",
        "line 7, column 'response': item 'q2-plain' has another response than on line 6",
    )


def test_a_changed_value_contradicting_the_store_writes_nothing(
    imported: Store, tmp_path: Path
) -> None:
    before = counts(imported)
    table = rows()
    table[5][9] = "1" if table[5][9] != "1" else "2"
    with pytest.raises(
        InputError, match="line 6, column 'rating': rater 'R01' has the stored rating"
    ):
        import_ratings(imported, write(tmp_path, table, "ratings.tsv"), mapping(tmp_path))
    assert counts(imported) == before


def test_an_item_whose_text_changed_since_the_last_import_is_refused(
    imported: Store, tmp_path: Path
) -> None:
    before = counts(imported)
    table = rows()
    for row in table[1:]:
        if row[0] == "q1-plain":
            row[1] = "Can my son, who is 15, have a savings account?"
    with pytest.raises(InputError) as caught:
        import_ratings(imported, write(tmp_path, table), MAPPING)
    assert (
        "line 2, column 'prompt': item 'q1-plain' of data set 'bank-answers-2026' is stored "
        "with another prompt" in str(caught.value)
    )
    assert counts(imported) == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"columns": {"item": "item_id", "prompt": "prompt", "response": "response"}},
            "columns.rater: Field required",
        ),
        (
            {"columns": {"item": "i", "prompt": "p", "response": "r", "rater": "w", "value": "v"}},
            "long format needs both dimension and value columns",
        ),
        ({"dimensions": []}, "dimensions: Dictionary should have at least 1 item"),
        ({"demographics": {"gender": "value"}}, "demographics: ['value'] name rating columns"),
        ({"recode": {"prompt": {"a": "b"}}}, "recode: ['prompt'] are not rating or demographic"),
        ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_mapping_names_the_key(study: Store, tmp_path: Path, change, expected) -> None:
    with pytest.raises(StudyFileError, match="mapping.yaml") as caught:
        import_ratings(study, DATA, mapping(tmp_path, **change))
    assert expected in str(caught.value)
    assert counts(study)["ratings"] == 0


def test_cli_errors_are_one_line(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        import_study(store, MINI)
    table = rows()
    table[12][9] = "9"
    code = run(["--db", db, "ratings", "import", str(write(tmp_path, table)), "-m", str(MAPPING)])
    err = capsys.readouterr().err
    assert code == 1 and "line 13, column 'rating': 9 is off safety's scale" in err


def test_cli_without_a_mapping_shows_the_usage(tmp_path: Path, capsys) -> None:
    code = run(["--db", str(tmp_path / "c.db"), "ratings", "import", str(DATA)])
    err = capsys.readouterr().err
    assert code == 2 and "Missing option '--mapping'" in err and "Traceback" not in err
