"""Items from prompts × interventions: prompt files with a keyword filter, intervention files,
and the embedded model answering each pair once."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.core.calls import SamplingParams
from coalign.core.errors import InputError, ModelUnavailableError, StudyFileError
from coalign.llm import Model, load_backend, load_model, parse_model
from coalign.rating.campaigns import campaign_item_ids, extend_campaign, get_campaign
from coalign.rating.interventions import (
    generate_items,
    keyword_pattern,
    load_interventions,
    read_keywords,
    read_prompts,
)
from coalign.store import Store
from coalign.store.calls import recent_calls
from coalign.store.ratings import item_by_id
from tests.conftest import free_port
from tests.rating.helpers import items, make_campaign

EXAMPLE = Path("examples/aligniverse")


def test_the_example_keeps_prompts_with_gender_words_as_whole_words(tmp_path: Path) -> None:
    everything = read_prompts(EXAMPLE / "prompts.csv")
    kept = read_prompts(EXAMPLE / "prompts.csv", read_keywords(EXAMPLE / "gender_keywords.txt"))
    assert everything.total == kept.total == 20 and len(everything.prompts) == 20
    # daughter, son, husband, woman, brother, mother, son, woman, wife, girlfriend, father
    assert [p.row for p in kept.prompts] == [2, 3, 4, 5, 6, 9, 10, 11, 13, 16, 18]  # file lines
    assert "small flat" not in " ".join(p.text for p in kept.prompts)
    lines = tmp_path / "prompts.txt"
    lines.write_text("The theme of the day\n\nMEN at work?\nwomen's football\nhe said\n")
    found = read_prompts(lines, ["men", "He"])
    # "men" is not found inside "women"; "he" not inside "the" or "theme"; case is ignored
    assert [(p.row, p.text) for p in found.prompts] == [(3, "MEN at work?"), (5, "he said")]
    assert found.total == 4 and found.keywords == ["men", "He"]
    rows = tmp_path / "prompts.jsonl"
    rows.write_text('{"prompt": "a mother asks"}\n\n{"prompt": "nobody asks", "extra": 1}\n')
    assert [p.row for p in read_prompts(rows, ["mother"]).prompts] == [1]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("p.csv", "text\nhello\n", "no 'prompt' column"),
        ("p.csv", "prompt,id\nhello,1\n,2\n", r"p.csv line 3: the prompt is missing or empty"),
        ("p.jsonl", '{"prompt": "a"}\n{"prompt": \n', r"p.jsonl line 2: not JSON"),
        ("p.jsonl", '{"prompt": "a"}\n["a"]\n', r"p.jsonl line 2: expected an object"),
        ("p.jsonl", '{"question": "a"}\n', r"p.jsonl line 1: the prompt is missing"),
        ("p.xlsx", "prompt\nhello\n", r"must be a .csv, .jsonl or .txt file"),
        ("p.txt", "\n \n", "no prompts found"),
    ],
)
def test_bad_prompt_files_name_the_problem(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_prompts(path)


def test_keyword_files_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "words.txt"
    empty.write_text("# only a comment\n\n")
    with pytest.raises(InputError, match="no keywords"):
        read_keywords(empty)
    with pytest.raises(InputError, match="cannot read keyword file"):
        read_keywords(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="cannot read"):
        read_prompts(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="at least one non-empty keyword"):
        keyword_pattern([" "])


def test_the_example_interventions_and_bad_intervention_files(tmp_path: Path) -> None:
    found = load_interventions(EXAMPLE / "interventions.yaml")
    assert [i.name for i in found] == ["none", "republican", "patriarchy", "empathy", "equality"]
    assert found[0].system_prompt == {"en": "", "de": ""}
    assert all(i.system_prompt["de"] for i in found[1:])
    bad = tmp_path / "interventions.yaml"
    bad.write_text(
        "interventions:\n"
        "  - {name: empathy, system_prompt: {en: Be kind.}}\n"
        "  - {name: empathy, system_prompt: {en: Be warm.}}\n"
        "  - {name: '!bad', system_prompt: {en: x}}\n"
        "  - {name: plain}\n"
        "  - {name: odd, system_prompt: {en: x}, colour: red}\n"
    )
    with pytest.raises(StudyFileError) as caught:
        load_interventions(bad)
    message = str(caught.value)
    assert "[2].name" in message and "[3].system_prompt" in message and "[4].colour" in message
    assert "'empathy' is used twice" in message
    bad.write_text("name: empathy\n")
    with pytest.raises(StudyFileError, match="expected a list of interventions"):
        load_interventions(bad)
    bad.write_text("- [unclosed\n")
    with pytest.raises(StudyFileError, match="not valid YAML"):
        load_interventions(bad)


def test_extend_campaign_adds_each_item_once_after_the_last(store: Store) -> None:
    stored = make_campaign(store, n_items=2)
    more = items(4)  # the first two are the campaign's own items
    assert extend_campaign(store, stored.id, more) == 2
    assert extend_campaign(store, stored.id, more) == 0
    assert get_campaign(store, stored.id).item_count == 4
    empty = make_campaign(store, n_items=0, slug="later")
    assert empty.item_count == 0
    assert extend_campaign(store, empty.id, items(3)) == 3
    assert len(campaign_item_ids(store, empty.id)) == 3


def test_missing_language_and_nothing_kept_are_refused(store: Store, tmp_path: Path) -> None:
    stored = make_campaign(store, n_items=0)
    prompts = tmp_path / "p.txt"
    prompts.write_text("a question about the weather\n")
    interventions = load_interventions(EXAMPLE / "interventions.yaml")
    model = load_model(None)  # never called: both are refused first
    with pytest.raises(InputError, match="none of its 1 prompts contains a keyword"):
        generate_items(store, stored.id, model, read_prompts(prompts, ["woman"]), interventions)
    with pytest.raises(InputError, match=r"have no system prompt in 'fr'"):
        generate_items(store, stored.id, model, read_prompts(prompts), interventions, language="fr")
    assert get_campaign(store, stored.id).item_count == 0


def test_the_embedded_model_answers_each_prompt_under_each_intervention(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COALIGN_THREADS", "1")
    stored = make_campaign(store, n_items=0)
    prompts = tmp_path / "prompts.csv"
    prompts.write_text(
        "prompt\n"
        "Reply with one word: is a man allowed to cry?\n"
        "Reply with one word: what colour is the sky?\n"
        "Reply with one word: can a woman be a pilot?\n"
    )
    selection = read_prompts(prompts, ["man", "woman"])
    assert [p.row for p in selection.prompts] == [2, 4]
    chosen = [
        i
        for i in load_interventions(EXAMPLE / "interventions.yaml")
        if i.name in ("none", "empathy")
    ]
    model = load_model(None, log=store)
    params = SamplingParams(temperature=0.0, max_tokens=24, seed=0)
    outcome = generate_items(store, stored.id, model, selection, chosen, params=params)
    assert outcome.existing == 0 and outcome.added + len(outcome.failed) == 4
    assert outcome.added >= 1  # the first prompt gets a short answer under both
    for failure in outcome.failed:
        assert failure.reason == "cut off at max_tokens (24)" and failure.row in (2, 4)
    # every item is the model's logged answer to its prompt under its system prompt
    calls = {
        (c.messages[-1].content, c.messages[0].content if len(c.messages) == 2 else None): c
        for c in recent_calls(store, 50)
        if c.purpose == f"campaign:{stored.id}:items"
    }
    assert len(calls) == 4
    systems = {i.name: i.system_prompt["en"] or None for i in chosen}
    with store.read() as session:
        made = [item_by_id(session, i) for i in campaign_item_ids(store, stored.id)]
    assert len(made) == outcome.added
    for item in made:
        assert item is not None and item.context in ("none", "empathy")
        call = calls[(item.prompt, systems[item.context])]
        assert call.finish_reason == "stop" and item.response == call.response.strip()
        assert call.model_id == model.model_id
        row = 2 if "cry" in item.prompt else 4
        assert item.source == (
            f"prompts:prompts.csv#row={row}/intervention:{item.context}"
            f"/model:{model.model_id}/language:en"
        )
        assert item.language == "en"
    failed_pairs = {(f.row, f.intervention) for f in outcome.failed}
    assert len(failed_pairs) == len(outcome.failed)
    # a second run asks nothing again for items the campaign holds, and adds nothing twice
    again = generate_items(store, stored.id, model, selection, chosen, params=params)
    assert again.added == 0 and again.existing == outcome.added
    assert len(again.failed) == len(outcome.failed)
    assert get_campaign(store, stored.id).item_count == outcome.added


def test_cli_items_reports_the_filter_and_the_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COALIGN_THREADS", "1")
    db = str(tmp_path / "c.db")
    assert run(["--db", db, "study", "import", "examples/bank-assistant/study.yaml"]) == 0
    assert run(["--db", db, "campaign", "create", "examples/bank-assistant/campaign.yaml"]) == 0
    interventions = tmp_path / "two.yaml"
    interventions.write_text("- {name: none, system_prompt: {en: ''}}\n")
    prompts = tmp_path / "p.txt"
    prompts.write_text("Reply with one word: is a man allowed to cry?\nWhat is rain?\n")
    capsys.readouterr()
    args = [
        "--db",
        db,
        "campaign",
        "items",
        "bank-assistant/answers-pilot",
        "--prompts",
        str(prompts),
    ]
    args += [
        "--interventions",
        str(interventions),
        "-k",
        "MAN",
        "--max-tokens",
        "24",
        "--temperature",
        "0",
    ]
    assert run(args) == 0
    out = capsys.readouterr().out
    assert "1 of 2 prompts contain a keyword" in out
    assert (
        "1 items added by llama-cpp:smollm2-135m, 0 already in the campaign, 0 answers not used"
        in out
    )
    assert run(args) == 0
    assert (
        "0 items added by llama-cpp:smollm2-135m, 1 already in the campaign"
        in capsys.readouterr().out
    )
    bad = ["--db", db, "campaign", "items", "answers-pilot", "--prompts", str(interventions)]
    assert run([*bad, "--interventions", str(interventions)]) == 1
    assert "must be a .csv, .jsonl or .txt file" in capsys.readouterr().err


def test_an_unreachable_model_stops_the_run_and_adds_nothing(store: Store, tmp_path: Path) -> None:
    stored = make_campaign(store, n_items=0)
    prompts = tmp_path / "p.txt"
    prompts.write_text("Is a man allowed to cry?\n")
    spec = parse_model(f"openai:http://127.0.0.1:{free_port()}/v1#nobody")
    model = Model(load_backend(spec, timeout=2.0), store, retries=0)
    chosen = load_interventions(EXAMPLE / "interventions.yaml")[:1]
    with pytest.raises(ModelUnavailableError):
        generate_items(store, stored.id, model, read_prompts(prompts), chosen)
    assert get_campaign(store, stored.id).item_count == 0
