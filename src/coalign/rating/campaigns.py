"""Rating campaigns: reading item files, creating campaigns, reading them back, opening and closing.

A campaign is created in one transaction with its items and attention checks, so a bad file
or a bad setting leaves nothing behind.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from coalign.core.campaigns import (
    AttentionCheck,
    Campaign,
    CampaignStatus,
    DemographicQuestion,
    ImportedItem,
    Quota,
)
from coalign.core.errors import InputError, NotFoundError, describe_validation_error
from coalign.core.ids import stable_id
from coalign.core.items import Item
from coalign.core.participants import PREFER_NOT_TO_SAY
from coalign.participation.demographics import get_survey
from coalign.store import Store
from coalign.store.campaigns import (
    CampaignEntry,
    add_campaign,
    add_campaign_items,
    attention_checks_of,
    campaign_by_id,
    campaign_by_slug,
    campaign_id_by_slug,
    campaigns_newest_first,
    count_rateable_items,
    next_item_position,
    rateable_item_ids,
    study_slug_by_id,
)
from coalign.store.rating_tables import CampaignRow
from coalign.store.ratings import add_or_reuse_items
from coalign.store.runs import get_run, iter_records
from coalign.store.studies import load_study, study_row
from coalign.store.verdicts import accepted_records

MAX_ITEMS = 100_000
RESPONSE_FIELDS = ("misaligned_response", "aligned_response")
_CSV_FIELDS = {"id", "prompt", "response", "context", "source", "language"}


@dataclass(frozen=True)
class StoredCampaign:
    """A campaign as stored: its id, settings and how many real items it holds."""

    id: int
    campaign: Campaign
    item_count: int

    @property
    def is_open(self) -> bool:
        return self.campaign.status == "open"


def read_items(name: str, data: bytes) -> list[ImportedItem]:
    """Parse items from CSV (``prompt,response[,id,context,source,language,prompt_de,response_de…]``)
    or JSONL (one object per line, ``translations`` as ``{"de": {"prompt": …, "response": …}}``).

    Args:
        name: the file name; its suffix picks the format.
        data: the file's bytes (UTF-8).

    Raises:
        InputError: unknown format, not UTF-8, a bad line (named by its number), or no items.
    """
    suffix = Path(name).suffix.lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text") from exc
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        unknown = [
            c
            for c in reader.fieldnames or []
            if c not in _CSV_FIELDS and not c.startswith(("prompt_", "response_"))
        ]
        if unknown:
            raise InputError(f"{name}: unknown column(s) {unknown}; expected {sorted(_CSV_FIELDS)}")
        raw = [(line, _csv_item(row)) for line, row in enumerate(reader, start=2)]
    elif suffix in (".jsonl", ".ndjson"):
        raw = []
        for line, chunk in enumerate(text.splitlines(), start=1):
            if not chunk.strip():
                continue
            try:
                raw.append((line, json.loads(chunk)))
            except json.JSONDecodeError as exc:
                raise InputError(f"{name} line {line}: not JSON ({exc.msg})") from exc
    else:
        raise InputError(f"{name}: items must be a .csv or .jsonl file")
    items = []
    for line, value in raw:
        if not isinstance(value, dict):
            raise InputError(f"{name} line {line}: expected an object with prompt and response")
        try:
            items.append(ImportedItem.model_validate(value))
        except ValidationError as exc:
            raise InputError(
                f"{name} line {line}: " + "; ".join(describe_validation_error(exc))
            ) from exc
    if not items:
        raise InputError(f"{name}: no items found")
    if len(items) > MAX_ITEMS:
        raise InputError(f"{name}: {len(items)} items; at most {MAX_ITEMS} per campaign")
    return items


def items_from_run(
    store: Store, run_id: str, fields: tuple[str, ...] = RESPONSE_FIELDS
) -> list[ImportedItem]:
    """Items from a generation run's accepted records: the question with each chosen response.

    A response record without its own ``question`` takes its parent question record's text.
    Each item's ``source`` names the run, record and field, so ratings trace back to generation.

    Raises:
        NotFoundError: no such run.
        InputError: the run has no accepted record with a question and one of ``fields``.
    """
    run = get_run(store, run_id)
    questions = {
        r.id: r.data["question"]
        for r in iter_records(store, run.id, only_ok=True)
        if isinstance(r.data.get("question"), str)
    }
    items = []
    for record in accepted_records(store, run.id):
        question = record.data.get("question")
        if not isinstance(question, str):
            question = next((questions[p] for p in record.parents if p in questions), None)
        for name in fields:
            text = record.data.get(name)
            if question and isinstance(text, str) and text.strip():
                items.append(
                    ImportedItem(
                        id=stable_id("item", run.id, record.id, name),
                        prompt=question,
                        response=text,
                        source=f"run:{run.id}/record:{record.id}/{name}",
                    )
                )
    if not items:
        raise InputError(
            f"run {run.id} has no accepted records with a question and {' or '.join(fields)}"
        )
    return items


def _csv_item(row: dict[str, str | None]) -> dict[str, Any]:
    item: dict[str, Any] = {
        k: v for k, v in row.items() if k in _CSV_FIELDS and v not in (None, "")
    }
    translations: dict[str, dict[str, str]] = {}
    for key, value in row.items():
        if key and "_" in key and key.split("_", 1)[0] in ("prompt", "response") and value:
            field, language = key.split("_", 1)
            translations.setdefault(language, {})[field] = value
    if translations:
        item["translations"] = translations
    return item


def check_quotas(quotas: Sequence[Quota], survey: Sequence[DemographicQuestion]) -> None:
    """Refuse quotas that name a question the survey lacks or an answer it does not offer.

    Raises:
        InputError: naming the quota, its cell and the bad question or answer.
    """
    questions = {q.name: q for q in survey}
    for quota in quotas:
        for name in quota.questions:
            question = questions.get(name)
            if question is None or question.kind != "choice":
                raise InputError(
                    f"quotas: {quota.name}: {name!r} is not a choice question of the study's "
                    f"demographics survey (it has {', '.join(questions)})"
                )
        for index, cell in enumerate(quota.cells):
            for name, answer in cell.answers.items():
                offered = [*questions[name].all_options(), PREFER_NOT_TO_SAY]
                if answer not in offered:
                    raise InputError(
                        f"quotas: {quota.name}: cells[{index}].answers.{name}: {answer!r} is "
                        f"not an option (options: {', '.join(offered)})"
                    )


def create_campaign(store: Store, campaign: Campaign, items: list[ImportedItem]) -> StoredCampaign:
    """Store a campaign with its items and attention checks, all or nothing.

    Items already in the store (same id) are reused; an id that exists with other text is refused.
    A campaign may start without items and get them later (:func:`extend_campaign`); until
    then, everyone who arrives finds it full.

    Raises:
        NotFoundError: the study does not exist.
        InputError: a dimension the study lacks, a clashing item id, a slug in use, or a quota
            on a question or answer the study's demographics survey lacks.
    """
    if campaign.quotas:
        check_quotas(campaign.quotas, get_survey(store, campaign.study_slug))
    with store.session() as session:
        study = load_study(session, campaign.study_slug)
        known = [d.name for d in study.dimensions]
        missing = [d for d in campaign.dimensions if d not in known]
        if missing:
            raise InputError(
                f"dimension(s) {missing} are not in study {study.slug!r} (it has {known})"
            )
        sid = study_row(session, study.slug).id
        if campaign_id_by_slug(session, sid, campaign.slug) is not None:
            raise InputError(f"study {study.slug!r} already has a campaign {campaign.slug!r}")
        row = add_campaign(session, sid, campaign)
        stored = _store_items(session, study.slug, items)
        entries: dict[str, CampaignEntry] = {}
        for position, (item, imported) in enumerate(zip(stored, items)):
            if item.id not in entries:  # the first of two items with one id keeps its place
                entries[item.id] = CampaignEntry(item.id, position, imported.translations)
        add_campaign_items(session, row.id, entries.values())
        checks = [
            ImportedItem(
                id=stable_id(
                    "att", study.slug, campaign.slug, c.prompt, c.response, c.expected_value
                ),
                prompt=c.prompt,
                response=c.response,
                source=f"attention-check:{campaign.slug}",
            )
            for c in campaign.attention_checks
        ]
        placed = zip(_store_items(session, study.slug, checks), campaign.attention_checks)
        add_campaign_items(
            session,
            row.id,
            [
                CampaignEntry(
                    item.id,
                    position,
                    check.translations,
                    kind="attention",
                    expected_value=check.expected_value,
                )
                for position, (item, check) in enumerate(placed)
            ],
        )
        return _stored(session, row)


def extend_campaign(store: Store, campaign_id: int, items: list[ImportedItem]) -> int:
    """Place more items in an existing campaign, after its last item, all or nothing.

    Items the campaign holds already (same id) are left where they are, so adding the same
    items twice adds them once. Returns how many were added.

    Raises:
        NotFoundError: no such campaign.
        InputError: an id that exists with other text.
    """
    with store.session() as session:
        row = campaign_row(session, campaign_id)
        slug = study_slug_by_id(session, row.study_id)
        assert slug is not None  # a campaign's study is deleted with it
        held = set(rateable_item_ids(session, campaign_id))
        position = next_item_position(session, campaign_id)
        entries: dict[str, CampaignEntry] = {}
        for item, imported in zip(_store_items(session, slug, items), items):
            if item.id not in held and item.id not in entries:
                entries[item.id] = CampaignEntry(item.id, position, imported.translations)
                position += 1
        add_campaign_items(session, campaign_id, entries.values())
        return len(entries)


def _store_items(session: Session, slug: str, items: list[ImportedItem]) -> list[Item]:
    """Items with their ids; new ones are added, an existing id must hold the same text."""
    result = [
        Item(
            id=i.id or stable_id("item", slug, i.prompt, i.response),
            study_slug=slug,
            prompt=i.prompt,
            response=i.response,
            context=i.context,
            source=i.source,
            language=i.language,
        )
        for i in items
    ]
    add_or_reuse_items(session, result)  # flushed: items before the rows that point at them
    return result


def _stored(session: Session, row: CampaignRow) -> StoredCampaign:
    study_slug = study_slug_by_id(session, row.study_id)
    checks = attention_checks_of(session, row.id)
    count = count_rateable_items(session, row.id)
    campaign = Campaign(
        slug=row.slug,
        study_slug=study_slug,
        title=row.title,
        status=row.status,
        dimensions=row.dimensions,
        questions=row.questions,
        items_per_participant=row.items_per_participant,
        target_ratings=row.target_ratings,
        min_seconds_per_item=row.min_seconds_per_item,
        attention_positions=row.attention_positions,
        attention_checks=[
            AttentionCheck(
                prompt=i.prompt,
                response=i.response,
                expected_value=c.expected_value,
                translations=c.translations,
            )
            for c, i in checks
        ],
        completion_code=row.completion_code,
        screened_out_code=row.screened_out_code,
        full_code=row.full_code,
        quotas=row.quotas,
        quota_full_code=row.quota_full_code,
        completion_url=row.completion_url,
        title_translations=row.title_translations,
        translations=row.translations,
    )
    return StoredCampaign(id=row.id, campaign=campaign, item_count=count)


def campaign_row(session: Session, campaign_id: int) -> CampaignRow:
    """The row of campaign ``campaign_id``.

    Raises:
        NotFoundError: no such campaign.
    """
    row = campaign_by_id(session, campaign_id)
    if row is None:
        raise NotFoundError(f"no campaign {campaign_id}")
    return row


def get_campaign(store: Store, campaign_id: int) -> StoredCampaign:
    """Campaign ``campaign_id`` with its settings.

    Raises:
        NotFoundError: no such campaign.
    """
    with store.read() as session:
        return _stored(session, campaign_row(session, campaign_id))


def find_campaign(store: Store, study_slug: str, slug: str) -> StoredCampaign:
    """The campaign ``slug`` of study ``study_slug``.

    Raises:
        NotFoundError: no such study or campaign.
    """
    with store.read() as session:
        sid = study_row(session, study_slug).id
        row = campaign_by_slug(session, sid, slug)
        if row is None:
            raise NotFoundError(f"study {study_slug!r} has no campaign {slug!r}")
        return _stored(session, row)


def resolve_campaign(store: Store, name: str) -> StoredCampaign:
    """The campaign a user names as ``SLUG`` or ``STUDY/SLUG``.

    Raises:
        NotFoundError: no such campaign (or study).
        InputError: ``SLUG`` alone is used by more than one study.
    """
    study_slug, slash, slug = name.strip().rpartition("/")
    if slash:
        return find_campaign(store, study_slug, slug)
    matches = [c for c in list_campaigns(store) if c.campaign.slug == slug]
    if not matches:
        raise NotFoundError(f"no rating campaign {slug!r}")
    if len(matches) > 1:
        raise InputError(f"campaign {slug!r} exists in more than one study; name it STUDY/{slug}")
    return matches[0]


def campaign_item_ids(store: Store, campaign_id: int) -> list[str]:
    """The ids of a campaign's rateable items (attention checks left out)."""
    with store.read() as session:
        return rateable_item_ids(session, campaign_id)


def list_campaigns(store: Store) -> list[StoredCampaign]:
    """Every campaign, newest first."""
    with store.read() as session:
        return [_stored(session, row) for row in campaigns_newest_first(session)]


def set_campaign_status(store: Store, campaign_id: int, status: CampaignStatus) -> None:
    """Open or close a campaign; a closed campaign accepts no joins, drafts or submits.

    Raises:
        NotFoundError: no such campaign.
        InputError: an unknown status.
    """
    if status not in ("open", "closed"):
        raise InputError(f"status must be open or closed, not {status!r}")
    with store.session() as session:
        campaign_row(session, campaign_id).status = status
