"""Token counts in the generating model's own tokens, where that tokenizer can be loaded.

For a ``llama-cpp`` model the GGUF file's vocabulary is loaded alone (``vocab_only``: no
weights, a fraction of a second); for any other model, or when loading fails, lengths fall
back to :func:`coalign.validation.metrics.distributions.count_tokens` (words and punctuation marks).
"""

from __future__ import annotations

import atexit
from functools import lru_cache
from typing import TYPE_CHECKING

from coalign.core.errors import CoalignError
from coalign.validation.metrics.distributions import TokenCounter, count_tokens

if TYPE_CHECKING:  # pragma: no cover
    from llama_cpp import Llama

WORD_TOKENIZER = "words and punctuation"


@lru_cache(maxsize=4)
def _vocab(path: str) -> Llama:
    from llama_cpp import Llama

    return Llama(model_path=path, vocab_only=True, verbose=False)


@atexit.register
def _close_vocabularies() -> None:
    # Free them before the interpreter tears down llama.cpp's bindings (avoids noisy errors).
    if _vocab.cache_info().currsize:
        _vocab.cache_clear()


def generator_tokenizer(model_id: str | None) -> tuple[TokenCounter, str]:
    """A token counter for texts made by ``model_id`` and a label saying which tokenizer it is."""
    from coalign.llm.spec import gguf_path, parse_model

    if model_id:
        try:
            spec = parse_model(model_id)
            if spec.backend == "llama-cpp":
                llama = _vocab(str(gguf_path(spec.target)))

                def counter(text: str) -> int:
                    return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

                return counter, f"{spec.model_id} (its own tokenizer)"
        except (CoalignError, ImportError, OSError, ValueError, RuntimeError):
            pass
    return count_tokens, WORD_TOKENIZER
