"""UI languages: English source strings, German (and later others) from gettext catalogues.

Catalogues ship as ``locale/<lang>/LC_MESSAGES/messages.po``; a compiled ``messages.mo`` beside it
is used when present, otherwise the ``.po`` is compiled in memory with Babel on first use, so a
source checkout needs no build step.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The translations for ``language`` (English and unknown languages translate to themselves)."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    mo, po = folder / "messages.mo", folder / "messages.po"
    if language == DEFAULT_LANGUAGE or not (mo.is_file() or po.is_file()):
        return gettext.NullTranslations()
    if mo.is_file() and mo.stat().st_mtime >= (po.stat().st_mtime if po.is_file() else 0):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def pick_language(*candidates: str | None, accept_language: str | None = None) -> str:
    """The first supported language among explicit choices, then the browser's Accept-Language."""
    for candidate in candidates:
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
