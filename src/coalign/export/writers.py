"""Streaming writers: every row goes to JSONL, Parquet and a Hugging Face ``datasets`` folder at once.

Rows are buffered in small batches and written as they come, so memory stays flat whatever the
number of rows. The ``datasets`` folder is written the way ``Dataset.save_to_disk`` lays it out
(an Arrow stream file, ``dataset_info.json``, ``state.json``) but without first building the whole
dataset in a cache, so ``datasets.load_from_disk`` reads it back directly.

Layout under the export folder, per format ``F``::

    data/F.jsonl   data/F.parquet   hf/F/…   provenance/F.jsonl (TRL formats)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coalign.core.errors import CoalignError
from coalign.core.ids import content_hash

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_ROWS = 2000
INSTALL_HINT = "install coalign[export] (pip install 'coalign[export]')"


class MissingExportExtraError(CoalignError):
    """pyarrow or datasets is not installed."""


def require_export_extra() -> None:
    """Fail early, with the extra to install, when pyarrow or datasets is missing."""
    for module in ("pyarrow", "datasets"):
        try:
            __import__(module)
        except ImportError as exc:
            raise MissingExportExtraError(f"{module} is not installed: {INSTALL_HINT}") from exc


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
        from datasets import Features
        from datasets.arrow_writer import ArrowWriter

        self.name = name
        self.schema = schema
        self.rows = 0
        self.files: list[Path] = []
        self._buffer: list[dict[str, Any]] = []
        for folder in ("data", "provenance", f"hf/{name}"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        self._jsonl_path = out / "data" / f"{name}.jsonl"
        self._parquet_path = out / "data" / f"{name}.parquet"
        self._hf_dir = out / "hf" / name
        self._arrow_path = self._hf_dir / "data-00000-of-00001.arrow"
        self._prov_path = out / "provenance" / f"{name}.jsonl" if provenance else None
        self._jsonl = self._jsonl_path.open("w", encoding="utf-8")
        self._prov = self._prov_path.open("w", encoding="utf-8") if self._prov_path else None
        self._parquet = pq.ParquetWriter(self._parquet_path, schema)
        self._features = Features.from_arrow_schema(schema)
        self._arrow = ArrowWriter(features=self._features, path=str(self._arrow_path))

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
        self._arrow.write_table(table)
        self._buffer.clear()

    def close(self) -> None:
        """Flush, finish every file and write the ``datasets`` metadata."""
        from datasets import DatasetInfo

        self._flush()
        self._jsonl.close()
        if self._prov is not None:
            self._prov.close()
        self._parquet.close()
        written, _ = self._arrow.finalize()
        self._arrow.close()
        DatasetInfo(features=self._features).write_to_directory(str(self._hf_dir))
        state = {
            "_data_files": [{"filename": self._arrow_path.name}],
            "_fingerprint": content_hash([self.name, self.rows, sha256_file(self._arrow_path)], 16),
            "_format_columns": None,
            "_format_kwargs": {},
            "_format_type": None,
            "_output_all_columns": False,
            "_split": None,
        }
        (self._hf_dir / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
        if written != self.rows:
            raise CoalignError(
                f"{self.name}: wrote {written} rows to Arrow but {self.rows} to JSONL"
            )
        self.files = sorted(
            [self._jsonl_path, self._parquet_path, *self._hf_dir.iterdir()]
            + ([self._prov_path] if self._prov_path else [])
        )

    def abort(self) -> None:
        """Close every file without finishing it (the export's staging folder is removed anyway)."""
        self._jsonl.close()
        if self._prov is not None:
            self._prov.close()
        self._parquet.close()
        self._arrow.close()

    def __enter__(self) -> FormatWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
