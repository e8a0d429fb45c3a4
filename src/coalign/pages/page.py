"""Self-contained HTML pages: sections of text, tables and figures in one file.

Any stage can build a report with this: figures (matplotlib) are embedded
inline as SVG, styles are inline, nothing is fetched when the page is viewed,
so a report can be mailed, archived or opened offline.

Example::

    page = Page("Validation report")
    section = page.section("Diversity")
    section.paragraph("Distinct verb–noun pairs per 1 000 records.")
    section.table(frame)
    section.figure(fig)
    page.write(out_dir / "report.html")

Python formats the values (floats, empty cells); the markup and styles are the Jinja2 template
``templates/page.html.j2``, rendered with autoescaping.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from coalign.core.errors import InputError


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("coalign.pages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def figure_svg(fig: Any) -> str:
    """A matplotlib figure as an inline ``<svg>`` element (the figure is closed)."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def _cell(value: Any, float_format: str, none: str) -> str:
    if value is None:
        return none
    return float_format.format(value) if isinstance(value, float) else str(value)


# The blocks a section holds; ``templates/page.html.j2`` lays each out by its ``kind``.


@dataclass(frozen=True)
class Paragraph:
    """Plain text."""

    kind: ClassVar[str] = "paragraph"
    text: str


@dataclass(frozen=True)
class Note:
    """A highlighted caveat; ``style`` is the CSS class (``note`` or ``error``)."""

    kind: ClassVar[str] = "note"
    text: str
    style: str = "note"


@dataclass(frozen=True)
class Table:
    """A table of already formatted cells; ``more_rows`` were left out of the page."""

    kind: ClassVar[str] = "table"
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    more_rows: int = 0


@dataclass(frozen=True)
class Figure:
    """A figure as inline SVG markup (trusted: matplotlib wrote it)."""

    kind: ClassVar[str] = "figure"
    svg: Markup
    caption: str = ""


@dataclass(frozen=True)
class Link:
    """A link to a file written next to the page."""

    kind: ClassVar[str] = "link"
    href: str
    text: str


Block = Paragraph | Note | Table | Figure | Link


@dataclass
class Section:
    """One titled part of a page; blocks render in the order they were added."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """Id used by the page's table of contents."""
        return "".join(c if c.isalnum() else "-" for c in self.title.lower()).strip("-")

    def paragraph(self, text: str) -> Section:
        """Plain text (escaped)."""
        self.blocks.append(Paragraph(text))
        return self

    def note(self, text: str, kind: str = "note") -> Section:
        """A highlighted caveat (``kind="error"`` for something that failed)."""
        self.blocks.append(Note(text, style=kind))
        return self

    def table(
        self, frame: Any, float_format: str = "{:.3f}", max_rows: int = 200, caption: str = ""
    ) -> Section:
        """A pandas DataFrame as an HTML table (values escaped, floats formatted)."""
        shown = frame.head(max_rows)
        rows = [
            [_cell(v, float_format, none="None") for v in row]
            for row in shown.itertuples(index=False)
        ]
        self.blocks.append(
            Table(
                header=[str(c) for c in shown.columns],
                rows=rows,
                caption=caption,
                more_rows=max(len(frame) - max_rows, 0),
            )
        )
        return self

    def rows(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        float_format: str = "{:.3f}",
        caption: str = "",
    ) -> Section:
        """A table from plain rows (no pandas needed); ``None`` shows as an empty cell."""
        cells = [[_cell(v, float_format, none="") for v in row] for row in rows]
        self.blocks.append(Table(header=[str(c) for c in header], rows=cells, caption=caption))
        return self

    def figure(self, fig: Any, caption: str = "") -> Section:
        """A matplotlib figure embedded as inline SVG."""
        self.blocks.append(Figure(Markup(figure_svg(fig)), caption=caption))
        return self

    def link(self, href: str, text: str) -> Section:
        """A link to a file written next to the page (e.g. a CSV table)."""
        self.blocks.append(Link(href, text))
        return self


@dataclass
class Page:
    """A whole report page."""

    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        """Append and return a new section."""
        sec = Section(title)
        self.sections.append(sec)
        return sec

    def render(self) -> str:
        """The page as one self-contained HTML document (``templates/page.html.j2``)."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return _environment().get_template("page.html.j2").render(page=self, stamp=stamp)

    def write(self, path: str | Path) -> Path:
        """Write the page; the folder must exist or be creatable."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.render(), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write report to {path}: {exc}") from exc
        return path


def use_headless_backend() -> None:
    """Select matplotlib's file-only backend (no display needed on servers)."""
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InputError("reports with plots need matplotlib: install coalign[analysis]") from exc
    matplotlib.use("Agg", force=False)
