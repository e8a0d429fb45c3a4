"""UI strings in English and German: every string the templates translate has a German entry."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from coalign.participation.demographics import DEFAULT_SURVEY
from coalign.web.i18n import LOCALE_DIR, pick_language, translations

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


def test_fixed_error_messages_are_translated() -> None:
    """Messages that participants meet (and that carry no values) have German versions."""
    import ast

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
    assert sorted(raised - german_ids() - {"a campaign needs at least one item"}) == []
