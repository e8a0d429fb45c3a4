"""The datathon, CALMA and diary examples (reference studies 000, 004, 001) validate and import
with the one command examples/README.md gives, on both engines; a demo refuses names it lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.core.errors import InputError
from coalign.demo import EXAMPLE_FLOWS, run_example_demo
from coalign.store import Store
from coalign.store.studies import get_study, study_counts
from coalign.study import load_study_file

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize("example", sorted(EXAMPLE_FLOWS))
def test_example_validates_and_imports_with_one_command(store: Store, example: str) -> None:
    path = EXAMPLES / example / "study.yaml"
    bundle = load_study_file(path)  # the design validates, seeds included
    assert run(["--db", store.url, "study", "import", str(path)]) == 0
    study = get_study(store, bundle.study.slug)
    counts = study_counts(store, study.slug)
    assert counts["seed_questions"] == len(bundle.seed_questions)
    assert counts["seed_examples"] == len(bundle.seed_examples)
    assert study.dimensions and study.deployment_context
    assert run(["--db", store.url, "study", "import", str(path)]) == 0  # again: no change
    assert study_counts(store, study.slug) == counts


def test_each_example_has_the_shape_of_its_reference_study() -> None:
    datathon = load_study_file(EXAMPLES / "datathon" / "study.yaml")
    assert [d.name for d in datathon.study.dimensions] == [
        "fairness",
        "safety",
        "productivity",
        "explainability",
    ]
    assert len(datathon.study.topics) == 6 and len(datathon.study.question_types) >= 6
    assert {e.dimensions[0] for e in datathon.seed_examples} == {
        d.name for d in datathon.study.dimensions
    }
    calma = load_study_file(EXAMPLES / "calma" / "study.yaml").study
    assert calma.training is not None and calma.training.pass_mark
    training_text = str(calma.training.context).casefold()
    assert "garden" in training_text and "housing" not in training_text  # an unrelated context
    diary = load_study_file(EXAMPLES / "diary" / "study.yaml")
    assert diary.study.training is None and not diary.seed_questions


def test_an_unknown_example_name_is_refused_before_anything_runs(tmp_path: Path, capsys) -> None:
    with pytest.raises(InputError, match="no example study called 'workshop'.*datathon"):
        run_example_demo("workshop", tmp_path / "demo")
    assert not (tmp_path / "demo").exists()
    assert run(["demo", "--study", "nosuch", "--out", str(tmp_path / "d")]) != 0
    err = capsys.readouterr().err
    assert "no such file, and not a shipped example" in err and "calma" in err
