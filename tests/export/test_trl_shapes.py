"""TRL's own data utilities read the exported SFT, DPO and KTO rows as conversational data."""

from __future__ import annotations

from pathlib import Path

import pytest
from tokenizers import Tokenizer, models
from transformers import PreTrainedTokenizerFast
from trl.data_utils import is_conversational, maybe_apply_chat_template, unpair_preference_dataset

from coalign.export import ExportOptions, export_dataset
from coalign.store import Store
from tests.export.conftest import RUN, load_format


@pytest.fixture
def tokenizer() -> PreTrainedTokenizerFast:
    """A tokenizer with nothing but a chat template: all TRL's formatting step needs."""
    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    )
    tok.chat_template = (
        "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}</{{ m['role'] }}>{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}"
    )
    return tok


def test_trl_formats_the_exported_rows(
    run_store: Store, tmp_path: Path, tokenizer: PreTrainedTokenizerFast
) -> None:
    export_dataset(run_store, RUN, tmp_path / "out", ExportOptions(formats=["sft", "dpo", "kto"]))
    hf = {name: load_format(tmp_path / "out", name) for name in ("sft", "dpo", "kto")}
    assert all(is_conversational(ds[0]) for ds in hf.values())
    dpo = maybe_apply_chat_template(hf["dpo"][0], tokenizer)
    assert dpo == {
        "prompt": "<system>You are a helpful assistant. Answer briefly.</system><user>How do I block my card?</user>"
        "<assistant>",
        "chosen": "good answer 1</assistant>",
        "rejected": "bad answer 1</assistant>",
    }
    kto = maybe_apply_chat_template(hf["kto"][1], tokenizer)
    assert kto["completion"] == "bad answer 1</assistant>" and hf["kto"][1]["label"] is False
    assert maybe_apply_chat_template(hf["sft"][0], tokenizer)["text"].endswith(
        "<assistant>good answer 1</assistant>"
    )
    # TRL's own DPO -> KTO conversion gives exactly the columns and types of the kto export
    unpaired = unpair_preference_dataset(hf["dpo"])
    assert unpaired.features == hf["kto"].features
    assert sorted(map(str, unpaired.to_list()), key=str) == sorted(
        map(str, hf["kto"].to_list()), key=str
    )
