"""Every model call goes through :class:`Model`; backends are small and replaceable.

``load_model("llama-cpp:smollm2-135m", log=store)`` gives the embedded default;
``load_model("openai:http://127.0.0.1:8000/v1#name", log=store)`` an OpenAI-compatible server.
"""

from __future__ import annotations

from dataclasses import dataclass

from coalign.core.calls import CallLog
from coalign.core.errors import ModelUnavailableError
from coalign.llm.backends.base import Backend
from coalign.llm.model import Model, schema_problem
from coalign.llm.spec import BUNDLED, DEFAULT_MODEL, ModelSpec, gguf_path, parse_model


def load_backend(spec: ModelSpec, **options: object) -> Backend:
    """Build the backend a spec names (the embedded model is loaded once per process)."""
    if spec.backend == "llama-cpp":
        from coalign.llm.backends.llama_cpp import LlamaCppBackend

        return LlamaCppBackend(spec)
    from coalign.llm.backends.openai import OpenAIBackend

    return OpenAIBackend(spec, **options)  # type: ignore[arg-type]


def load_model(
    model: str | None = None, log: CallLog | None = None, *, cache: bool = True, **options: object
) -> Model:
    """A :class:`Model` for a model string (default: ``COALIGN_MODEL`` or the embedded model).

    Args:
        model: a model string, see :mod:`coalign.llm.spec`.
        log: where calls are logged and cached, usually the open store.
        cache: answer identical requests from the log.
        options: backend options (``concurrency``, ``timeout`` for ``openai``).
    """
    return Model(load_backend(parse_model(model), **options), log, cache=cache)


@dataclass(frozen=True)
class ModelInfo:
    """A model coalign can use without configuration."""

    model_id: str
    available: bool
    detail: str


def embedded_models() -> list[ModelInfo]:
    """The models shipped by installed packages, and whether each can be loaded."""
    found = []
    for alias in BUNDLED:
        model_id = f"llama-cpp:{alias}"
        try:
            path = gguf_path(alias)
            found.append(ModelInfo(model_id, True, f"{path} ({path.stat().st_size / 1e6:.0f} MB)"))
        except ModelUnavailableError as exc:
            found.append(ModelInfo(model_id, False, str(exc)))
    return found


__all__ = [
    "DEFAULT_MODEL",
    "Model",
    "ModelInfo",
    "ModelSpec",
    "embedded_models",
    "load_backend",
    "load_model",
    "parse_model",
    "schema_problem",
]
