"""``coalign analyze STUDY``: the same analysis on ratings held in the store."""

from __future__ import annotations

import pandas as pd

from coalign.analysis import load_study_ratings
from coalign.cli.main import run
from coalign.core.items import Item, Rating
from coalign.store import open_store
from coalign.store.participation_tables import DemographicAnswerRow, ParticipantRow
from coalign.store.ratings import save_items, save_ratings
from coalign.store.studies import study_row
from coalign.study import import_study


def fill_store(db: str, frame: pd.DataFrame) -> None:
    """Write a simulated long-format frame into the store as participants, items and ratings."""
    with open_store(db) as store:
        import_study(store, "tests/fixtures/mini_study.yaml")
        demographics = [
            c for c in frame.columns if c not in ("item", "rater", "dimension", "value")
        ]
        with store.session() as session:
            study_id = study_row(session, "mini").id
            for rater, rows in frame.groupby("rater"):
                session.add(ParticipantRow(id=str(rater), study_id=study_id))
                session.flush()
                for col in demographics:
                    session.add(
                        DemographicAnswerRow(
                            participant_id=str(rater), question=col, answer=str(rows[col].iloc[0])
                        )
                    )
        save_items(
            store,
            [
                Item(id=str(i), study_slug="mini", prompt=f"p{i}", response="r")
                for i in frame["item"].unique()
            ],
        )
        save_ratings(
            store,
            [
                Rating(
                    item_id=str(r.item),
                    participant_id=str(r.rater),
                    dimension=r.dimension,
                    value=int(r.value),
                )
                for r in frame.itertuples()
            ],
        )


def test_store_ratings_match_the_file(three_dimensions, tmp_path):
    db = str(tmp_path / "c.db")
    fill_store(db, three_dimensions)
    with open_store(db) as store:
        loaded = load_study_ratings(store, "mini")
    cols = ["item", "rater", "dimension", "value", "gender", "political"]
    expected = three_dimensions.astype({"item": str, "rater": str})[cols]
    key = ["item", "rater", "dimension"]
    got = loaded[cols].sort_values(key).reset_index(drop=True)
    assert got.astype({"value": int}).equals(
        expected.sort_values(key).reset_index(drop=True).astype({"value": int})
    )


def test_analyze_command_reads_a_study(three_dimensions, tmp_path, capsys):
    db = str(tmp_path / "c.db")
    fill_store(db, three_dimensions)
    code = run(["--db", db, "analyze", "mini", "--out", str(tmp_path / "out"), "--n-boot", "10"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "report.html").is_file()
    assert "analysed 3600 ratings by 150 raters" in capsys.readouterr().out


def test_a_study_without_ratings_is_a_clear_error(tmp_path, capsys):
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        import_study(store, "tests/fixtures/mini_study.yaml")
    assert run(["--db", db, "analyze", "mini", "--out", str(tmp_path / "out")]) == 1
    assert "study 'mini': no ratings" in capsys.readouterr().err
    assert run(["--db", db, "analyze", "missing", "--out", str(tmp_path / "out")]) == 1
    assert "no study 'missing'" in capsys.readouterr().err
