"""The propagation report of a run: seed vs synthetic distributions, validation, review, its page.

``build_report`` (in ``run``) gathers the figures; ``write_report`` and ``report_run`` (in
``page``) render ``report.html`` and ``report.json``.
"""

from coalign.validation.report.page import render_page, report_run, write_report
from coalign.validation.report.run import RunReport, build_report

__all__ = ["RunReport", "build_report", "render_page", "report_run", "write_report"]
