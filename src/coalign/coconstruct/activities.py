"""Whether a participant has co-construction activities to go to, so that the rating pages
offer the way there only where it leads somewhere.

Any consenting participant may keep a diary or chat (``/p/activities``), but a study used
only for rating has nothing for its raters there, and a link to it would only confuse them.
A study offers activities once co-construction takes place in it: a facilitator set up a
workshop, a discussion group or a shared baseline conversation, or someone wrote a diary entry
or chatted with the model.
"""

from __future__ import annotations

from coalign.store import Store
from coalign.store.coconstruction import study_has_coconstruction
from coalign.store.participation import participant_by_id


def offers_activities(store: Store, participant_id: str) -> bool:
    """Whether ``participant_id`` may take part in co-construction activities and their study
    has any: ``False`` for an unknown participant or one who has not consented."""
    with store.read() as session:
        person = participant_by_id(session, participant_id)
        if person is None or (person.consented_at is None and person.role == "participant"):
            return False  # the same rule as coalign.participation.members.member
        return study_has_coconstruction(session, person.study_id)
