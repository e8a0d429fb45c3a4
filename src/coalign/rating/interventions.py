"""Items from prompts × interventions: a model answers each prompt under each named system prompt.

Study 003 rated plain model responses to given prompts, generated under five instructions
("contexts"): no instruction, a Republican perspective, belief in patriarchy, a focus on
empathy, a focus on equality. Here the prompts come from a file (one per row, optionally kept
only when they contain a keyword), the interventions from a YAML file::

    - name: none
      system_prompt: {en: "", de: ""}          # empty: no system prompt at all
    - name: empathy
      system_prompt:
        en: Answer with warmth and attention to how the person feels.
        de: Antworte mit Wärme und achte darauf, wie sich die Person fühlt.

and every answer becomes a campaign item whose ``context`` is the intervention's name and whose
``source`` names the prompt file and row, the intervention, the model and the language. An
answer that fails or stops at ``max_tokens`` is reported and never becomes an item. Item ids
come from the prompt, intervention, language and model, so a second run adds only what the
first did not (the model is not asked again for items the campaign holds).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from coalign.core.calls import SamplingParams
from coalign.core.campaigns import ImportedItem, Intervention
from coalign.core.errors import InputError, StudyFileError, describe_validation_error
from coalign.core.ids import stable_id
from coalign.llm import Model
from coalign.rating.campaigns import campaign_item_ids, extend_campaign, get_campaign
from coalign.store import Store
from coalign.study.files import read_structured
from coalign.synth.runner import NoProgress, Progress

#: The progress stage name under which answers are counted.
STAGE = "answers"
MAX_PROMPTS = 100_000


@dataclass(frozen=True)
class Prompt:
    """One prompt as read: its text and the row (line) of the file it came from."""

    row: int
    text: str


@dataclass(frozen=True)
class PromptSelection:
    """The prompts of a file that passed the keyword filter.

    Attributes:
        file: the file's name (recorded in each item's ``source``).
        total: how many prompts the file held.
        prompts: the kept ones, in file order.
        keywords: the filter (empty: every prompt kept).
    """

    file: str
    total: int
    prompts: list[Prompt]
    keywords: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FailedAnswer:
    """An answer that did not become an item, and why."""

    row: int
    intervention: str
    reason: str


@dataclass(frozen=True)
class ItemsOutcome:
    """What one pass over prompts × interventions did.

    Attributes:
        added: items placed in the campaign now.
        existing: prompt × intervention pairs the campaign already held (no model call).
        failed: answers that failed or were cut off, with reasons.
    """

    added: int
    existing: int
    failed: list[FailedAnswer]


def read_keywords(path: str | Path) -> list[str]:
    """Keywords from a file, one per line; blank lines and ``#`` comments are skipped.

    Raises:
        InputError: the file cannot be read or holds no keyword.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read keyword file {path}: {exc}") from exc
    words = [w.strip() for w in lines if w.strip() and not w.lstrip().startswith("#")]
    if not words:
        raise InputError(f"{path}: no keywords (one per line)")
    return words


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str]:
    """A case-insensitive pattern matching any keyword as a whole word (``he`` not in ``the``)."""
    words = sorted({k.strip() for k in keywords if k.strip()}, key=len, reverse=True)
    if not words:
        raise InputError("give at least one non-empty keyword")
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
    )


def read_prompts(path: str | Path, keywords: Iterable[str] = ()) -> PromptSelection:
    """Prompts from a CSV (a ``prompt`` column), JSONL (``{"prompt": …}`` per line) or TXT file
    (one prompt per line), kept when they contain one of ``keywords`` (all kept without any).

    Raises:
        InputError: unreadable or unknown format, no ``prompt`` column, a row without a prompt
            (named by its line), or no prompt at all.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: not UTF-8 text") from exc
    prompts = _parse_prompts(path.name, path.suffix.lower(), text)
    if not prompts:
        raise InputError(f"{path.name}: no prompts found")
    if len(prompts) > MAX_PROMPTS:
        raise InputError(f"{path.name}: {len(prompts)} prompts; at most {MAX_PROMPTS}")
    words = [k.strip() for k in keywords if k.strip()]
    kept = prompts
    if words:
        pattern = keyword_pattern(words)
        kept = [p for p in prompts if pattern.search(p.text)]
    return PromptSelection(path.name, len(prompts), kept, words)


def _parse_prompts(name: str, suffix: str, text: str) -> list[Prompt]:
    if suffix == ".txt":
        return [
            Prompt(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()
        ]
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if "prompt" not in (reader.fieldnames or []):
            raise InputError(
                f"{name}: no 'prompt' column (found {reader.fieldnames or 'no header'})"
            )
        rows = [(n, row.get("prompt")) for n, row in enumerate(reader, start=2)]
    elif suffix in (".jsonl", ".ndjson"):
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{name} line {n}: not JSON ({exc.msg})") from exc
            if not isinstance(value, dict):
                raise InputError(f"{name} line {n}: expected an object with a 'prompt'")
            rows.append((n, value.get("prompt")))
    else:
        raise InputError(f"{name}: prompts must be a .csv, .jsonl or .txt file")
    prompts = []
    for n, value in rows:
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{name} line {n}: the prompt is missing or empty")
        prompts.append(Prompt(n, value.strip()))
    return prompts


def load_interventions(path: str | Path) -> list[Intervention]:
    """Interventions from a YAML file: a list of ``{name, system_prompt: {en, de, …}}``, or a
    mapping with that list under ``interventions``.

    Raises:
        StudyFileError: unreadable, not YAML, a bad entry (its index and key named), a name used
            twice, or no intervention.
    """
    path = Path(path)
    data = read_structured(path, "interventions file")
    if isinstance(data, dict) and "interventions" in data:
        data = data["interventions"]
    if not isinstance(data, list) or not data:
        raise StudyFileError(
            str(path), ["expected a list of interventions, each with name and system_prompt"]
        )
    problems: list[str] = []
    found: list[Intervention] = []
    for index, entry in enumerate(data):
        try:
            found.append(Intervention.model_validate(entry))
        except ValidationError as exc:
            problems += describe_validation_error(exc, f"[{index}]")
    names = [i.name for i in found]
    problems += [
        f"name {n!r} is used twice" for n in sorted({n for n in names if names.count(n) > 1})
    ]
    if problems:
        raise StudyFileError(str(path), problems)
    return found


def item_id(study_slug: str, prompt: str, intervention: str, language: str, model_id: str) -> str:
    """The id of the item a model's answer to ``prompt`` under ``intervention`` becomes."""
    return stable_id("item", study_slug, prompt, intervention, language, model_id)


def generate_items(
    store: Store,
    campaign_id: int,
    model: Model,
    selection: PromptSelection,
    interventions: list[Intervention],
    *,
    language: str = "en",
    params: SamplingParams | None = None,
    progress: Progress | None = None,
) -> ItemsOutcome:
    """Ask the model every kept prompt under every intervention and add the answers as items.

    Each answer is stored as soon as it comes (its own transaction), so a stopped run keeps
    what it made and the next run asks only for the rest.

    Args:
        language: which system prompt of each intervention is used; also the items' language.
        params: sampling settings (temperature, max_tokens, seed) for every call.
        progress: told about every answer (stage :data:`STAGE`).

    Raises:
        NotFoundError: no such campaign.
        InputError: no prompt passed the filter, or an intervention lacks ``language``.
        ModelUnavailableError: the model cannot be reached (what was stored stays).
    """
    if not selection.prompts:
        raise InputError(
            f"{selection.file}: none of its {selection.total} prompts contains a keyword"
        )
    missing = [i.name for i in interventions if language not in i.system_prompt]
    if missing:
        raise InputError(f"intervention(s) {missing} have no system prompt in {language!r}")
    campaign = get_campaign(store, campaign_id).campaign
    params = params or SamplingParams()
    held = set(campaign_item_ids(store, campaign_id))
    pairs = [(p, i) for p in selection.prompts for i in interventions]
    progress = progress or NoProgress()
    todo = [
        (p, i)
        for p, i in pairs
        if item_id(campaign.study_slug, p.text, i.name, language, model.model_id) not in held
    ]
    progress.stage_started(STAGE, len(pairs), len(pairs) - len(todo))
    added, failed = 0, []
    for prompt, intervention in todo:
        answer = model.ask(
            prompt.text,
            system=intervention.system_prompt[language] or None,
            params=params,
            purpose=f"campaign:{campaign_id}:items",
        )
        reason = None
        if answer.truncated:
            reason = f"cut off at max_tokens ({params.max_tokens})"
        elif not answer.text.strip():
            reason = "empty answer"
        if reason is None:
            added += extend_campaign(
                store,
                campaign_id,
                [
                    _item(
                        campaign.study_slug,
                        selection.file,
                        prompt,
                        intervention,
                        language,
                        model,
                        answer.text,
                    )
                ],
            )
        else:
            failed.append(FailedAnswer(prompt.row, intervention.name, reason))
        progress.task_done(STAGE, reason is None)
    return ItemsOutcome(added, len(pairs) - len(todo), failed)


def _item(
    study_slug: str,
    file: str,
    prompt: Prompt,
    intervention: Intervention,
    language: str,
    model: Model,
    response: str,
) -> ImportedItem:
    return ImportedItem(
        id=item_id(study_slug, prompt.text, intervention.name, language, model.model_id),
        prompt=prompt.text,
        response=response.strip(),
        context=intervention.name,
        source=(
            f"prompts:{file}#row={prompt.row}/intervention:{intervention.name}"
            f"/model:{model.model_id}/language:{language}"
        ),
        language=language,
    )
