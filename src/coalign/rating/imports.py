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

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from coalign.core.campaigns import Campaign
from coalign.core.errors import InputError
from coalign.core.imports import RatingImportMapping
from coalign.core.items import Rating
from coalign.core.participants import DemographicAnswer
from coalign.core.study import Study
from coalign.rating.import_files import (
    Problems,
    RatingsFile,
    dimension_scales,
    load_import_mapping,
    read_ratings_file,
)
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

#: The code an imported campaign shows: nobody joins it, its raters took part elsewhere.
IMPORTED_CODE = "IMPORTED"


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


class _CheckedOnly(Exception):
    """Rolls back a checked import and carries what it would have added."""

    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary


def import_ratings(
    store: Store,
    data: str | Path,
    mapping: str | Path | RatingImportMapping,
    *,
    check_only: bool = False,
) -> ImportSummary:
    """Import a ratings file into the study its mapping names, all or nothing.

    Args:
        data: the ratings file (``.csv``, or ``.tsv`` / ``.tab`` with tabs).
        mapping: the mapping file, or the mapping itself.
        check_only: do every check and count what would be added, then write nothing.

    Raises:
        StudyFileError: a bad mapping, or a file with bad rows (each problem names its line
            and column): a missing cell or column, a dimension the mapping lacks, a value
            off the dimension's scale, a rating or answer given twice with two values, an
            item id with two prompts, or content that contradicts what is stored.
        InputError: a dimension the study's design lacks (the message says how to add it),
            an unreadable file, or a campaign that rates other dimensions.
        NotFoundError: no such study.
    """
    where = "the mapping" if isinstance(mapping, RatingImportMapping) else str(mapping)
    if not isinstance(mapping, RatingImportMapping):
        mapping = load_import_mapping(mapping)
    path = Path(data)
    dataset = mapping.dataset or path.stem
    with store.read() as session:
        study = load_study(session, mapping.study)
    scales = dimension_scales(study, mapping, where)
    parsed = read_ratings_file(path, mapping, study, scales, dataset)
    try:
        with store.session() as session:
            summary = _store(session, study, mapping, parsed, dataset, str(path))
            if check_only:
                raise _CheckedOnly(summary)  # leaving the block by an error rolls it back
    except _CheckedOnly as checked:
        return checked.summary
    return summary


def _store(
    session: Session,
    study: Study,
    mapping: RatingImportMapping,
    parsed: RatingsFile,
    dataset: str,
    where: str,
) -> ImportSummary:
    """Check the parsed file against the store, then write it (the caller's transaction)."""
    study_id = study_row(session, study.slug).id
    withdrawn = {r for r, pid in parsed.raters.items() if withdrawals_of(session, pid)}
    raters = {r: pid for r, pid in parsed.raters.items() if r not in withdrawn}
    items = {key: item for key, (_, item) in parsed.items.items()}
    problems = Problems(where)
    for key, (line, item) in parsed.items.items():
        stored = item_by_id(session, item.id)
        for name in ("prompt", "response"):
            if stored is not None and getattr(stored, name) != getattr(item, name):
                problems.add(
                    line,
                    getattr(mapping.columns, name),
                    f"item {key!r} of data set {dataset!r} is stored with another {name}; "
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
    parsed: RatingsFile,
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


__all__ = ["IMPORTED_CODE", "ImportSummary", "import_ratings"]
