"""Rating campaigns from files: the settings as YAML, the items from CSV/JSONL or a generation run.

A campaign file holds the fields of :class:`coalign.core.campaigns.Campaign`, translations
included, e.g.::

    slug: pilot
    study_slug: bank-assistant
    title: Rate the assistant's answers
    title_translations: {de: Bewerten Sie die Antworten des Assistenten}
    dimensions: [fairness, safety]
    items_per_participant: 10
    target_ratings: 5
    completion_code: PILOT-DONE
    screened_out_code: PILOT-NOCONSENT
    full_code: PILOT-FULL
    translations:
      de: {fairness: {name: Fairness, definition: "…", scale_labels: ["…", "…", "…", "…", "…"]}}

Every problem is reported with the path of its key before anything is stored.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from coalign.core.campaigns import Campaign
from coalign.core.errors import InputError, StudyFileError, describe_validation_error
from coalign.rating.campaigns import StoredCampaign, create_campaign, items_from_run, read_items
from coalign.store import Store
from coalign.study.files import read_structured


def load_campaign_file(path: str | Path) -> Campaign:
    """Read and check a campaign settings file (YAML).

    Raises:
        StudyFileError: the file cannot be read, is not YAML, or has bad keys (each named).
    """
    path = Path(path)
    data = read_structured(path, "campaign file")
    if not isinstance(data, dict):
        raise StudyFileError(
            str(path), ["expected a mapping of campaign settings (slug, study_slug, …)"]
        )
    try:
        return Campaign.model_validate(data)
    except ValidationError as exc:
        raise StudyFileError(str(path), describe_validation_error(exc)) from exc


def create_campaign_from_files(
    store: Store,
    settings: str | Path,
    *,
    items: str | Path | None = None,
    run_id: str | None = None,
) -> StoredCampaign:
    """Create a campaign from a settings file and an items file, a run's accepted records, or no
    items yet (to add them later, e.g. generated from prompts × interventions).

    Raises:
        InputError: both item sources given, an unreadable or invalid file, or a campaign the
            store refuses (unknown study or dimension, slug taken, …).
    """
    if items is not None and run_id is not None:
        raise InputError("give the items as a CSV/JSONL file or as a generation run, not both")
    campaign = load_campaign_file(settings)
    rows = []
    if run_id is not None:
        rows = items_from_run(store, run_id)
    elif items is not None:
        path = Path(str(items))
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from exc
        rows = read_items(path.name, data)
    return create_campaign(store, campaign, rows)
