"""Streaming writers: every row goes to JSONL and Parquet at once.

Rows are buffered in small batches and written as they come, so memory stays flat whatever the
number of rows. The Parquet files are the Hugging Face dataset: the card's ``configs`` name one
per format, so ``datasets.load_dataset(<export folder>, <format>)`` and the Hub read them as they
are, and nothing is written in the private layout of ``datasets``' own cache.

Layout under the export folder, per format ``F``::

    data/F.jsonl   data/F.parquet   provenance/F.jsonl (TRL formats)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coalign.core.errors import CoalignError

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_ROWS = 2000
INSTALL_HINT = "install coalign[export] (pip install 'coalign[export]')"


class MissingExportExtraError(CoalignError):
    """pyarrow is not installed."""


def require_export_extra() -> None:
    """Fail early, with the extra to install, when pyarrow is missing."""
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise MissingExportExtraError(f"pyarrow is not installed: {INSTALL_HINT}") from exc


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class FormatWriter:
    """Writes the rows of one format to every output at once.

    Use as a context manager; :attr:`rows` counts what was written and :attr:`files` lists every
    file once closed.
    """

    def __init__(self, out: Path, name: str, schema: pa.Schema, *, provenance: bool) -> None:
        import pyarrow.parquet as pq

        self.name = name
        self.schema = schema
        self.rows = 0
        self.files: list[Path] = []
        self._buffer: list[dict[str, Any]] = []
        for folder in ("data", "provenance"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        self._jsonl_path = out / "data" / f"{name}.jsonl"
        self._parquet_path = out / "data" / f"{name}.parquet"
        self._prov_path = out / "provenance" / f"{name}.jsonl" if provenance else None
        self._jsonl = self._jsonl_path.open("w", encoding="utf-8")
        self._prov = self._prov_path.open("w", encoding="utf-8") if self._prov_path else None
        self._parquet = pq.ParquetWriter(self._parquet_path, schema)

    def write(self, row: dict[str, Any], provenance: dict[str, Any] | None = None) -> None:
        """Add one row (and, for formats that keep it beside the data, its provenance)."""
        self._jsonl.write(json.dumps(row, ensure_ascii=False) + "\n")
        if self._prov is not None:
            self._prov.write(
                json.dumps({"row": self.rows, **(provenance or {})}, ensure_ascii=False) + "\n"
            )
        self._buffer.append(row)
        self.rows += 1
        if len(self._buffer) >= BATCH_ROWS:
            self._flush()

    def write_all(self, rows: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        """Write ``(row, provenance)`` pairs."""
        for row, provenance in rows:
            self.write(row, provenance)

    def _flush(self) -> None:
        import pyarrow as pa

        if not self._buffer:
            return
        table = pa.Table.from_pylist(self._buffer, schema=self.schema)
        self._parquet.write_table(table)
        self._buffer.clear()

    def close(self) -> None:
        """Flush and finish every file; :attr:`files` then lists them."""
        self._flush()
        self._jsonl.close()
        if self._prov is not None:
            self._prov.close()
        self._parquet.close()
        self.files = sorted(
            [self._jsonl_path, self._parquet_path] + ([self._prov_path] if self._prov_path else [])
        )

    def abort(self) -> None:
        """Close every file without finishing it (the export's staging folder is removed anyway)."""
        self._jsonl.close()
        if self._prov is not None:
            self._prov.close()
        self._parquet.close()

    def __enter__(self) -> FormatWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
