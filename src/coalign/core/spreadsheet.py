"""Text cells made inert before they go into a CSV file that a spreadsheet may open.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (a tab
or carriage return in front does not stop it), so a participant who types
``=HYPERLINK("http://x","y")`` into a free-text answer could plant a live link or worse in
the facilitator's export. Following OWASP's advice on CSV injection, such a text cell gets a
single quote in front, which spreadsheets show as text. Only text is touched: numbers (negative
ones included) and missing values stay as they are. Every CSV file coalign writes for people
to open passes through here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import pandas as pd

#: How a text cell starts when a spreadsheet would run it as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def inert_cell(value: T) -> T | str:
    """``value`` with a ``'`` in front when it is text that starts like a formula, else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are inert (see :func:`inert_cell`)."""
    out = frame.copy()
    for column in out.select_dtypes(include=["object", "string"]).columns:
        out[column] = out[column].map(inert_cell)
    out.columns = [inert_cell(column) for column in out.columns]
    return out


__all__ = ["FORMULA_STARTS", "inert_cell", "inert_frame"]
