"""UI strings in English and German: every string the templates and the error pages translate
has a German entry, and so has every message a participant can meet; study content is shown in
German where the campaign translates it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from coalign.core.study import Study, StudyTranslation
from coalign.participation.demographics import DEFAULT_SURVEY
from coalign.store import Store
from coalign.store.studies import save_study
from coalign.study import load_study_file
from coalign.web.i18n import LOCALE_DIR, pick_language, translate_message, translations
from tests.rating.helpers import MINI
from tests.web.conftest import build_site, join, login, ready

TEMPLATES = Path("src/coalign/web/templates")
CALL = re.compile(r"""_\((["'])(.+?)\1\)""")


def german_ids() -> set[str]:
    with (LOCALE_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id and m.string}


def test_every_template_string_has_a_german_translation() -> None:
    used = {
        m.group(2) for path in TEMPLATES.glob("*.html") for m in CALL.finditer(path.read_text())
    }
    assert len(used) > 50
    assert sorted(used - german_ids()) == []


def test_default_survey_is_translated() -> None:
    needed = {q.label for q in DEFAULT_SURVEY} | {
        o for q in DEFAULT_SURVEY for o in q.choices() if not o[0].isdigit()
    }
    assert sorted(needed - german_ids()) == []


def test_translations_and_language_choice() -> None:
    assert translations("de").gettext("Submit and continue") == "Absenden und weiter"
    assert translations("en").gettext("Submit and continue") == "Submit and continue"
    assert translations("fr").gettext("Log in") == "Log in"
    assert pick_language(None, accept_language="de-DE,de;q=0.9,en;q=0.8") == "de"
    assert pick_language("en", accept_language="de") == "en"
    assert pick_language("xx", accept_language="fr") == "en"


def test_every_ui_string_in_code_has_a_german_translation() -> None:
    """Strings marked ``N_(…)`` (error pages' titles, advice and links) are in the catalogue."""
    marked = {
        node.args[0].value
        for path in Path("src/coalign/web").glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "N_"
        and isinstance(node.args[0], ast.Constant)
    }
    assert len(marked) > 30
    assert sorted(marked - german_ids()) == []


def test_fixed_error_messages_are_translated() -> None:
    """Messages that participants meet (and that carry no values) have German versions."""
    raised = set()
    modules = [
        *Path("src/coalign/participation").glob("*.py"),
        *Path("src/coalign/rating").glob("*.py"),
    ]
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and node.exc.args
                and getattr(node.exc.func, "id", "") != "AssertionError"
            ):
                first = node.exc.args[0]
                if (
                    isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                    and path.stem in ("access", "flow", "submit", "campaigns", "assignment")
                ):
                    raised.add(first.value)
    assert "this item is not one of yours" in raised
    assert sorted(raised - german_ids()) == []


#: Where a participant's link, answers and ratings are checked: ``{module: functions}``.
PARTICIPANT_CHECKS = {
    "participation/access.py": {"join_from_crowd", "_crowd_seat"},
    "participation/demographics.py": {"save_demographics"},
    "rating/submit.py": {"_parse", "submit", "save_draft"},
}


def test_messages_with_values_that_participants_meet_are_translated() -> None:
    """Every message filled in with values (``please take at least 5 seconds …``) that those
    checks raise matches a German catalogue entry with placeholders."""
    samples = []
    for module, functions in PARTICIPANT_CHECKS.items():
        tree = ast.parse((Path("src/coalign") / module).read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef) or function.name not in functions:
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    message = node.exc.args[0] if node.exc.args else None
                    if isinstance(message, ast.JoinedStr):  # each value filled in as "x"
                        samples.append(
                            "".join(
                                part.value if isinstance(part, ast.Constant) else "x"
                                for part in message.values
                            )
                        )
    assert "please take at least x seconds to read and rate each item" in samples
    assert [s for s in samples if translate_message("de", s) is None] == []


def test_messages_with_values_are_translated_and_others_unknown() -> None:
    assert (
        translate_message("de", "please take at least 7.5 seconds to read and rate each item")
        == "Bitte nehmen Sie sich mindestens 7.5 Sekunden Zeit, um jeden Eintrag zu lesen und zu bewerten."
    )
    assert translate_message("de", "safety: 9 is outside the scale 1–5") == (
        "safety: 9 liegt außerhalb der Skala 1–5."
    )
    assert translate_message("en", "this invite link is not valid") == (
        "this invite link is not valid"
    )
    assert translate_message("en", "no study 'x'; studies in this database: secret") is None
    assert translate_message("de", "write something unknown") is None


@pytest.mark.anyio
async def test_dimension_names_in_the_rating_question_are_translated(
    sqlite_store: Store,
) -> None:
    translated = {"de": {"fairness": {"name": "Gerechtigkeit", "definition": "Gerecht."}}}
    site = build_site(sqlite_store, translations=translated)
    async with site.client() as client:
        english = await ready(client, "EN")
        german = await client.get(f"{english.url.path}?lang=de")
    assert "<strong>fairness</strong>" in english.text
    assert "<strong>Gerechtigkeit</strong>" in german.text and "Gerecht." in german.text
    assert 'name="rating.fairness"' in german.text  # the form still posts the study's name
    assert "<strong>safety</strong>" in german.text  # not translated: the study's name


@pytest.mark.anyio
async def test_dashboard_captions_are_question_labels(sqlite_store: Store) -> None:
    site = build_site(sqlite_store)
    async with site.client() as participant:
        await ready(participant, "P1", {"age_band": "25-34", "country": "Chile"})
    async with site.client() as facilitator:
        await login(facilitator, "fac")
        english = await facilitator.get(f"/f/campaigns/{site.campaign_id}")
        await facilitator.get("/lang/de")
        german = await facilitator.get(f"/f/campaigns/{site.campaign_id}")
    captions = re.compile(r"<caption>(.+?)</caption>")
    assert captions.findall(english.text) == ["How old are you?", "In which country do you live?"]
    assert captions.findall(german.text) == ["Wie alt sind Sie?", "In welchem Land leben Sie?"]


@pytest.mark.anyio
async def test_study_and_campaign_texts_are_shown_in_the_participants_language(
    sqlite_store: Store,
) -> None:
    study = load_study_file(MINI).study.model_copy(
        update={
            "languages": ["en", "de"],
            "consent_text": "Please agree.",
            "translations": {
                "de": StudyTranslation(title="Mini-Studie", consent_text="Bitte zustimmen.")
            },
        }
    )
    site = build_site(sqlite_store, title_translations={"de": "Pilotbewertungen"})
    with sqlite_store.session() as session:
        save_study(session, study)
    async with site.client() as english, site.client() as german:
        en = await join(english, "EN")
        de = await join(german, "DE", lang="de")
        withdraw = await german.get("/p/withdraw")
    assert "Please agree." in en.text and "Pilot ratings" in en.text
    assert "Bitte zustimmen." in de.text and "Mini-Studie" in de.text
    assert "Pilotbewertungen" in de.text and "Pilot ratings" not in de.text
    assert "Mini-Studie" in withdraw.text


def test_a_translation_needs_one_of_the_studys_languages() -> None:
    with pytest.raises(ValueError, match="fr not among the study's languages"):
        Study(slug="s", title="S", languages=["en"], translations={"fr": {"title": "Étude"}})
