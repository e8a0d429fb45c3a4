"""Grammar-constrained sampling that checks the grammar only when it must.

llama-cpp-python applies a JSON schema's grammar to every token of the vocabulary (49,152 for
SmolLM2) before each sampling step, which doubled the time per generated token. llama.cpp's own
tools sample the other way round, and so does this sampler:

1. sample a token from the logits with the usual chain (top-k, top-p, min-p, temperature …)
   and no grammar;
2. ask the grammar about that one token; if the grammar allows it, take it;
3. only if it does not, apply the grammar to the whole vocabulary and sample again from what is
   left, exactly as before.

Inside a JSON string almost every token the model proposes is allowed, so step 3 is rare. The
output still always matches the grammar; the choice of token differs from a fully masked draw
only in which allowed token a given seed lands on, and is as reproducible.

The grammar sampler must never see an empty candidate list (llama.cpp aborts the process then),
which is why the grammar is not simply moved after top-k in the chain.
"""

from __future__ import annotations

import ctypes
import math
from typing import TYPE_CHECKING, Any

import llama_cpp
import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt
    from llama_cpp._internals import LlamaContext, LlamaSampler
    from llama_cpp.llama_grammar import LlamaGrammar


class LazyGrammarSampler:
    """A drop-in for llama-cpp-python's ``LlamaSampler`` (``sample``, ``close``) with a grammar.

    Args:
        llama: the loaded ``llama_cpp.Llama``.
        chain: the sampler chain llama-cpp-python built for the request, without the grammar.
        grammar: the request's ``llama_cpp.LlamaGrammar``.
    """

    def __init__(self, llama: llama_cpp.Llama, chain: LlamaSampler, grammar: LlamaGrammar) -> None:
        self.chain = chain
        self.grammar = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self.n_vocab = int(llama._n_vocab)
        self.buffer = (llama_cpp.llama_token_data * self.n_vocab)()
        self.view = np.ctypeslib.as_array(self.buffer)
        self.ids = np.arange(self.n_vocab, dtype=np.int32)
        self.one = (llama_cpp.llama_token_data * 1)()

    def _candidates(self, logits: npt.NDArray[np.float32]) -> llama_cpp.llama_token_data_array:
        self.view["id"] = self.ids
        self.view["logit"] = logits
        self.view["p"] = 0.0
        return llama_cpp.llama_token_data_array(
            data=self.buffer, size=self.n_vocab, selected=-1, sorted=False
        )

    def _allowed(self, token: int) -> bool:
        self.one[0] = llama_cpp.llama_token_data(token, 1.0, 0.0)
        single = llama_cpp.llama_token_data_array(data=self.one, size=1, selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self.grammar, ctypes.byref(single))
        return math.isfinite(self.one[0].logit)

    def sample(self, ctx: LlamaContext, idx: int = -1) -> int:
        """The next token for the logits at ``idx``, allowed by the grammar.

        Both samplers accept the token, so their state follows the text.
        """
        pointer = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        logits = np.ctypeslib.as_array(pointer, shape=(self.n_vocab,))
        candidates = self._candidates(logits)
        llama_cpp.llama_sampler_apply(self.chain.sampler, ctypes.byref(candidates))
        token = int(candidates.data[candidates.selected].id)
        if not self._allowed(token):
            candidates = self._candidates(logits)
            llama_cpp.llama_sampler_apply(self.grammar, ctypes.byref(candidates))
            llama_cpp.llama_sampler_apply(self.chain.sampler, ctypes.byref(candidates))
            token = int(candidates.data[candidates.selected].id)
        llama_cpp.llama_sampler_accept(self.grammar, token)
        llama_cpp.llama_sampler_accept(self.chain.sampler, token)
        return token

    def close(self) -> None:
        """Free the grammar sampler and the chain."""
        if getattr(self, "grammar", None) is not None:
            llama_cpp.llama_sampler_free(self.grammar)
            self.grammar = None
        if getattr(self, "chain", None) is not None:
            self.chain.close()

    def __del__(self) -> None:
        self.close()


def sample_grammar_lazily(llama: llama_cpp.Llama) -> None:
    """Make ``llama`` use :class:`LazyGrammarSampler` for requests with a grammar."""
    build = llama._init_sampler

    # llama-cpp-python passes every argument of _init_sampler by keyword.
    def init_sampler(
        *, grammar: LlamaGrammar | None = None, **kwargs: Any
    ) -> LlamaSampler | LazyGrammarSampler:
        chain: LlamaSampler = build(grammar=None, **kwargs)
        return chain if grammar is None else LazyGrammarSampler(llama, chain, grammar)

    # Replacing the bound method is the point: llama-cpp-python offers no hook for the sampler,
    # and the replacement takes the keywords it is called with rather than the full signature.
    llama._init_sampler = init_sampler  # type: ignore[method-assign, assignment]
