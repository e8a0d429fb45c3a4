"""Helpers for the synthetic-data tests: the small test study and recipes written on the fly."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from coalign.study import StudyBundle, import_study, load_study_file

HERE = Path(__file__).parent
STUDY = HERE / "study.yaml"
RECIPE = HERE / "recipe.yaml"


def recipe_data(**changes: Any) -> dict[str, Any]:
    """The test recipe as a dict, with dotted-path changes (``stages.questions.per_cell=2``)."""
    data = yaml.safe_load(RECIPE.read_text())
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = copy.deepcopy(value)
    return data


def write_recipe(folder: Path, name: str = "recipe.yaml", **changes: Any) -> Path:
    """Write the test recipe (with ``a__b__c=value`` changes) to ``folder/name``."""
    path = folder / name
    path.write_text(yaml.safe_dump(recipe_data(**changes)))
    return path


@pytest.fixture
def bundle() -> StudyBundle:
    """The test study with seed ids filled in."""
    loaded = load_study_file(STUDY)
    slug = loaded.study.slug
    return StudyBundle(
        loaded.study,
        [s.with_id(slug) for s in loaded.seed_questions],
        [s.with_id(slug) for s in loaded.seed_examples],
    )


def import_test_study(store) -> StudyBundle:
    """Import the test study into ``store``."""
    return import_study(store, STUDY)
