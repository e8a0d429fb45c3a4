"""Rating campaigns: items, assignment, autosaved drafts and idempotent submits, progress, exports.

- ``campaigns``, ``campaign_files``: creating, reading, opening and closing campaigns (from files too)
- ``flow``: consent and where a participant goes next
- ``assignment``: balanced assignment and what a rating page shows
- ``submit``: autosaved drafts and the idempotent submit
- ``dashboard``, ``exports``: progress for facilitators; long-format exports
- ``approvals``: approve or reject each crowd participant, with reasons and evidence
- ``import_files``, ``imports``: rating data sets collected elsewhere, read through a mapping
  file and imported into a study (items, raters, demographics, ratings, optionally a campaign)
- ``exclusions``: whose ratings analysis and exports leave out (failed checks, too fast,
  incomplete), a recorded policy with counts by reason
"""
