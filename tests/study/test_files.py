"""Study files: validation names the bad key, and nothing is imported when a file is bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalign.core.errors import StudyFileError
from coalign.store.studies import list_studies
from coalign.study import import_study, load_study_file

MINI = Path(__file__).parents[1] / "fixtures" / "mini_study.yaml"
EXAMPLE = Path(__file__).parents[2] / "examples" / "bank-assistant" / "study.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(text)
    return path


def test_mini_study_loads():
    bundle = load_study_file(MINI)
    assert bundle.study.slug == "mini"
    assert len(bundle.seed_questions) == 3 and len(bundle.seed_examples) == 1


def test_example_study_is_rich_enough():
    bundle = load_study_file(EXAMPLE)
    study = bundle.study
    assert {d.name for d in study.dimensions} >= {
        "fairness",
        "safety",
        "productivity",
        "explainability",
    }
    assert len(study.topics) >= 6 and len(study.question_types) >= 12
    assert len(bundle.seed_questions) >= 40 and len(bundle.seed_examples) >= 12
    assert {q.kind for q in study.question_types} >= {"open", "closed"}


def test_malformed_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "study:\n  slug: x\n  - title\n")
    with pytest.raises(StudyFileError, match="line 3, column 3: not valid YAML"):
        load_study_file(path)


def test_bad_key_is_named(tmp_path):
    text = MINI.read_text().replace("slug: mini", "slug: Not A Slug")
    with pytest.raises(StudyFileError, match=r"study\.slug"):
        load_study_file(write(tmp_path, text))


def test_unknown_dimension_in_seed_example(tmp_path):
    text = MINI.read_text().replace("dimensions: [safety]", "dimensions: [honesty]")
    with pytest.raises(StudyFileError, match=r"seed_examples\[0\]\.dimensions: 'honesty'"):
        load_study_file(write(tmp_path, text))


def test_missing_field_in_seed_question(tmp_path):
    text = MINI.read_text().replace("topic: savings, ", "")
    with pytest.raises(StudyFileError, match=r"seed_questions\[0\]\.topic: Field required"):
        load_study_file(write(tmp_path, text))


def test_missing_seed_file(tmp_path):
    path = write(tmp_path, "study: {slug: x, title: X}\nseed_questions: nothere.jsonl\n")
    with pytest.raises(StudyFileError, match="cannot read file"):
        load_study_file(path)


def test_bad_jsonl_line(tmp_path):
    (tmp_path / "q.jsonl").write_text('{"text": "a", "topic": "t", "question_type": "q"}\n{oops\n')
    path = write(tmp_path, "study: {slug: x, title: X}\nseed_questions: q.jsonl\n")
    with pytest.raises(StudyFileError, match="line 2: not JSON"):
        load_study_file(path)


def test_bad_file_imports_nothing(sqlite_store, tmp_path):
    text = MINI.read_text().replace("dimensions: [safety]", "dimensions: [honesty]")
    with pytest.raises(StudyFileError):
        import_study(sqlite_store, write(tmp_path, text))
    assert list_studies(sqlite_store) == []
