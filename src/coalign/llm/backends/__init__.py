"""Model backends and their registry.

A backend is one module with a class that has one ``complete`` method (see
:class:`~coalign.llm.backends.base.Backend`) and a module-level ``BACKEND``
(:class:`~coalign.llm.backends.base.BackendType`) naming it, parsing its target, describing
its model strings and building it. :data:`BUILT_IN` lists the built-in modules; nothing is
registered because some other module happened to import it first.

The built-in modules are imported on the first lookup, not when :mod:`coalign.llm` is
imported, and keep their own heavy imports (llama.cpp's native library, numpy) inside the
code that builds a backend. Backends from elsewhere (a plugin, a test) join with
:func:`register_backend`.
"""

from __future__ import annotations

import importlib
from functools import cache

from coalign.llm.backends.base import BackendType

#: The built-in backend modules, in the order ``coalign models`` lists them.
BUILT_IN = (
    "coalign.llm.backends.llama_cpp",
    "coalign.llm.backends.openai",
)

_added: dict[str, BackendType] = {}


@cache
def _built_in() -> dict[str, BackendType]:
    found: dict[str, BackendType] = {}
    for module_name in BUILT_IN:
        declared = getattr(importlib.import_module(module_name), "BACKEND", None)
        if not isinstance(declared, BackendType):
            raise TypeError(f"{module_name} declares no BACKEND = BackendType(...)")
        if declared.name in found:
            raise TypeError(f"{module_name} reuses the backend name {declared.name!r}")
        found[declared.name] = declared
    return found


def backend_types() -> list[BackendType]:
    """Every registered backend: the built-in ones first, in :data:`BUILT_IN`'s order."""
    return [*_built_in().values(), *_added.values()]


def find_backend(name: str) -> BackendType | None:
    """The backend registered under ``name``, or ``None``."""
    return _built_in().get(name) or _added.get(name)


def register_backend(backend: BackendType) -> BackendType:
    """Make ``backend`` usable by its model strings (``load_model(f"{backend.name}:…")``).

    Returns:
        ``backend``, so a module can write ``BACKEND = register_backend(BackendType(...))``.

    Raises:
        ValueError: the name is taken or cannot start a model string.
    """
    if not backend.name or ":" in backend.name:
        raise ValueError(f"a backend name cannot be empty or contain ':': {backend.name!r}")
    if find_backend(backend.name) is not None:
        raise ValueError(f"a backend named {backend.name!r} is already registered")
    _added[backend.name] = backend
    return backend


def unregister_backend(name: str) -> None:
    """Forget a backend added with :func:`register_backend` (built-in ones stay).

    Raises:
        ValueError: no backend named ``name`` was added.
    """
    if name not in _added:
        raise ValueError(f"no backend named {name!r} was registered with register_backend")
    del _added[name]


__all__ = [
    "BUILT_IN",
    "BackendType",
    "backend_types",
    "find_backend",
    "register_backend",
    "unregister_backend",
]
