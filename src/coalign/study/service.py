"""Moving studies between files and the store, in one transaction each way."""

from __future__ import annotations

from pathlib import Path

from coalign.store import Store
from coalign.store.seeds import (
    list_seed_examples,
    list_seed_questions,
    save_seed_examples,
    save_seed_questions,
)
from coalign.store.studies import get_study, save_study
from coalign.study.files import StudyBundle, load_study_file, write_study_files


def import_bundle(store: Store, bundle: StudyBundle) -> StudyBundle:
    """Write a study and its seeds; all or nothing. Re-importing the same bundle changes nothing.

    Returns:
        The bundle with seed ids filled in.
    """
    slug = bundle.study.slug
    with store.session() as session:
        save_study(session, bundle.study)
        save_seed_questions(session, slug, bundle.seed_questions)
        save_seed_examples(session, slug, bundle.seed_examples)
    return StudyBundle(
        study=bundle.study,
        seed_questions=[s.with_id(slug) for s in bundle.seed_questions],
        seed_examples=[s.with_id(slug) for s in bundle.seed_examples],
    )


def import_study(store: Store, path: str | Path) -> StudyBundle:
    """Validate a study file fully, then import it (nothing is written if any check fails)."""
    return import_bundle(store, load_study_file(path))


def read_bundle(store: Store, slug: str) -> StudyBundle:
    """A study with all its seeds, whatever their status."""
    return StudyBundle(
        study=get_study(store, slug),
        seed_questions=list_seed_questions(store, slug, status=None),
        seed_examples=list_seed_examples(store, slug, status=None),
    )


def export_study(store: Store, slug: str, folder: str | Path) -> list[Path]:
    """Write a stored study and its seeds as files that :func:`import_study` reads back."""
    return write_study_files(read_bundle(store, slug), folder)
