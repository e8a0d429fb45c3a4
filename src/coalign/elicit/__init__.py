"""Eliciting what people think: rating campaigns, participants' access, consent, demographics.

Modules follow a participant's way through a campaign and a facilitator's view of it:

- ``accounts``: facilitator/admin logins (argon2), rate limits, the app secret
- ``campaigns``: item files, creating/reading/closing campaigns
- ``access``: invite links and crowd-platform links → a participant's :class:`~coalign.elicit.access.Seat`
- ``flow``: consent and where a participant goes next
- ``demographics``: the per-study survey, answers kept apart, suppressed aggregates
- ``assignment``: balanced assignment and what a rating page shows
- ``submit``: autosaved drafts and the idempotent submit
- ``dashboard``, ``exports``: progress for facilitators; long-format exports

Co-construction (context-aligned axes and seed workshops):

- ``members``: who may act (consenting participants), ownership checks, input validation
- ``diary``: misalignment diaries with images; promotion of entries to seeds
- ``interact``: chats under the study's system prompt, shared baseline conversations
- ``coding``, ``labelmap``: codes on turns or spans, clusters; the 2-D map with suggested clusters
- ``axes``, ``axes_report``, ``axis_dimensions``: groups, attributes, axes, rankings, goals; the
  before/after report; axes as value dimensions and judge rubrics
- ``workshop``, ``workshop_seeds``, ``seed_review``: breakout groups, sessions and timer; seeds
  written there; the accept/reject log
- ``axis_judges``, ``cochat``, ``cochat_repair``, ``prompt_library``, ``chat_limits``: the steered
  chat at run time: axis judges and steering, best-of-n turns and rewind; marks, flags to the
  diary and the mitigator pass; the study's shared prompts; daily limits
- ``activity_export``: JSONL export of all of it
"""
