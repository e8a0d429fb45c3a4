"""Moving studies between files and the store, in one transaction each way."""

from __future__ import annotations

from pathlib import Path

from pydantic import TypeAdapter

from coalign.core.campaigns import DemographicQuestion
from coalign.store import Store
from coalign.store.participation import replace_survey, survey_questions
from coalign.store.seeds import (
    list_seed_examples,
    list_seed_questions,
    save_seed_examples,
    save_seed_questions,
)
from coalign.store.studies import get_study, save_study, study_row
from coalign.study.files import StudyBundle, load_study_file, write_study_files

_SURVEY = TypeAdapter(list[DemographicQuestion])


def import_bundle(store: Store, bundle: StudyBundle) -> StudyBundle:
    """Write a study, its seeds and its demographics survey (if the bundle has one); all or
    nothing. Re-importing the same bundle changes nothing.

    Returns:
        The bundle with seed ids filled in.
    """
    slug = bundle.study.slug
    with store.session() as session:
        save_study(session, bundle.study)
        save_seed_questions(session, slug, bundle.seed_questions)
        save_seed_examples(session, slug, bundle.seed_examples)
        if bundle.demographics_survey is not None:
            replace_survey(
                session,
                study_row(session, slug).id,
                [q.model_dump() for q in bundle.demographics_survey],
            )
    return StudyBundle(
        study=bundle.study,
        seed_questions=[s.with_id(slug) for s in bundle.seed_questions],
        seed_examples=[s.with_id(slug) for s in bundle.seed_examples],
        demographics_survey=bundle.demographics_survey,
    )


def import_study(store: Store, path: str | Path) -> StudyBundle:
    """Validate a study file fully, then import it (nothing is written if any check fails)."""
    return import_bundle(store, load_study_file(path))


def read_bundle(store: Store, slug: str) -> StudyBundle:
    """A study with all its seeds, whatever their status, and its own survey if it set one."""
    with store.read() as session:
        survey = survey_questions(session, study_row(session, slug).id)
    return StudyBundle(
        study=get_study(store, slug),
        seed_questions=list_seed_questions(store, slug, status=None),
        seed_examples=list_seed_examples(store, slug, status=None),
        demographics_survey=None if survey is None else _SURVEY.validate_python(survey),
    )


def export_study(store: Store, slug: str, folder: str | Path) -> list[Path]:
    """Write a stored study and its seeds as files that :func:`import_study` reads back."""
    return write_study_files(read_bundle(store, slug), folder)
