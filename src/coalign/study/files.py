"""Study files: a study's design and seeds as YAML / JSONL that people edit and share.

A study file is YAML::

    study: {slug, title, deployment_context, system_prompt, dimensions, topics, question_types, …}
    seed_questions: [ {text, topic, question_type, …}, … ]   # or a path to a .jsonl/.yaml file
    seed_examples:  [ {question, misaligned_response, critique, aligned_response, dimensions}, … ]
    demographics_survey: [ {name, label, options, translations, …}, … ]   # or a path; optional

Without ``demographics_survey`` participants get the default survey
(:data:`coalign.participation.demographics.DEFAULT_SURVEY`).

Relative paths are read from the study file's folder. Every problem is reported with the path of
the bad key (``seed_examples[3].dimensions``) before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coalign.core.campaigns import DemographicQuestion, survey_problems
from coalign.core.errors import StudyFileError, describe_validation_error
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.core.study import Study

ModelT = TypeVar("ModelT", bound=BaseModel)
SURVEY_KEY = "demographics_survey"


@dataclass
class StudyBundle:
    """A study design with its seeds and its demographics survey, as read from files or the store.

    Attributes:
        demographics_survey: the study's own survey; ``None`` keeps the default survey.
    """

    study: Study
    seed_questions: list[SeedQuestion] = field(default_factory=list)
    seed_examples: list[SeedExample] = field(default_factory=list)
    demographics_survey: list[DemographicQuestion] | None = None


def read_structured(path: Path, where: str = "file") -> Any:
    """A YAML file's data, or a JSONL file's rows; ``where`` names the file in messages.

    Raises:
        StudyFileError: the file cannot be read or does not parse (line and column named).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StudyFileError(str(path), [f"{where}: cannot read file ({exc.strerror})"]) from exc
    if path.suffix == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise StudyFileError(str(path), [f"line {number}: not JSON ({exc.msg})"]) from exc
        return rows
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise StudyFileError(str(path), [f"{place}not valid YAML ({problem})"]) from exc


def _parse_list(
    value: Any, model: type[ModelT], key: str, base: Path, problems: list[str]
) -> list[ModelT]:
    if value is None:
        return []
    if isinstance(value, str):
        value = read_structured(base / value, key)
    if not isinstance(value, list):
        problems.append(f"{key}: expected a list or a file path, got {type(value).__name__}")
        return []
    parsed: list[ModelT] = []
    for index, entry in enumerate(value):
        try:
            parsed.append(model.model_validate(entry))
        except ValidationError as exc:
            problems.extend(describe_validation_error(exc, f"{key}[{index}]"))
    return parsed


def _check_references(bundle: StudyBundle, problems: list[str]) -> None:
    topics = {t.name for t in bundle.study.topics}
    types = {q.name for q in bundle.study.question_types}
    dims = {d.name for d in bundle.study.dimensions}
    for i, seed in enumerate(bundle.seed_questions):
        if topics and seed.topic not in topics:
            problems.append(
                f"seed_questions[{i}].topic: {seed.topic!r} is not a topic of the study"
            )
        if types and seed.question_type not in types:
            problems.append(
                f"seed_questions[{i}].question_type: {seed.question_type!r} is not a question type of the study"
            )
    for i, example in enumerate(bundle.seed_examples):
        for name in example.dimensions:
            if name not in dims:
                problems.append(
                    f"seed_examples[{i}].dimensions: {name!r} is not a dimension of the study"
                )


def load_study_file(path: str | Path) -> StudyBundle:
    """Read and validate a study file and the seed files it names.

    Raises:
        StudyFileError: with one line per problem, each naming the bad key.
    """
    path = Path(path)
    data = read_structured(path, "study file")
    if not isinstance(data, dict) or "study" not in data:
        raise StudyFileError(str(path), ["top level: expected a mapping with a 'study' key"])
    unknown = set(data) - {"study", "seed_questions", "seed_examples", SURVEY_KEY}
    problems = [f"{key}: unknown key" for key in sorted(unknown)]
    try:
        study = Study.model_validate(data["study"])
    except ValidationError as exc:
        raise StudyFileError(str(path), problems + describe_validation_error(exc, "study")) from exc
    bundle = StudyBundle(
        study=study,
        seed_questions=_parse_list(
            data.get("seed_questions"), SeedQuestion, "seed_questions", path.parent, problems
        ),
        seed_examples=_parse_list(
            data.get("seed_examples"), SeedExample, "seed_examples", path.parent, problems
        ),
    )
    if data.get(SURVEY_KEY) is not None:
        survey = _parse_list(
            data[SURVEY_KEY], DemographicQuestion, SURVEY_KEY, path.parent, problems
        )
        problems.extend(f"{SURVEY_KEY}{problem}" for problem in survey_problems(survey))
        bundle.demographics_survey = survey
    _check_references(bundle, problems)
    if problems:
        raise StudyFileError(str(path), problems)
    return bundle


def write_study_files(bundle: StudyBundle, folder: str | Path) -> list[Path]:
    """Write ``study.yaml`` plus ``seed_questions.jsonl`` and ``seed_examples.jsonl`` to ``folder``
    (the study's own demographics survey, if it has one, inside ``study.yaml``).

    The result reads back with :func:`load_study_file` to an equal bundle.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    questions, examples = folder / "seed_questions.jsonl", folder / "seed_examples.jsonl"
    design: dict[str, Any] = {
        "study": bundle.study.model_dump(mode="json"),
        "seed_questions": questions.name,
        "seed_examples": examples.name,
    }
    if bundle.demographics_survey is not None:
        design[SURVEY_KEY] = [
            q.model_dump(mode="json", exclude_defaults=True) for q in bundle.demographics_survey
        ]
    study_file = folder / "study.yaml"
    study_file.write_text(
        yaml.safe_dump(design, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    for target, rows in ((questions, bundle.seed_questions), (examples, bundle.seed_examples)):
        with target.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(
                    json.dumps(row.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
                    + "\n"
                )
    return [study_file, questions, examples]
