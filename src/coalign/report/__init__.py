"""Self-contained HTML reports shared by the stages (see :mod:`coalign.report.page`)."""

from coalign.report.page import Page, Section, figure_svg

__all__ = ["Page", "Section", "figure_svg"]
