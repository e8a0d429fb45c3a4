"""Rating data sets collected elsewhere, imported into a study: items, raters, demographics, ratings.

A ratings file (CSV or TSV) in long format (one row per rating: item, rater, dimension, value)
or wide format (one row per item and rater, one column per dimension) is read through a mapping
file (YAML, :class:`coalign.core.imports.RatingImportMapping`), e.g.::

    study: aligniverse
    dataset: aligniverse-2024        # ids derive from it (default: the file's name)
    campaign: {slug: imported}       # optional: the campaign the items form
    columns: {item: item_id, prompt: prompt, response: response, context: instruction,
              rater: worker, dimension: dimension, value: rating}
    dimensions: {toxic: toxicity, helpful: helpfulness}   # file label → study dimension
    demographics: {gender: gender, age: age_band}         # file column → question
    recode: {gender: {f: woman, m: man}}

Raters become pseudonymous participants of the study whose data-set id is kept in
``external_ids`` (as a crowd id, ``PROLIFIC_PID``, with ``crowd_ids: true``); demographic answers
are kept as given, every spelling of "prefer not to say" made one. Ids derive from the study,
the data set and the file's own ids, so importing a file again changes nothing. The whole file
is checked first (each problem names its line and column) and written in one transaction, or
not at all. Raters who withdrew from the study are left out: importing again must not bring
back what they asked to delete.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from coalign.core.campaigns import Campaign
from coalign.core.errors import InputError, StudyFileError, describe_validation_error
from coalign.core.ids import stable_id
from coalign.core.imports import RatingImportMapping
from coalign.core.items import Item, Rating
from coalign.core.participants import DemographicAnswer, normalise_answer
from coalign.core.study import Study
from coalign.participation.access import crowd_participant_id
from coalign.store import Store
from coalign.store.campaigns import (
    CampaignEntry,
    add_campaign,
    add_campaign_items,
    attention_check_ids,
    campaign_by_slug,
    enroll,
    enrollment_of,
    rateable_item_ids,
)
from coalign.store.participation import (
    add_demographic_answers,
    add_participant,
    demographic_answers_of,
    participant_by_id,
)
from coalign.store.ratings import add_or_reuse_items, add_ratings, item_by_id, ratings_of
from coalign.store.studies import load_study, study_row
from coalign.store.tables import utcnow
from coalign.store.withdrawal import withdrawals_of
from coalign.study.files import read_structured

#: How many problems one error lists before it says how many more there are.
MAX_PROBLEMS = 20
#: The code an imported campaign shows: nobody joins it, its raters took part elsewhere.
IMPORTED_CODE = "IMPORTED"
_SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}


@dataclass(frozen=True)
class ImportSummary:
    """What an import found in the file and what it added to the store.

    Attributes:
        items / raters / ratings / answers: how many the file holds (raters who withdrew and
            their rows left out); ``new_…``: how many of those were not stored before.
        withdrawn: raters left out because they withdrew from the study.
        campaign: ``STUDY/SLUG`` of the campaign the items form, if the mapping names one.
    """

    study: str
    dataset: str
    dimensions: list[str]
    questions: list[str]
    items: int
    new_items: int
    raters: int
    new_raters: int
    ratings: int
    new_ratings: int
    answers: int
    new_answers: int
    withdrawn: int = 0
    campaign: str | None = None

    @property
    def changed(self) -> bool:
        """Whether the import added anything."""
        return any((self.new_items, self.new_raters, self.new_ratings, self.new_answers))


@dataclass
class _Problems:
    """Problems found so far, each naming its line and column; raised together."""

    where: str
    lines: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, column: str | None, message: str) -> None:
        self.count += 1
        if len(self.lines) < MAX_PROBLEMS:
            place = f"line {line}" + (f", column {column!r}" if column else "")
            self.lines.append(f"{place}: {message}")

    def raise_if_any(self) -> None:
        if self.count:
            more = self.count - len(self.lines)
            tail = [f"… and {more} more problem(s)"] if more else []
            raise StudyFileError(self.where, [*self.lines, *tail, "nothing was imported"])


@dataclass
class _Answer:
    line: int
    column: str
    answer: str


@dataclass
class _Value:
    line: int
    column: str
    value: int


@dataclass
class _Parsed:
    """The checked content of a ratings file, keyed by the file's own item and rater ids."""

    items: dict[str, tuple[int, Item]] = field(default_factory=dict)
    raters: dict[str, str] = field(default_factory=dict)  # file id → participant id
    answers: dict[str, dict[str, _Answer]] = field(default_factory=dict)
    ratings: dict[tuple[str, str, str], _Value] = field(default_factory=dict)


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


def import_ratings(
    store: Store, data: str | Path, mapping: str | Path | RatingImportMapping
) -> ImportSummary:
    """Import a ratings file into the study its mapping names, all or nothing.

    Args:
        data: the ratings file (``.csv``, or ``.tsv`` / ``.tab`` with tabs).
        mapping: the mapping file, or the mapping itself.

    Raises:
        StudyFileError: a bad mapping, or a file with bad rows (each problem names its line
            and column): a missing cell or column, a dimension the mapping lacks, a value
            off the dimension's scale, a rating or answer given twice with two values, an
            item id with two prompts, or content that contradicts what is stored.
        InputError: a dimension the study's design lacks (the message says how to add it),
            an unreadable file, or a campaign that rates other dimensions.
        NotFoundError: no such study.
    """
    where = str(mapping)
    if not isinstance(mapping, RatingImportMapping):
        mapping = load_import_mapping(mapping)
    path = Path(data)
    dataset = mapping.dataset or path.stem
    with store.read() as session:
        study = load_study(session, mapping.study)
    scales = _scales(study, mapping, where)
    parsed = _parse(path, mapping, study, scales, dataset)
    with store.session() as session:
        return _store(session, study, mapping, parsed, dataset, str(path))


def _scales(study: Study, mapping: RatingImportMapping, where: str) -> dict[str, int]:
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


def _parse(
    path: Path, mapping: RatingImportMapping, study: Study, scales: dict[str, int], dataset: str
) -> _Parsed:
    header, rows = _rows(path)
    problems = _Problems(str(path))
    cols = mapping.columns
    wanted = [c for c in cols.model_dump().values() if c is not None]
    wanted += list(mapping.demographics)
    if not mapping.long_format:
        wanted += list(mapping.dimensions)
    missing = [c for c in wanted if c not in header]
    for column in missing:
        problems.add(1, column, f"no such column in the header (it has {header})")
    problems.raise_if_any()
    index = {name: i for i, name in enumerate(header)}
    parsed = _Parsed()
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
        _parse_item(parsed, problems, line, item_key, cell, mapping, study, dataset)
        parsed.raters.setdefault(rater, _participant_id(study.slug, dataset, rater, mapping))
        for column, question in mapping.demographics.items():
            answer = normalise_answer(_recode(mapping, column, cell(column)))
            if not answer:
                continue  # not answered: no row, as in coalign's own survey
            given = parsed.answers.setdefault(rater, {}).setdefault(
                question, _Answer(line, column, answer)
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
            first = parsed.ratings.setdefault(key, _Value(line, column, value))
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


def _parse_item(
    parsed: _Parsed,
    problems: _Problems,
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
    problems: _Problems, line: int, column: str, raw: str, dimension: str, points: int
) -> int | None:
    """The rating in ``raw`` as a scale point 1..``points``, or ``None`` after noting why not."""
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


def _store(
    session: Session,
    study: Study,
    mapping: RatingImportMapping,
    parsed: _Parsed,
    dataset: str,
    where: str,
) -> ImportSummary:
    """Check the parsed file against the store, then write it (the caller's transaction)."""
    study_id = study_row(session, study.slug).id
    withdrawn = {r for r, pid in parsed.raters.items() if withdrawals_of(session, pid)}
    raters = {r: pid for r, pid in parsed.raters.items() if r not in withdrawn}
    items = {key: item for key, (_, item) in parsed.items.items()}
    problems = _Problems(where)
    for key, (line, item) in parsed.items.items():
        stored = item_by_id(session, item.id)
        if stored is not None and (stored.prompt, stored.response) != (item.prompt, item.response):
            problems.add(
                line,
                mapping.columns.response,
                f"item {key!r} of data set {dataset!r} is stored with another prompt or response; "
                "import a changed data set under another dataset name",
            )
    ratings = [
        (
            rater,
            origin,
            Rating(
                item_id=items[item_key].id,
                participant_id=raters[rater],
                dimension=dimension,
                value=origin.value,
            ),
        )
        for (rater, item_key, dimension), origin in parsed.ratings.items()
        if rater in raters
    ]
    stored_ratings = ratings_of(session, raters.values())
    for rater, origin, rating in ratings:
        old = stored_ratings.get((rating.participant_id, rating.item_id, rating.dimension))
        if old is not None and old != rating.value:
            problems.add(
                origin.line,
                origin.column,
                f"rater {rater!r} has the stored rating {old} for this item on "
                f"{rating.dimension}, not {rating.value}",
            )
    stored_answers = demographic_answers_of(session, raters.values())
    answers = []
    for rater, questions in parsed.answers.items():
        if rater not in raters:
            continue
        for question, given in questions.items():
            old_answer = stored_answers.get(raters[rater], {}).get(question)
            if old_answer is not None and old_answer != given.answer:
                problems.add(
                    given.line,
                    given.column,
                    f"rater {rater!r} has the stored answer {old_answer!r} to {question}, "
                    f"not {given.answer!r}",
                )
            elif old_answer is None:
                answers.append(
                    DemographicAnswer(
                        participant_id=raters[rater], question=question, answer=given.answer
                    )
                )
    problems.raise_if_any()
    new_raters = 0
    for rater, pid in raters.items():
        if participant_by_id(session, pid) is None:
            ids = {"PROLIFIC_PID": rater} if mapping.crowd_ids else {"IMPORT_RATER": rater}
            add_participant(
                session,
                pid,
                study_id,
                language=study.languages[0],
                external_ids={**ids, "IMPORT_DATASET": dataset},
            )
            new_raters += 1
    new_items = sum(item_by_id(session, item.id) is None for item in items.values())
    add_or_reuse_items(session, list(items.values()))
    add_demographic_answers(session, answers)
    new_ratings = add_ratings(session, [rating for _, _, rating in ratings])
    campaign = None
    if mapping.campaign is not None:
        campaign = _attach_campaign(session, study_id, study, mapping, parsed, raters, dataset)
    return ImportSummary(
        study=study.slug,
        dataset=dataset,
        dimensions=list(mapping.dimensions.values()),
        questions=list(mapping.demographics.values()),
        items=len(items),
        new_items=new_items,
        raters=len(raters),
        new_raters=new_raters,
        ratings=len(ratings),
        new_ratings=new_ratings,
        answers=sum(len(q) for r, q in parsed.answers.items() if r in raters),
        new_answers=len(answers),
        withdrawn=len(withdrawn),
        campaign=campaign,
    )


def _attach_campaign(
    session: Session,
    study_id: int,
    study: Study,
    mapping: RatingImportMapping,
    parsed: _Parsed,
    raters: dict[str, str],
    dataset: str,
) -> str:
    """Create the mapping's campaign (closed: its raters took part elsewhere) or attach to it:
    the imported items are placed in it and the raters enrolled as having completed it."""
    assert mapping.campaign is not None
    spec = mapping.campaign
    dimensions = list(mapping.dimensions.values())
    row = campaign_by_slug(session, study_id, spec.slug)
    if row is None:
        per_rater: dict[str, set[str]] = {}
        per_item: dict[str, set[str]] = {}
        for rater, item_key, _ in parsed.ratings:
            per_rater.setdefault(rater, set()).add(item_key)
            per_item.setdefault(item_key, set()).add(rater)
        row = add_campaign(
            session,
            study_id,
            Campaign(
                slug=spec.slug,
                study_slug=study.slug,
                title=spec.title or f"Ratings imported from {dataset}",
                dimensions=dimensions,
                items_per_participant=min(500, max(len(s) for s in per_rater.values())),
                target_ratings=min(10_000, max(len(s) for s in per_item.values())),
                completion_code=IMPORTED_CODE,
                screened_out_code=IMPORTED_CODE,
                status="closed",
            ),
        )
    else:
        other = [d for d in dimensions if d not in row.dimensions]
        if other:
            raise InputError(
                f"campaign {study.slug}/{spec.slug} exists and rates {row.dimensions}, not {other}; "
                "name another campaign in the mapping"
            )
    placed = set(rateable_item_ids(session, row.id)) | set(attention_check_ids(session, row.id))
    new = [item.id for _, item in parsed.items.values() if item.id not in placed]
    add_campaign_items(
        session,
        row.id,
        [CampaignEntry(item_id, len(placed) + i, {}) for i, item_id in enumerate(new)],
    )
    for pid in raters.values():
        if enrollment_of(session, pid, row.id) is None:
            enrollment = enroll(session, pid, row.id)
            enrollment.status = "completed"
            enrollment.completed_at = utcnow()
    return f"{study.slug}/{spec.slug}"


__all__ = ["MAX_PROBLEMS", "ImportSummary", "import_ratings", "load_import_mapping"]
