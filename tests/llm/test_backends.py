"""The backend registry: a backend is one module, usable by its model string once registered.

The echo backend below is the whole of a backend, declared in this file alone: a class with
``complete``, a target parser, the lines ``coalign models`` shows, and a factory.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from coalign.cli.main import run
from coalign.core.calls import ChatRequest, Completion
from coalign.core.errors import InputError
from coalign.llm import (
    BackendType,
    ModelSpec,
    backend_types,
    load_model,
    parse_model,
    register_backend,
    unregister_backend,
)
from coalign.store.tables import ModelCallRow


class EchoBackend:
    """Answers with the last message, behind the target as a prefix."""

    name = "echo"

    def __init__(self, spec: ModelSpec, *, shout: bool = False) -> None:
        self.model_id = spec.model_id
        self.prefix = spec.target
        self.shout = shout

    def complete(self, request: ChatRequest) -> Completion:
        text = f"{self.prefix}: {request.messages[-1].content}"
        return Completion(text=text.upper() if self.shout else text, finish_reason="stop")


def parse_echo(target: str) -> ModelSpec:
    if not target.isidentifier():
        raise InputError(f"an echo prefix is one word: {target!r}")
    return ModelSpec("echo", target)


def create_echo(spec: ModelSpec, /, **options: object) -> EchoBackend:
    return EchoBackend(spec, shout=bool(options.get("shout", False)))


ECHO = BackendType(
    name="echo",
    parse=parse_echo,
    usage=("echo:PREFIX                                 repeats the prompt (tests)",),
    create=create_echo,
)


@pytest.fixture
def echo() -> Iterator[BackendType]:
    register_backend(ECHO)
    yield ECHO
    unregister_backend(ECHO.name)


def test_a_registered_backend_answers_through_load_model(echo, sqlite_store):
    model = load_model("echo:parrot", log=sqlite_store)
    assert model.model_id == "echo:parrot"
    assert model.ask("Name a coin.").text == "parrot: Name a coin."
    assert model.ask("Name a coin.").text == "parrot: Name a coin."  # from the cache
    with sqlite_store.read() as session:
        rows = list(session.scalars(select(ModelCallRow).order_by(ModelCallRow.id)))
    assert [(r.backend, r.model_id, r.cache_hit) for r in rows] == [
        ("echo", "echo:parrot", False),
        ("echo", "echo:parrot", True),
    ]


def test_options_reach_the_backend(echo):
    assert load_model("echo:parrot", cache=False, shout=True).ask("hi").text == "PARROT: HI"


def test_the_backend_parses_its_own_target(echo):
    assert parse_model("echo:parrot") == ModelSpec("echo", "parrot")
    with pytest.raises(InputError, match="an echo prefix is one word: 'two words'"):
        parse_model("echo:two words")


def test_coalign_models_lists_a_registered_backend(echo, capsys):
    assert run(["models"]) == 0
    out = capsys.readouterr().out
    assert "  echo:PREFIX" in out and "repeats the prompt (tests)" in out


def test_an_unregistered_backend_is_not_a_model_string(echo):
    unregister_backend("echo")
    try:
        with pytest.raises(InputError, match="not a model string: 'echo:parrot'"):
            parse_model("echo:parrot")
    finally:
        register_backend(ECHO)


def test_names_are_unique_and_usable_in_model_strings(echo):
    with pytest.raises(ValueError, match="already registered"):
        register_backend(ECHO)
    with pytest.raises(ValueError, match="already registered"):
        register_backend(BackendType("openai", parse_echo, (), create_echo))
    with pytest.raises(ValueError, match="cannot be empty or contain ':'"):
        register_backend(BackendType("a:b", parse_echo, (), create_echo))
    with pytest.raises(ValueError, match="no backend named 'openai' was registered"):
        unregister_backend("openai")


def test_built_in_backends_in_their_listed_order():
    assert [b.name for b in backend_types()] == ["llama-cpp", "openai"]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            "gpt4",
            (
                "not a model string: 'gpt4'; use e.g. 'llama-cpp:smollm2-135m' or "
                "'openai:http://127.0.0.1:8000/v1#MODEL' (see `coalign models`)"
            ),
        ),
        ("llama-cpp:", "not a model string: 'llama-cpp:'"),
        ("vllm:http://x", "not a model string: 'vllm:http://x'"),
        ("openai:ftp://x#m", "not an http(s) URL in model string: 'ftp://x'"),
        ("openai:http://a,ftp://b#m", "not an http(s) URL in model string: 'ftp://b'"),
        ("openai:#m", "no server URL in model string: 'openai:#m'"),
        ("openai: , #m", "no server URL in model string: 'openai: , #m'"),
    ],
)
def test_bad_model_strings_say_why(model, message):
    with pytest.raises(InputError) as caught:
        parse_model(model)
    assert str(caught.value).startswith(message)


def test_model_strings_are_read_as_before():
    assert parse_model(" llama-cpp:/x.gguf#y ") == ModelSpec("llama-cpp", "/x.gguf#y")
    spec = parse_model("openai:http://a:1/v1,http://b:2/v1/#Q/Q")
    assert spec == ModelSpec("openai", "http://a:1/v1,http://b:2/v1/", "Q/Q")
    assert spec.model_id == "openai:http://a:1/v1,http://b:2/v1/#Q/Q"


def test_llama_cpp_loads_only_when_a_model_is_built():
    # Parsing and listing model strings must not load llama.cpp's native library or numpy.
    code = (
        "import sys, coalign.llm as llm\n"
        "assert 'coalign.llm.backends.llama_cpp' not in sys.modules\n"
        "llm.parse_model(None); llm.embedded_models(); llm.backend_types()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'llama_cpp', 'numpy'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
