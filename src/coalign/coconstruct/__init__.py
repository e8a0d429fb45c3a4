"""Co-construction: misalignment diaries, chats in the deployment context, coding, axes, workshops.

- ``diary``: misalignment diaries with images; promotion of entries to seeds
- ``interact``: chats under the study's system prompt, shared baseline conversations
- ``coding``, ``labelmap``: codes on turns or spans, clusters; the 2-D map with suggested clusters
- ``axes``, ``axes_report``, ``axis_dimensions``: groups, attributes, axes, rankings, goals; the
  before/after report; axes as value dimensions and judge rubrics
- ``workshop``, ``workshop_seeds``: breakout groups, sessions and timer; seeds written there
"""
