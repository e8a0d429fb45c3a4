"""Importing rating data sets collected elsewhere: the mapping from a file's columns to coalign.

A mapping file (YAML) says which columns of a long- or wide-format ratings file hold the item,
its prompt and response, the rater, the value dimensions and the raters' demographic answers,
which study the ratings belong to and, optionally, the rating campaign they form. See
:mod:`coalign.rating.imports` for how a file is checked and stored.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Names a demographic question may not take: columns of long-format ratings (and ``answer_…``,
#: the per-item answers of a rater).
RESERVED_QUESTIONS = frozenset(
    {
        "item",
        "rater",
        "crowd_id",
        "dimension",
        "value",
        "seconds_taken",
        "context",
        "display_language",
        "item_language",
        "source",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ImportColumns(_Strict):
    """Which column of the file holds what (file column names, as in its header row).

    Attributes:
        item: the data set's own item id; rows with one id are one item.
        dimension / value: long format, one row per rating: the column naming the dimension and
            the one holding the value. Leave both out for wide format, where each dimension has
            a column of its own (named under ``dimensions`` in the mapping).
    """

    item: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    response: str = Field(min_length=1)
    rater: str = Field(min_length=1)
    context: str | None = Field(default=None, min_length=1)
    language: str | None = Field(default=None, min_length=1)
    source: str | None = Field(default=None, min_length=1)
    dimension: str | None = Field(default=None, min_length=1)
    value: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _long_or_wide(self) -> ImportColumns:
        if (self.dimension is None) != (self.value is None):
            raise ValueError(
                "long format needs both dimension and value columns; wide format needs neither"
            )
        return self


class ImportCampaign(_Strict):
    """The rating campaign the imported items form (created, or attached to when it exists), so
    ``campaign:SLUG`` names them in ``coalign analyze`` and ``coalign export``."""

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    title: str | None = Field(default=None, min_length=1, max_length=300)


def _as_mapping(value: Any) -> Any:
    """A list of names means each name maps to itself."""
    if isinstance(value, list):
        return {str(v): str(v) for v in value}
    return value


class RatingImportMapping(_Strict):
    """How a ratings file maps onto a study.

    Attributes:
        study: the slug of the study (it must exist, with the dimensions named here).
        dataset: a name for the data set; item and rater ids are derived from it, so the same
            file imported twice is the same data (default: the file's name without suffix).
        columns: which column holds what.
        dimensions: long format: the file's dimension labels → the study's dimension names;
            wide format: the file's rating columns → the study's dimension names. A list means
            the names are the same.
        demographics: the file's demographic columns → question names (a list: the same names).
        recode: per file column (a value, rating or demographic column), file value → the value
            to store, e.g. ``{gender: {f: woman, m: man}}`` or ``{rating: {agree: 4}}``.
        crowd_ids: the rater column holds crowd-platform ids (``PROLIFIC_PID``): an imported
            rater is then the participant a crowd link of this study gives the same id, and
            ``coalign participants delete --crowd-id ID --study SLUG`` finds them. Otherwise
            rater ids belong to this data set alone.
        campaign: the campaign to create or attach to.
    """

    study: str = Field(min_length=1)
    dataset: str | None = Field(default=None, min_length=1, max_length=200)
    columns: ImportColumns
    dimensions: dict[str, str] = Field(min_length=1)
    demographics: dict[str, str] = Field(default_factory=dict)
    recode: dict[str, dict[str, str]] = Field(default_factory=dict)
    crowd_ids: bool = False
    campaign: ImportCampaign | None = None

    @field_validator("dimensions", "demographics", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return _as_mapping(value)

    @field_validator("recode", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # YAML reads `1: woman` or `agree: 4` with numbers; files hold text, so compare as text.
        if not isinstance(value, dict):
            return value
        return {
            str(column): {str(k): str(v) for k, v in codes.items()}
            if isinstance(codes, dict)
            else codes
            for column, codes in value.items()
        }

    @model_validator(mode="after")
    def _consistent(self) -> RatingImportMapping:
        targets = list(self.dimensions.values())
        if len(set(targets)) != len(targets):
            raise ValueError("dimensions: two file names map to one study dimension")
        questions = list(self.demographics.values())
        if len(set(questions)) != len(questions):
            raise ValueError("demographics: two columns map to one question")
        reserved = sorted(
            q for q in questions if q in RESERVED_QUESTIONS or q.startswith("answer_")
        )
        if reserved:
            raise ValueError(
                f"demographics: {reserved} name rating columns; map the column to another "
                "question name, e.g. {column: rater_" + reserved[0] + "}"
            )
        used = self.file_columns
        twice = sorted({c for c in used if used.count(c) > 1})
        if twice:
            raise ValueError(f"column(s) {twice} are mapped twice")
        recodable = set(self.value_columns) | set(self.demographics)
        unknown = sorted(set(self.recode) - recodable)
        if unknown:
            raise ValueError(
                f"recode: {unknown} are not rating or demographic columns of this mapping "
                f"(those are {sorted(recodable)})"
            )
        return self

    @property
    def long_format(self) -> bool:
        """One row per rating (dimension and value columns), not one column per dimension."""
        return self.columns.dimension is not None

    @property
    def file_columns(self) -> list[str]:
        """Every column of the file that the mapping reads."""
        used = [c for c in self.columns.model_dump().values() if c is not None]
        used += list(self.demographics)
        if not self.long_format:
            used += list(self.dimensions)
        return used

    @property
    def value_columns(self) -> list[str]:
        """The file columns that hold rating values."""
        return [self.columns.value] if self.columns.value else list(self.dimensions)


__all__ = ["RESERVED_QUESTIONS", "ImportCampaign", "ImportColumns", "RatingImportMapping"]
