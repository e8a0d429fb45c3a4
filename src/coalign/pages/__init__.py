"""Self-contained HTML reports shared by the stages (see :mod:`coalign.pages.page`)."""

from coalign.pages.page import Page, Section, figure_svg

__all__ = ["Page", "Section", "figure_svg"]
