"""Who takes part and how they get in: facilitator accounts, invite and crowd links, consent,
the demographics survey, and the checks every participant-facing activity makes.

- ``accounts``: facilitator/admin logins (argon2), rate limits, the app secret
- ``access``: invite links and crowd-platform links → a participant's :class:`~coalign.participation.access.Seat`
- ``demographics``: the per-study survey, answers kept apart, suppressed aggregates
- ``members``: who may act (consenting participants), ownership checks, input validation
"""
