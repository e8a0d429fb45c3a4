"""Reading a ratings file through its mapping: the checked content, or every problem with its line
and column.

The file is a CSV (or TSV) in long format (one row per rating: item, rater, dimension, value) or
wide format (one row per item and rater, one column per dimension), with item texts and the
raters' demographic columns; the mapping (:class:`coalign.core.imports.RatingImportMapping`)
says which column is which. :mod:`coalign.rating.imports` stores what this module reads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from coalign.core.errors import InputError, StudyFileError, describe_validation_error
from coalign.core.ids import stable_id
from coalign.core.imports import RatingImportMapping
from coalign.core.items import Item
from coalign.core.participants import normalise_answer
from coalign.core.study import Study
from coalign.participation.access import crowd_participant_id
from coalign.study.files import read_structured

#: How many problems one error lists before it says how many more there are.
MAX_PROBLEMS = 10
_SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}


@dataclass
class Problems:
    """Problems found so far, each naming its line and column; raised together."""

    where: str
    lines: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, column: str | None, message: str) -> None:
        """Note a problem at ``line`` (1 is the header) and ``column`` (``None``: the whole row)."""
        self.count += 1
        if len(self.lines) < MAX_PROBLEMS:
            place = f"line {line}" + (f", column {column!r}" if column else "")
            self.lines.append(f"{place}: {message}")

    def raise_if_any(self) -> None:
        """Raise :class:`StudyFileError` listing the problems, if there are any."""
        if self.count:
            more = self.count - len(self.lines)
            tail = [f"… and {more} more problem(s)"] if more else []
            raise StudyFileError(self.where, [*self.lines, *tail, "nothing was imported"])


@dataclass
class GivenAnswer:
    """A rater's demographic answer (recoded, normalised) and where the file first gave it."""

    line: int
    column: str
    answer: str


@dataclass
class GivenRating:
    """A rating value (recoded, on the dimension's scale) and the line and column that gave it."""

    line: int
    column: str
    value: int


@dataclass
class RatingsFile:
    """The checked content of a ratings file, keyed by the file's own item and rater ids."""

    items: dict[str, tuple[int, Item]] = field(default_factory=dict)
    raters: dict[str, str] = field(default_factory=dict)  # file id → participant id
    answers: dict[str, dict[str, GivenAnswer]] = field(default_factory=dict)
    ratings: dict[tuple[str, str, str], GivenRating] = field(default_factory=dict)


def load_import_mapping(path: str | Path) -> RatingImportMapping:
    """Read and check a mapping file (YAML).

    Raises:
        StudyFileError: the file cannot be read, is not YAML, or has bad keys (each named).
    """
    path = Path(path)
    data = read_structured(path, "mapping file")
    if not isinstance(data, dict):
        raise StudyFileError(str(path), ["expected a mapping with study, columns and dimensions"])
    try:
        return RatingImportMapping.model_validate(data)
    except ValidationError as exc:
        raise StudyFileError(str(path), describe_validation_error(exc)) from exc


def dimension_scales(study: Study, mapping: RatingImportMapping, where: str) -> dict[str, int]:
    """Scale points of each mapped dimension; every one must be in the study's design."""
    known = [d.name for d in study.dimensions]
    missing = [d for d in mapping.dimensions.values() if d not in known]
    if missing:
        raise InputError(
            f"{where}: dimension(s) {missing} are not in study {study.slug!r} (it has {known}); "
            f"add them to the study's design: `coalign study export {study.slug} DIR`, add each "
            "under dimensions in DIR/study.yaml (name, definition, scale_labels), then "
            "`coalign study import DIR/study.yaml`; or map the file's dimension to one the study has"
        )
    return {name: len(study.dimension(name).scale_labels) for name in mapping.dimensions.values()}


def _rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header of a CSV/TSV file and its non-blank rows, each with the line it starts on."""
    separator = _SEPARATORS.get(path.suffix.lower())
    if separator is None:
        raise InputError(f"{path}: ratings must be a .csv or .tsv file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        raise InputError(f"{path} line 1: not valid CSV ({exc})") from exc
    if not any(header):
        raise InputError(f"{path}: empty file (no header row)")
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise InputError(f"{path} line 1: column(s) {twice} appear twice in the header")

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"{path} line {start}: not valid CSV ({exc})") from exc
            if any(cell.strip() for cell in row):
                yield start, row

    return header, rows()


def read_ratings_file(
    path: Path, mapping: RatingImportMapping, study: Study, scales: dict[str, int], dataset: str
) -> RatingsFile:
    """Read and check a whole ratings file; nothing of the store is read.

    Args:
        scales: scale points per study dimension (from :func:`dimension_scales`).
        dataset: the data set's name, from which item and rater ids derive.

    Raises:
        StudyFileError: every problem found (up to :data:`MAX_PROBLEMS`), each with its line
            and column: a column the header lacks, an empty id or text, a dimension the
            mapping lacks, a value off its scale, a rating given twice, two answers of one
            rater to one question, or two texts for one item id.
        InputError: not a CSV/TSV file, unreadable, not UTF-8, or malformed CSV.
    """
    header, rows = _rows(path)
    problems = Problems(str(path))
    cols = mapping.columns
    missing = [c for c in mapping.file_columns if c not in header]
    for column in missing:
        problems.add(1, column, f"no such column in the header (it has {header})")
    problems.raise_if_any()
    index = {name: i for i, name in enumerate(header)}
    parsed = RatingsFile()
    for line, row in rows:
        if len(row) != len(header):
            problems.add(line, None, f"{len(row)} cells, but the header has {len(header)}")
            continue

        def cell(column: str, row: list[str] = row) -> str:
            return row[index[column]].strip()

        for column in (cols.item, cols.rater, cols.prompt, cols.response):
            if not cell(column):
                problems.add(
                    line, column, "empty; every row needs an item, rater, prompt and response"
                )
        item_key, rater = cell(cols.item), cell(cols.rater)
        if not (item_key and rater and cell(cols.prompt) and cell(cols.response)):
            continue
        _read_item(parsed, problems, line, item_key, cell, mapping, study, dataset)
        parsed.raters.setdefault(rater, _participant_id(study.slug, dataset, rater, mapping))
        for column, question in mapping.demographics.items():
            answer = normalise_answer(_recode(mapping, column, cell(column)))
            if not answer:
                continue  # not answered: no row, as in coalign's own survey
            given = parsed.answers.setdefault(rater, {}).setdefault(
                question, GivenAnswer(line, column, answer)
            )
            if given.answer != answer:
                problems.add(
                    line,
                    column,
                    f"rater {rater!r} answers {answer!r} here but {given.answer!r} on line "
                    f"{given.line}; one rater has one answer per question",
                )
        if mapping.long_format:
            assert cols.dimension is not None and cols.value is not None
            label = cell(cols.dimension)
            dimension = mapping.dimensions.get(label)
            if dimension is None:
                problems.add(
                    line,
                    cols.dimension,
                    f"{label!r} is not among the mapping's dimensions {sorted(mapping.dimensions)}; "
                    "add it under dimensions in the mapping",
                )
                continue
            cells = [(cols.value, dimension, True)]
        else:
            cells = [(column, dim, False) for column, dim in mapping.dimensions.items()]
        for column, dimension, required in cells:
            raw = _recode(mapping, column, cell(column))
            if not raw and not required:
                continue  # wide format: this rater did not rate this dimension
            value = _value(problems, line, column, raw, dimension, scales[dimension])
            if value is None:
                continue
            key = (rater, item_key, dimension)
            first = parsed.ratings.setdefault(key, GivenRating(line, column, value))
            if first.line != line:
                problems.add(
                    line,
                    column,
                    f"rater {rater!r} rated item {item_key!r} on {dimension} already on line "
                    f"{first.line}; keep one rating per rater, item and dimension",
                )
    if not parsed.ratings and not problems.count:
        problems.add(1, None, "no ratings found")
    problems.raise_if_any()
    return parsed


def _read_item(
    parsed: RatingsFile,
    problems: Problems,
    line: int,
    key: str,
    cell: Callable[[str], str],
    mapping: RatingImportMapping,
    study: Study,
    dataset: str,
) -> None:
    """Record the row's item, or check it against the item's first row (``cell``: a column's
    trimmed text in this row)."""
    cols = mapping.columns
    optional = {
        name: cell(column) or None
        for name, column in (
            ("context", cols.context),
            ("language", cols.language),
            ("source", cols.source),
        )
        if column is not None
    }
    language = optional.get("language") or study.languages[0]
    if len(language) > 16:
        problems.add(line, cols.language, f"{language!r} is not a language code")
        return
    item = Item(
        id=stable_id("item", study.slug, "import", dataset, key),
        study_slug=study.slug,
        prompt=cell(cols.prompt),
        response=cell(cols.response),
        context=optional.get("context"),
        source=optional.get("source") or f"import:{dataset}/item:{key}",
        language=language,
    )
    first_line, first = parsed.items.setdefault(key, (line, item))
    if first_line == line:
        return
    for name in ("prompt", "response", "context", "language", "source"):
        if getattr(first, name) != getattr(item, name):
            problems.add(
                line,
                getattr(cols, name),
                f"item {key!r} has another {name} than on line {first_line}; rows with one "
                "item id must hold the same item",
            )


def _participant_id(study: str, dataset: str, rater: str, mapping: RatingImportMapping) -> str:
    """The pseudonymous participant id of a rater of the data set."""
    if mapping.crowd_ids:
        return crowd_participant_id(study, rater)
    return stable_id("p", study, "import", dataset, rater)


def _recode(mapping: RatingImportMapping, column: str, value: str) -> str:
    return mapping.recode.get(column, {}).get(value, value).strip()


def _value(
    problems: Problems, line: int, column: str, raw: str, dimension: str, points: int
) -> int | None:
    """The rating in ``raw`` as a scale point 1..``points``, or ``None`` after noting why not."""
    if not raw:
        problems.add(line, column, f"empty; every row needs a rating on {dimension}")
        return None
    try:
        number = float(raw)
    except ValueError:
        problems.add(
            line, column, f"{raw!r} is not a rating (a whole number, or recode it in the mapping)"
        )
        return None
    if not number.is_integer() or not 1 <= number <= points:
        problems.add(
            line,
            column,
            f"{raw} is off {dimension}'s scale: a whole number from 1 to {points} "
            "(recode the file's values in the mapping if its scale differs)",
        )
        return None
    return int(number)


__all__ = [
    "MAX_PROBLEMS",
    "GivenAnswer",
    "GivenRating",
    "Problems",
    "RatingsFile",
    "dimension_scales",
    "load_import_mapping",
    "read_ratings_file",
]
