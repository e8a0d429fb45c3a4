"""The dataset card counts a campaign's translations: what, into which language, by which
translator, and how many a reviewer accepted (unreviewed ones were never shown)."""

from __future__ import annotations

from pathlib import Path

from coalign.export import AggregationChoice, ExportOptions, export_dataset
from coalign.rating.translations import list_translations, paste_translations, review_translation
from coalign.store import Store
from tests.rating.helpers import finish, make_campaign, translations_csv


def test_card_counts_translations_by_translator_and_reviewer(store: Store, tmp_path: Path) -> None:
    stored = make_campaign(store)
    for pid in ("r1", "r2"):
        finish(store, pid)
    rows = [
        {"part": "title", "subject": "", "field": "title", "text": "Pilotbewertungen"},
        {"part": "dimension", "subject": "fairness", "field": "name", "text": "Fairness"},
        {"part": "dimension", "subject": "safety", "field": "name", "text": "Sicherheit"},
    ]
    paste_translations(store, stored.id, "de", "de.csv", translations_csv(rows))
    title = next(t for t in list_translations(store, stored.id) if t.part == "title")
    review_translation(store, stored.id, title.id or 0, "Ana")
    review_translation(
        store,
        stored.id,
        next(t.id for t in list_translations(store, stored.id) if t.subject == "safety") or 0,
        "Ben",
    )
    options = ExportOptions(formats=["annotators"], aggregation=AggregationChoice())
    export_dataset(store, "campaign:pilot", tmp_path / "out", options)
    card = (tmp_path / "out" / "README.md").read_text()
    assert (
        "- 2 dimension text(s) translated into de by pasted; 1 accepted after review by Ben, "
        "1 unreviewed (never shown to participants)." in card
    )
    assert "- 1 title text(s) translated into de by pasted; 1 accepted after review by Ana." in card
