"""Item files and campaign creation: clear errors, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coalign.core.errors import InputError, NotFoundError
from coalign.rating.campaigns import (
    create_campaign,
    find_campaign,
    get_campaign,
    list_campaigns,
    read_items,
    set_campaign_status,
)
from coalign.store import Store
from coalign.store.rating_tables import CampaignRow, ItemRow
from coalign.study import import_study
from tests.rating.helpers import MINI, campaign_settings, items, make_campaign


def test_read_items_csv_and_jsonl_with_translations() -> None:
    csv_items = read_items(
        "items.csv", b"prompt,response,prompt_de,response_de\nHi?,Hello.,Hallo?,Guten Tag.\n"
    )
    assert csv_items[0].prompt == "Hi?" and csv_items[0].translations == {
        "de": {"prompt": "Hallo?", "response": "Guten Tag."}
    }
    jsonl = read_items(
        "items.jsonl",
        b'{"id": "a1", "prompt": "P", "response": "R"}\n\n{"prompt": "P2", "response": "R2"}\n',
    )
    assert [i.id for i in jsonl] == ["a1", None]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("items.txt", b"prompt,response\n", "must be a .csv or .jsonl"),
        ("items.csv", b"prompt,answer\nx,y\n", "unknown column(s) ['answer']"),
        ("items.csv", b"prompt,response\n,empty prompt\n", "line 2: prompt"),
        ("items.jsonl", b'{"prompt": "p", "response": "r"}\n{oops\n', "line 2: not JSON"),
        ("items.jsonl", b"[1, 2]\n", "line 1: expected an object"),
        ("items.csv", b"prompt,response\n", "no items found"),
        ("items.csv", b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_read_items_rejects_bad_files(name: str, data: bytes, message: str) -> None:
    with pytest.raises(
        InputError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]"),
    ):
        read_items(name, data)


def test_create_and_read_back(store: Store) -> None:
    stored = make_campaign(store)
    assert stored.item_count == 6 and stored.is_open
    again = get_campaign(store, stored.id)
    assert again.campaign == stored.campaign
    assert again.campaign.attention_checks[0].expected_value == 4
    assert find_campaign(store, "mini", "pilot").id == stored.id
    assert [c.id for c in list_campaigns(store)] == [stored.id]
    set_campaign_status(store, stored.id, "closed")
    assert not get_campaign(store, stored.id).is_open


def test_bad_campaign_writes_nothing(store: Store) -> None:
    import_study(store, MINI)
    with pytest.raises(InputError, match="honesty"):
        create_campaign(store, campaign_settings(dimensions=["fairness", "honesty"]), items())
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(CampaignRow)) == 0
        assert session.scalar(select(func.count()).select_from(ItemRow)) == 0
    with pytest.raises(NotFoundError, match="no study 'elsewhere'"):
        create_campaign(store, campaign_settings(study_slug="elsewhere"), items())
    empty = create_campaign(store, campaign_settings(), [])
    assert empty.item_count == 0 and len(empty.campaign.attention_checks) == 1


def test_slug_taken_and_clashing_item_id(store: Store) -> None:
    make_campaign(store)
    with pytest.raises(InputError, match="already has a campaign 'pilot'"):
        create_campaign(store, campaign_settings(), items())
    clash = items(1)
    clash[0].id = get_first_item_id(store)
    clash[0].response = "something else"
    with pytest.raises(InputError, match="different prompt or response"):
        create_campaign(store, campaign_settings(slug="second"), clash)
    with pytest.raises(NotFoundError):
        get_campaign(store, 999)
    with pytest.raises(InputError, match="open or closed"):
        set_campaign_status(store, 1, "paused")  # type: ignore[arg-type]


def get_first_item_id(store: Store) -> str:
    with store.read() as session:
        return session.scalars(select(ItemRow.id).where(ItemRow.source.is_(None))).first()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"attention_positions": [2, 3]}, "each attention position needs its own attention check"),
        ({"attention_positions": [9]}, "between 1 and 4"),
        ({"dimensions": ["fairness", "fairness"]}, "named twice"),
        ({"completion_code": "<script>"}, "completion_code"),
        ({"completion_url": "javascript:alert(1)"}, "completion_url"),
    ],
)
def test_campaign_settings_are_validated(overrides: dict, message: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        campaign_settings(**overrides)


def test_items_from_a_runs_accepted_records(store: Store) -> None:
    from coalign.core.calls import SamplingParams
    from coalign.core.records import GenerationRun, Record, Verdict
    from coalign.rating.campaigns import items_from_run
    from coalign.store.runs import create_run, save_record
    from coalign.store.verdicts import save_verdicts

    import_study(store, MINI)
    run = create_run(
        store,
        GenerationRun(
            id="run_test1", study_slug="mini", recipe_name="r", recipe={}, model_id="m", seed=1
        ),
    )

    def record(rid: str, stage: str, data: dict, parents: list[str] = ()) -> Record:  # type: ignore[assignment]
        return Record(
            id=rid,
            run_id=run.id,
            stage=stage,
            parents=list(parents),
            template_name="t",
            template_hash="h",
            prompt="p",
            model_id="m",
            params=SamplingParams(),
            seed=1,
            data=data,
        )

    save_record(store, record("rec_q1", "questions", {"question": "Can I share my PIN?"}))
    save_record(
        store,
        record(
            "rec_r1",
            "responses",
            {
                "misaligned_response": "Sure.",
                "critique": "unsafe",
                "aligned_response": "Never share it.",
            },
            ["rec_q1"],
        ),
    )
    save_record(
        store,
        record(
            "rec_r2",
            "responses",
            {"misaligned_response": "Bad.", "aligned_response": "Good."},
            ["rec_q1"],
        ),
    )
    save_verdicts(
        store,
        run.id,
        [Verdict(record_id="rec_r2", rule="length", passed=False, reason="too short")],
    )
    found = items_from_run(store, run.id)
    assert [(i.prompt, i.response) for i in found] == [
        ("Can I share my PIN?", "Sure."),
        ("Can I share my PIN?", "Never share it."),
    ]
    assert found[0].source == "run:run_test1/record:rec_r1/misaligned_response"
    stored = create_campaign(store, campaign_settings(slug="from-run"), found)
    assert stored.item_count == 2
    with pytest.raises(InputError, match="no accepted records"):
        items_from_run(store, run.id, fields=("nothing",))
    with pytest.raises(NotFoundError):
        items_from_run(store, "run_missing")
