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
"""
