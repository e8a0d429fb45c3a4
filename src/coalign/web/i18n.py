"""UI languages: English source strings, German (and later others) from gettext catalogues.

Catalogues ship as ``locale/<lang>/LC_MESSAGES/messages.po``; a compiled ``messages.mo`` beside it
is used when present, otherwise the ``.po`` is compiled in memory with Babel on first use, so a
source checkout needs no build step.

Messages of coalign's errors are English sentences, some with values filled in ("please take at
least 5 seconds …"). :func:`translate_message` finds them in the catalogue either way: a
catalogue entry with ``%(name)s`` placeholders stands for every message that fills them in.
"""

from __future__ import annotations

import gettext
import io
import re
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def N_(message: str) -> str:
    """Mark a UI string kept in code and translated where it is shown (gettext's ``gettext_noop``),
    so the catalogue check finds it."""
    return message


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


@cache
def _patterns(language: str) -> list[tuple[re.Pattern[str], str]]:
    """The catalogue's entries with ``%(name)s`` placeholders, each as a pattern matching the
    messages that fill them in, with its translation."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.is_file():
        return []
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    patterns = []
    for entry in catalog:
        if isinstance(entry.id, str) and isinstance(entry.string, str) and entry.string:
            parts = _PLACEHOLDER.split(entry.id)  # literal text and placeholder names, alternating
            if len(parts) > 1:
                regex, named = "", set()
                for index, part in enumerate(parts):
                    if index % 2 == 0:
                        regex += re.escape(part)
                    else:  # a value: any text, the same text where the placeholder repeats
                        regex += f"(?P={part})" if part in named else f"(?P<{part}>.+?)"
                        named.add(part)
                patterns.append((re.compile(regex), entry.string))
    return patterns


def translate_message(language: str, message: str) -> str | None:
    """``message`` in ``language`` if a catalogue knows it, else ``None``.

    A message is known when it is a catalogue entry, or fills in the placeholders of one
    (``please take at least 5 seconds …`` fills in ``please take at least %(seconds)s seconds …``).
    In English, a known message is returned as it is. Doors show only known messages to people
    whose text must not mix languages or reveal internals.
    """
    if language == DEFAULT_LANGUAGE:
        others = (code for code in LANGUAGES if code != DEFAULT_LANGUAGE)
        return message if any(translate_message(code, message) for code in others) else None
    translated = translations(language).gettext(message)
    if translated != message:
        return translated
    for pattern, translation in _patterns(language):
        if match := pattern.fullmatch(message):
            return translation % match.groupdict()
    return None


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
