"""Translations of a campaign's texts: pasted or made by a model, shown to participants only
after a reviewer accepts them, counted on the dataset card."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.core.calls import SamplingParams
from coalign.core.campaigns import ItemQuestion
from coalign.core.errors import InputError, NotFoundError
from coalign.llm import load_model
from coalign.rating.assignment import rating_page
from coalign.rating.flow import next_step, set_language, welcome
from coalign.rating.translations import (
    campaign_texts,
    list_translations,
    paste_translations,
    review_translation,
    translate_campaign,
    translation_summary,
    translation_template,
)
from coalign.store import Store
from coalign.store.rating_tables import TranslationRow
from tests.rating.helpers import make_campaign, ready_seat, translations_csv

LABELS = "\n".join(f"Stufe {n}" for n in range(1, 6))


def _campaign(store: Store, n_items: int = 1):
    return make_campaign(
        store,
        n_items=n_items,
        questions=[ItemQuestion(name="gender", text="Is this about gender?")],
    )


def _german(store: Store, campaign_id: int) -> bytes:
    """A German version of every text of the one-item campaign (and its attention check)."""
    rows = []
    for t in campaign_texts(store, campaign_id, "de"):
        text = {
            ("item", "prompt"): "Frage 0?",
            ("item", "response"): "Antwort 0.",
            ("attention_check", "prompt"): "Aufmerksamkeitsprüfung",
            ("attention_check", "response"): "Bitte wählen Sie überall 4.",
            ("question", "text"): "Geht es um Geschlecht?",
            ("question", "options"): "ja\nnein",
            ("title", "title"): "Pilotbewertungen",
        }.get((t.part, t.field))
        if t.part == "dimension":
            text = {"name": f"{t.subject}-de", "definition": f"Definition von {t.subject}"}.get(
                t.field, LABELS
            )
        rows.append({"part": t.part, "subject": t.subject, "field": t.field, "text": text or ""})
    return translations_csv(rows)


def test_participants_see_a_pasted_translation_only_once_it_is_reviewed(store: Store) -> None:
    stored = _campaign(store)
    outcome = paste_translations(store, stored.id, "de", "de.csv", _german(store, stored.id))
    # 1 item and 1 attention check × 2, 2 dimensions × 3, 1 question × 2, the title
    assert (outcome.added, outcome.replaced, outcome.kept_reviewed) == (13, 0, 0)
    pending = list_translations(store, stored.id, language="de", status="pending")
    assert len(pending) == 13 and {t.translator for t in pending} == {"pasted"}
    seat = ready_seat(store, "P1")
    set_language(store, seat, "de")
    assignment = next_step(store, seat).assignment_id
    before = rating_page(store, seat, assignment, "de")
    assert (before.prompt, before.response) == ("Question 0?", "Answer 0.")
    assert before.dimensions[0].shown_name == "fairness" and before.questions[0].text.startswith(
        "Is"
    )
    assert welcome(store, seat).campaign_title == "Pilot ratings"

    for t in pending:
        edited = (
            "Bitte wählen Sie auf jeder Skala die 4."
            if t.field == "response" and t.part == "attention_check"
            else None
        )
        review_translation(store, stored.id, t.id or 0, "Ana (bilingual)", edited)
    after = rating_page(store, seat, assignment, "de")
    assert (after.prompt, after.response) == ("Frage 0?", "Antwort 0.")
    assert after.dimensions[0].shown_name == "fairness-de"
    assert after.dimensions[0].definition == "Definition von fairness"
    assert after.dimensions[0].labels == LABELS.splitlines()
    assert after.questions[0].text == "Geht es um Geschlecht?"
    assert after.questions[0].options == [("yes", "ja"), ("no", "nein")]
    assert welcome(store, seat).campaign_title == "Pilotbewertungen"
    assert rating_page(store, seat, assignment, "en").dimensions[0].shown_name == "fairness"
    accepted = list_translations(store, stored.id, status="accepted")
    assert len(accepted) == 13 and {t.reviewer for t in accepted} == {"Ana (bilingual)"}
    assert all(t.reviewed_at is not None for t in accepted)

    # pasting again replaces no reviewed text; the card counts who made and who reviewed what
    again = paste_translations(store, stored.id, "de", "de.csv", _german(store, stored.id))
    assert (again.added, again.replaced, again.kept_reviewed) == (0, 0, 13)
    summary = {(s["part"], s["translator"]): s for s in translation_summary(store, "mini")}
    assert summary[("dimension", "pasted")] == {
        "part": "dimension",
        "language": "de",
        "translator": "pasted",
        "made": 6,
        "accepted": 6,
        "reviewers": ["Ana (bilingual)"],
    }
    assert translation_summary(store, "mini", "other") == []


def test_a_pending_translation_is_replaced_and_a_template_shows_the_sources(store: Store) -> None:
    stored = _campaign(store)
    title = [{"part": "title", "subject": "", "field": "title", "text": "Erster Versuch"}]
    paste_translations(store, stored.id, "de", "t.csv", translations_csv(title))
    title[0]["text"] = "Pilotbewertungen"
    assert (
        paste_translations(store, stored.id, "de", "t.csv", translations_csv(title)).replaced == 1
    )
    rows = list(csv.DictReader(io.StringIO(translation_template(store, stored.id, "de").decode())))
    assert rows[-1] == {
        "part": "title",
        "subject": "",
        "field": "title",
        "source_text": "Pilot ratings",
        "text": "Pilotbewertungen",
    }
    assert {r["part"] for r in rows} == {
        "item",
        "attention_check",
        "dimension",
        "question",
        "title",
    }
    jsonl = json.dumps(
        {"part": "question", "subject": "gender", "field": "text", "text": "Gender?"}
    )
    assert paste_translations(store, stored.id, "de", "q.jsonl", jsonl.encode()).added == 1


def test_bad_pasted_files_name_their_rows_and_write_nothing(store: Store) -> None:
    stored = _campaign(store)
    bad = translations_csv(
        [
            {"part": "title", "subject": "", "field": "title", "text": "Titel"},
            {"part": "dimension", "subject": "honesty", "field": "name", "text": "Ehrlichkeit"},
            {"part": "dimension", "subject": "fairness", "field": "scale_labels", "text": "a\nb"},
            {"part": "item", "subject": "nope", "field": "prompt", "text": ""},
        ]
    )
    with pytest.raises(InputError) as caught:
        paste_translations(store, stored.id, "de", "bad.csv", bad)
    message = str(caught.value)
    assert "line 3: the campaign has no text 'dimension/honesty/name'" in message
    assert "line 4: scale_labels needs 5 entries, one per line (got 2)" in message
    assert "line 5" not in message  # an empty text is a row left to fill, not an error
    assert list_translations(store, stored.id) == []
    for name, data, problem in [
        ("x.csv", b"part,text\ntitle,T\n", r"missing column\(s\) \['field'\]"),
        ("x.txt", b"anything", "must be a .csv or .jsonl file"),
        ("x.jsonl", b'{"part": "title"\n', "x.jsonl line 1: not JSON"),
        (
            "x.csv",
            translations_csv([{"part": "title", "subject": "", "field": "title", "text": ""}]),
            "no translations",
        ),
    ]:
        with pytest.raises(InputError, match=problem):
            paste_translations(store, stored.id, "de", name, data)
    with pytest.raises(InputError, match="not a language code: 'Deutsch'"):
        paste_translations(store, stored.id, "Deutsch", "x.csv", b"")


def test_review_refuses_what_it_cannot_show(store: Store) -> None:
    stored = _campaign(store)
    other = make_campaign(store, slug="other")
    labels = [{"part": "dimension", "subject": "safety", "field": "scale_labels", "text": LABELS}]
    paste_translations(store, stored.id, "de", "l.csv", translations_csv(labels))
    (t,) = list_translations(store, stored.id)
    with pytest.raises(InputError, match="name the reviewer"):
        review_translation(store, stored.id, t.id or 0, "  ")
    with pytest.raises(InputError, match="scale_labels needs 5 entries"):
        review_translation(store, stored.id, t.id or 0, "Ana", "eins\nzwei")
    with pytest.raises(InputError, match="the translation is empty"):
        review_translation(store, stored.id, t.id or 0, "Ana", " \n ")
    with pytest.raises(NotFoundError, match=f"campaign {other.id} has no translation"):
        review_translation(store, other.id, t.id or 0, "Ana")
    with pytest.raises(InputError, match="status must be pending or accepted"):
        list_translations(store, stored.id, status="done")
    assert list_translations(store, stored.id, status="pending") == [t]
    done = review_translation(
        store, stored.id, t.id or 0, "Ana", "  eins\nzwei\ndrei\nvier\nfünf  "
    )
    assert done.text == "eins\nzwei\ndrei\nvier\nfünf" and done.status == "accepted"


def test_the_embedded_model_translates_and_nothing_shows_before_review(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COALIGN_THREADS", "1")
    store = sqlite_store
    stored = make_campaign(
        store, n_items=1, dimensions=["fairness"], attention_positions=[], attention_checks=[]
    )
    model = load_model(None, log=store)
    params = SamplingParams(temperature=0.0, max_tokens=48, seed=0)
    outcome = translate_campaign(store, stored.id, "de", model, params=params)
    # the item's prompt and response, the dimension's name, definition and labels, the title
    assert outcome.made + len(outcome.failed) == 6 and outcome.existing == 0
    assert outcome.made >= 1  # at temperature 0 the short texts come back whole
    made = list_translations(store, stored.id)
    assert len(made) == outcome.made
    assert all(t.status == "pending" and t.translator == model.model_id for t in made)
    assert all(reason for _, reason in outcome.failed)  # a cut-off or unparsable answer says why
    texts = {t.label for t in campaign_texts(store, stored.id, "de")}
    made_labels = {f"{t.part} {t.subject}: {t.field}" if t.subject else t.part for t in made}
    assert made_labels | {label for label, _ in outcome.failed} == texts
    with store.read() as session:
        assert session.query(TranslationRow).count() == outcome.made
    seat = ready_seat(store, "P1")
    page = rating_page(store, seat, next_step(store, seat).assignment_id, "de")
    assert page.prompt == "Question 0?" and page.dimensions[0].shown_name == "fairness"
    again = translate_campaign(store, stored.id, "de", model, params=params)
    assert again.existing == outcome.made and again.made + len(again.failed) == 6 - outcome.made


def test_cli_paste_list_and_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "c.db")
    assert run(["--db", db, "study", "import", "examples/bank-assistant/study.yaml"]) == 0
    assert run(["--db", db, "campaign", "create", "examples/bank-assistant/campaign.yaml"]) == 0
    template = tmp_path / "de.csv"
    base = ["--db", db, "campaign"]
    assert (
        run([*base, "translate", "answers-pilot", "--language", "de", "--template", str(template)])
        == 0
    )
    rows = list(csv.DictReader(template.open()))
    wanted = {
        ("dimension", "fairness", "name"),
        ("title", "", "title"),
        ("dimension", "safety", "scale_labels"),
    }
    for row in rows:
        key = (row["part"], row["subject"], row["field"])
        if key not in wanted:
            row["text"] = ""
        elif key[2] == "scale_labels":
            row["text"] = "a\nb\nc\nd\ne"
        else:
            row["text"] = f"DE {key[1]}"
    with template.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["part", "subject", "field", "source_text", "text"])
        writer.writeheader()
        writer.writerows(rows)
    capsys.readouterr()
    assert (
        run([*base, "translate", "answers-pilot", "--language", "de", "--paste", str(template)])
        == 0
    )
    assert "3 translations added, 0 pending ones replaced" in capsys.readouterr().out
    from typer.testing import CliRunner

    from coalign.cli.main import app

    result = CliRunner().invoke(
        app,
        [*base, "review", "answers-pilot", "--reviewer", "Ana", "--language", "de"],
        input="a\ne\nEins | Zwei | Drei | Vier | Fünf\nq\n",
    )
    assert result.exit_code == 0, result.output
    assert "source:" in result.output and "2 translations accepted by Ana" in result.output
    assert run([*base, "translations", "answers-pilot", "--status", "accepted"]) == 0
    listed = capsys.readouterr().out
    assert listed.count("accepted by Ana") == 2 and "(pasted)" in listed
