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
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coalign.core.errors import InputError

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #444;padding-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.8em 0;font-size:.88em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}
.note{background:#fff7e0;border-left:4px solid #e0a800;padding:.5em .8em;margin:.8em 0}
.error{background:#fdecea;border-left:4px solid #c62828;padding:.5em .8em;margin:.8em 0}
figure{margin:1em 0}figcaption{font-size:.9em;color:#555}nav a{margin-right:1em}
.meta{color:#666;font-size:.85em}
"""


def figure_svg(fig: Any) -> str:
    """A matplotlib figure as an inline ``<svg>`` element (the figure is closed)."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


@dataclass
class Section:
    """One titled part of a page; blocks render in the order they were added."""

    title: str
    blocks: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """Id used by the page's table of contents."""
        return "".join(c if c.isalnum() else "-" for c in self.title.lower()).strip("-")

    def paragraph(self, text: str) -> Section:
        """Plain text (escaped)."""
        self.blocks.append(f"<p>{html.escape(text)}</p>")
        return self

    def note(self, text: str, kind: str = "note") -> Section:
        """A highlighted caveat (``kind="error"`` for something that failed)."""
        self.blocks.append(f'<div class="{html.escape(kind)}">{html.escape(text)}</div>')
        return self

    def table(
        self, frame: Any, float_format: str = "{:.3f}", max_rows: int = 200, caption: str = ""
    ) -> Section:
        """A pandas DataFrame as an HTML table (values escaped, floats formatted)."""
        shown = frame.head(max_rows)
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
        body = []
        for row in shown.itertuples(index=False):
            cells = []
            for v in row:
                text = float_format.format(v) if isinstance(v, float) else str(v)
                cells.append(f"<td>{html.escape(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        more = (
            f"<p class='meta'>{len(frame) - max_rows} more rows in the CSV.</p>"
            if len(frame) > max_rows
            else ""
        )
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        self.blocks.append(
            f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"
        )
        return self

    def rows(
        self, header: Sequence[str], rows: Iterable[Sequence[Any]], float_format: str = "{:.3f}", caption: str = ""
    ) -> Section:
        """A table from plain rows (no pandas needed); ``None`` shows as an empty cell."""
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
        body = []
        for row in rows:
            cells = []
            for v in row:
                text = "" if v is None else float_format.format(v) if isinstance(v, float) else str(v)
                cells.append(f"<td>{html.escape(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        self.blocks.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
        return self

    def figure(self, fig: Any, caption: str = "") -> Section:
        """A matplotlib figure embedded as inline SVG."""
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        self.blocks.append(f"<figure>{figure_svg(fig)}{cap}</figure>")
        return self

    def link(self, href: str, text: str) -> Section:
        """A link to a file written next to the page (e.g. a CSV table)."""
        self.blocks.append(f'<p><a href="{html.escape(href)}">{html.escape(text)}</a></p>')
        return self

    def render(self) -> str:
        """The section as HTML."""
        return f'<section id="{self.anchor}"><h2>{html.escape(self.title)}</h2>{"".join(self.blocks)}</section>'


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
        """The page as one self-contained HTML document."""
        nav = "".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in self.sections)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        sub = f"<p>{html.escape(self.subtitle)}</p>" if self.subtitle else ""
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1>{sub}<p class='meta'>Generated by coalign, {stamp}</p>"
            f"<nav>{nav}</nav>{''.join(s.render() for s in self.sections)}</body></html>"
        )

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
