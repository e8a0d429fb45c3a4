"""Text that a spreadsheet would run as a formula is made inert; everything else is left alone."""

from __future__ import annotations

import pandas as pd
import pytest

from coalign.core.spreadsheet import inert_cell, inert_frame


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_formula_starts_get_a_quote(text: str) -> None:
    assert inert_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Kenya", "a=b", " =1", "", -3, 2.5, None, True])
def test_other_values_are_unchanged(value: object) -> None:
    assert inert_cell(value) == value


def test_frames_keep_numbers_and_missing_values() -> None:
    frame = pd.DataFrame(
        {"answer": ["=1+1", "fine", None], "value": [-1, 2, 3], "=head": ["x", "y", "z"]}
    )
    out = inert_frame(frame)
    assert list(out.columns) == ["answer", "value", "'=head"]
    assert out["answer"].tolist()[:2] == ["'=1+1", "fine"] and out["answer"].isna().iloc[2]
    assert out["value"].tolist() == [-1, 2, 3] and out["value"].dtype == frame["value"].dtype
    assert frame["answer"].iloc[0] == "=1+1"  # the caller's frame is not changed
