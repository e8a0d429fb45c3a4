"""Translations of a campaign's texts, made by a model or pasted in, shown only once reviewed.

Study 003 machine-translated its items and instructions, then had people check them. Here every
text participants see in a campaign can be translated: items (prompt and response), attention
checks, dimensions (name, definition, scale labels), item questions (text, options) and the
campaign title. A translation starts ``pending``; a bilingual reviewer accepts it as it is or
edits it first (the reviewer and the time are recorded). Only then is its text copied into the
campaign's translations, which the rating pages read, so participants never see an unreviewed
translation. Lists (scale labels, options) are one entry per line and must keep their length.

A pasted file is CSV (``part,subject,field,text``; ``coalign campaign translate --template``
writes one to fill in) or JSONL with the same keys.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from coalign.core.calls import SamplingParams
from coalign.core.campaigns import LANGUAGE_CODE, Translation, TranslationPart
from coalign.core.errors import InputError, NotFoundError
from coalign.llm import Model
from coalign.llm.structured import call_json
from coalign.rating.campaigns import campaign_row, list_campaigns
from coalign.store import Store
from coalign.store.campaigns import entries_of, entry_of, study_dimensions
from coalign.store.rating_tables import CampaignRow, TranslationRow
from coalign.store.tables import utcnow
from coalign.store.translations import (
    add_translation,
    translation_by_id,
    translation_by_key,
    translation_counts,
    translations_of,
)
from coalign.synth.runner import NoProgress, Progress

#: The translator recorded for a translation a person supplied.
PASTED = "pasted"
#: Fields whose text is a list, one entry per line.
LIST_FIELDS = ("scale_labels", "options")
#: The progress stage name under which translations are counted.
STAGE = "translations"
LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
}
_WHAT = {
    "prompt": "request to an AI assistant",
    "response": "answer of an AI assistant",
    "name": "name of a quality of answers",
    "definition": "definition of a quality of answers",
    "scale_labels": "labels of a rating scale",
    "text": "question about a text",
    "options": "answer options of a question",
    "title": "title of a survey",
}


@dataclass(frozen=True)
class CampaignText:
    """One text of a campaign that can be translated, as it stands now.

    Attributes:
        subject: the item id, dimension name or question name (empty for the title).
        text: the text; list fields hold one entry per line.
        source_language: the text's language (an item's own; campaign texts are English).
    """

    part: TranslationPart
    subject: str
    field: str
    text: str
    source_language: str = "en"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.part, self.subject, self.field)

    @property
    def label(self) -> str:
        """How messages name the text, e.g. ``dimension fairness: definition``."""
        return f"{self.part} {self.subject}: {self.field}" if self.subject else self.part


@dataclass(frozen=True)
class TranslationOutcome:
    """What a model translation pass did: translations made, texts that had one, failures."""

    made: int
    existing: int
    failed: list[tuple[str, str]]


@dataclass(frozen=True)
class PasteOutcome:
    """What a pasted file did: new translations, pending ones replaced, accepted ones kept."""

    added: int
    replaced: int
    kept_reviewed: int


def language_name(code: str) -> str:
    """The English name of a language code, or the code itself."""
    return LANGUAGE_NAMES.get(code, code)


def _check_language(language: str) -> None:
    if not re.fullmatch(LANGUAGE_CODE, language):
        raise InputError(f"not a language code: {language!r} (use e.g. de)")


def _texts(session: Session, campaign: CampaignRow, language: str) -> list[CampaignText]:
    texts: list[CampaignText] = []
    parts: tuple[tuple[str, TranslationPart], ...] = (
        ("item", "item"),
        ("attention", "attention_check"),
    )
    for kind, part in parts:
        for _, item in entries_of(session, campaign.id, kind):
            if item.language != language:
                texts += [
                    CampaignText(part, item.id, "prompt", item.prompt, item.language),
                    CampaignText(part, item.id, "response", item.response, item.language),
                ]
    rows = {d.name: d for d in study_dimensions(session, campaign.study_id)}
    for name in campaign.dimensions:
        texts += [
            CampaignText("dimension", name, "name", name),
            CampaignText("dimension", name, "definition", rows[name].definition),
            CampaignText("dimension", name, "scale_labels", "\n".join(rows[name].scale_labels)),
        ]
    for q in campaign.questions:
        texts += [
            CampaignText("question", q["name"], "text", q["text"]),
            CampaignText("question", q["name"], "options", "\n".join(q["options"])),
        ]
    texts.append(CampaignText("title", "", "title", campaign.title))
    return texts


def campaign_texts(store: Store, campaign_id: int, language: str) -> list[CampaignText]:
    """Every text of the campaign participants could see in ``language``, in page order
    (items already written in ``language`` left out).

    Raises:
        NotFoundError: no such campaign.
    """
    with store.read() as session:
        return _texts(session, campaign_row(session, campaign_id), language)


def _schema(text: CampaignText) -> dict[str, Any]:
    if text.field in LIST_FIELDS:
        n = len(text.text.splitlines())
        value: dict[str, Any] = {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": n,
            "maxItems": n,
        }
    else:
        value = {"type": "string", "minLength": 1}
    return {
        "type": "object",
        "properties": {"translation": value},
        "required": ["translation"],
        "additionalProperties": False,
    }


def _prompt(text: CampaignText, target: str) -> str:
    shape = (
        "a JSON list with one translated entry per line, in the same order"
        if text.field in LIST_FIELDS
        else "the translated text"
    )
    return (
        f"Translate this {_WHAT[text.field]} from {language_name(text.source_language)} into "
        f"{language_name(target)}. Keep its meaning, tone and register; add nothing and leave "
        f"nothing out.\n\n{text.text}\n\n"
        f'Answer with JSON: {{"translation": {shape}}}'
    )


def translate_campaign(
    store: Store,
    campaign_id: int,
    language: str,
    model: Model,
    *,
    params: SamplingParams | None = None,
    progress: Progress | None = None,
) -> TranslationOutcome:
    """Have the model translate every campaign text that has no translation into ``language``.

    Each translation is stored as it comes, ``pending`` review. An answer that does not parse or
    is cut off at ``max_tokens`` (re-asked once) is reported and stores nothing.

    Raises:
        NotFoundError: no such campaign.
        InputError: a bad language code.
        ModelUnavailableError: the model cannot be reached (what was stored stays).
    """
    _check_language(language)
    params = params or SamplingParams(temperature=0.2, max_tokens=512, seed=0)
    progress = progress or NoProgress()
    texts = campaign_texts(store, campaign_id, language)
    with store.read() as session:
        have = {
            (t.part, t.subject, t.field)
            for t in translations_of(session, campaign_id, language=language)
        }
    todo = [t for t in texts if t.key not in have]
    progress.stage_started(STAGE, len(texts), len(texts) - len(todo))
    made, failed = 0, []
    for text in todo:
        outcome = call_json(
            model,
            _prompt(text, language),
            _schema(text),
            params,
            reask=1,
            purpose=f"campaign:{campaign_id}:translate:{language}",
        )
        if outcome.data is None:
            failed.append((text.label, outcome.error or "no translation"))
        else:
            value = outcome.data["translation"]
            translated = "\n".join(v.strip() for v in value) if isinstance(value, list) else value
            with store.session() as session:
                add_translation(
                    session,
                    _translation(campaign_id, text, language, translated.strip(), model.model_id),
                )
            made += 1
        progress.task_done(STAGE, outcome.data is not None)
    return TranslationOutcome(made, len(texts) - len(todo), failed)


def _translation(
    campaign_id: int, text: CampaignText, language: str, translated: str, translator: str
) -> Translation:
    return Translation(
        campaign_id=campaign_id,
        part=text.part,
        subject=text.subject,
        field=text.field,
        language=language,
        source_text=text.text,
        text=translated,
        translator=translator,
    )


def _list_problem(field: str, source: str, text: str) -> str | None:
    if field in LIST_FIELDS and len(text.splitlines()) != len(source.splitlines()):
        return (
            f"{field} needs {len(source.splitlines())} entries, one per line "
            f"(got {len(text.splitlines())})"
        )
    return None


def _pasted_rows(name: str, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text") from exc
    if name.lower().endswith(".csv"):
        reader = csv.DictReader(io.StringIO(content))
        missing = {"part", "field", "text"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(f"{name}: missing column(s) {sorted(missing)}")
        return [(n, dict(row)) for n, row in enumerate(reader, start=2)]
    if name.lower().endswith((".jsonl", ".ndjson")):
        rows = []
        for n, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{name} line {n}: not JSON ({exc.msg})") from exc
            if not isinstance(value, dict):
                raise InputError(f"{name} line {n}: expected an object with part, field, text")
            rows.append((n, value))
        return rows
    raise InputError(f"{name}: translations must be a .csv or .jsonl file")


def paste_translations(
    store: Store, campaign_id: int, language: str, name: str, data: bytes
) -> PasteOutcome:
    """Store translations a person supplied (translator ``pasted``), each ``pending`` review.

    Rows with an empty ``text`` are skipped (a half-filled template is fine). A pending
    translation of the same text is replaced; an accepted one is kept. All rows or none.

    Raises:
        NotFoundError: no such campaign.
        InputError: a bad language code or file, or rows naming no text of the campaign or
            breaking a list's length (every bad row named by its line).
    """
    _check_language(language)
    rows = _pasted_rows(name, data)
    added = replaced = kept = 0
    with store.session() as session:
        texts = {t.key: t for t in _texts(session, campaign_row(session, campaign_id), language)}
        problems, found = [], []
        for n, row in rows:
            value = str(row.get("text") or "").strip()
            if not value:
                continue
            key = (
                str(row.get("part") or ""),
                str(row.get("subject") or ""),
                str(row.get("field") or ""),
            )
            text = texts.get(key)
            if text is None:
                problems.append(f"line {n}: the campaign has no text {'/'.join(key)!r}")
            elif problem := _list_problem(text.field, text.text, value):
                problems.append(f"line {n}: {problem}")
            else:
                found.append((text, value))
        if problems:
            raise InputError(f"{name}: " + "; ".join(problems))
        if not found:
            raise InputError(f"{name}: no translations (every text column is empty)")
        for text, value in found:
            row_ = translation_by_key(session, campaign_id, *text.key, language)
            if row_ is None:
                add_translation(session, _translation(campaign_id, text, language, value, PASTED))
                added += 1
            elif row_.status == "accepted":
                kept += 1
            else:
                row_.text, row_.translator, row_.source_text = value, PASTED, text.text
                replaced += 1
    return PasteOutcome(added, replaced, kept)


def translation_template(store: Store, campaign_id: int, language: str) -> bytes:
    """A CSV to fill in and paste back: every text with its source and current translation.

    Raises:
        NotFoundError: no such campaign.
        InputError: a bad language code.
    """
    _check_language(language)
    with store.read() as session:
        texts = _texts(session, campaign_row(session, campaign_id), language)
        done = {
            (t.part, t.subject, t.field): t.text
            for t in translations_of(session, campaign_id, language=language)
        }
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["part", "subject", "field", "source_text", "text"])
    for t in texts:
        writer.writerow([t.part, t.subject, t.field, t.text, done.get(t.key, "")])
    return out.getvalue().encode("utf-8")


def list_translations(
    store: Store, campaign_id: int, *, language: str | None = None, status: str | None = None
) -> list[Translation]:
    """A campaign's translations, optionally of one language or status (``pending``/``accepted``).

    Raises:
        NotFoundError: no such campaign.
        InputError: an unknown status.
    """
    if status not in (None, "pending", "accepted"):
        raise InputError(f"status must be pending or accepted, not {status!r}")
    with store.read() as session:
        campaign_row(session, campaign_id)
        rows = translations_of(session, campaign_id, language=language, status=status)
        return [Translation.model_validate(r, from_attributes=True) for r in rows]


def review_translation(
    store: Store, campaign_id: int, translation_id: int, reviewer: str, text: str | None = None
) -> Translation:
    """Accept a translation as it is, or with the reviewer's ``text``; participants see it from now.

    Accepting again (with a new text) replaces what they see; the latest reviewer is recorded.

    Raises:
        NotFoundError: no such translation in this campaign.
        InputError: no reviewer, an empty text, or a list whose length changed.
    """
    reviewer = reviewer.strip()
    if not reviewer:
        raise InputError("name the reviewer who checked the translation")
    with store.session() as session:
        row = translation_by_id(session, translation_id)
        if row is None or row.campaign_id != campaign_id:
            raise NotFoundError(f"campaign {campaign_id} has no translation {translation_id}")
        value = (
            row.text
            if text is None
            else "\n".join(line.strip() for line in text.strip().splitlines())
        )
        if not value.strip():
            raise InputError("the translation is empty; write the text or keep the proposed one")
        if problem := _list_problem(row.field, row.source_text, value):
            raise InputError(problem)
        row.text, row.status, row.reviewer, row.reviewed_at = value, "accepted", reviewer, utcnow()
        _show(session, row)
        return Translation.model_validate(row, from_attributes=True)


def _show(session: Session, row: TranslationRow) -> None:
    """Copy an accepted translation into the campaign texts participants see.

    The JSON columns are replaced, not changed in place, so the ORM writes them.
    """
    campaign = campaign_row(session, row.campaign_id)
    lang = row.language
    value: str | list[str] = row.text.splitlines() if row.field in LIST_FIELDS else row.text
    if row.part in ("item", "attention_check"):
        entry = entry_of(session, row.campaign_id, row.subject)
        if entry is None:
            raise NotFoundError(f"item {row.subject!r} is no longer in the campaign")
        texts = dict(entry.translations or {})
        entry.translations = {**texts, lang: {**texts.get(lang, {}), row.field: value}}
    elif row.part == "dimension":
        texts = dict(campaign.translations or {})
        per_language = dict(texts.get(lang, {}))
        per_language[row.subject] = {**per_language.get(row.subject, {}), row.field: value}
        campaign.translations = {**texts, lang: per_language}
    elif row.part == "question":
        questions = []
        for q in campaign.questions:
            if q["name"] == row.subject:
                texts = dict(q.get("translations", {}))
                q = {
                    **q,
                    "translations": {**texts, lang: {**texts.get(lang, {}), row.field: value}},
                }
            questions.append(q)
        campaign.questions = questions
    else:
        campaign.title_translations = {**(campaign.title_translations or {}), lang: row.text}
    session.flush()


def translation_summary(
    store: Store, study_slug: str, campaign_slug: str | None = None
) -> list[dict[str, Any]]:
    """For a dataset card: per part, language and translator, how many translations were made,
    how many accepted, and by which reviewers.

    Args:
        campaign_slug: only this campaign of the study (default: all of them).
    """
    ids = [
        c.id
        for c in list_campaigns(store)
        if c.campaign.study_slug == study_slug
        and (campaign_slug is None or c.campaign.slug == campaign_slug)
    ]
    if not ids:
        return []
    with store.read() as session:
        counts = translation_counts(session, ids)
    grouped: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(
        lambda: {"made": 0, "accepted": 0, "reviewers": set()}
    )
    for part, language, translator, status, reviewer, n in counts:
        entry = grouped[(part, language, translator)]
        entry["made"] += n
        if status == "accepted":
            entry["accepted"] += n
            entry["reviewers"].add(reviewer)
    return [
        {
            "part": part,
            "language": language,
            "translator": translator,
            "made": e["made"],
            "accepted": e["accepted"],
            "reviewers": sorted(r for r in e["reviewers"] if r),
        }
        for (part, language, translator), e in sorted(grouped.items())
    ]
