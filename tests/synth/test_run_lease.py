"""Only one process runs a run at a time: the heartbeat lease, taking over, and why a run stopped."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from coalign.core.errors import ConflictError
from coalign.store.runs import LEASE, claim_run, create_run, get_run, update_run
from coalign.store.tables import RunRow, utcnow
from coalign.synth import prepare

from .conftest import import_test_study, write_recipe


def stored_run(store, tmp_path) -> str:
    import_test_study(store)
    return create_run(store, prepare(store, write_recipe(tmp_path), limit=1).run).id


def test_a_running_run_with_a_fresh_heartbeat_cannot_be_claimed_twice(store, tmp_path):
    run_id = stored_run(store, tmp_path)
    claim_run(store, run_id)
    assert get_run(store, run_id).status == "running"
    with pytest.raises(ConflictError, match=r"another process.*runs resume .* --force"):
        claim_run(store, run_id)
    claim_run(store, run_id, force=True)


def test_a_silent_heartbeat_frees_the_run(store, tmp_path):
    run_id = stored_run(store, tmp_path)
    claim_run(store, run_id)
    with store.session() as session:  # the process died: no beat for longer than the lease
        session.execute(
            update(RunRow).where(RunRow.id == run_id).values(heartbeat_at=utcnow() - 2 * LEASE)
        )
    claim_run(store, run_id)


def test_a_paused_run_keeps_why_and_is_free(store, tmp_path):
    run_id = stored_run(store, tmp_path)
    claim_run(store, run_id)
    update_run(store, run_id, status="paused", reason="model unreachable: connection refused")
    run = get_run(store, run_id)
    assert (run.status, run.status_reason) == ("paused", "model unreachable: connection refused")
    claim_run(store, run_id)
    assert get_run(store, run_id).status_reason is None
