"""The rows of a OneRoster CSV bundle being written: the bundle already at the path, plus the changes staged.

A bundle is a target like any other: what it holds is its state, and a write changes that state, not the
whole file. So the stage starts as a copy of the bundle at the path (when there is one), keyed by
``(file, sourcedId)`` in a temporary SQLite file, and a change replaces or removes one row — the columns we do
not manage (``grades``, ``middleName``, other ``metadata.*``) stay as they were. A row that differs from the
staged one only in ``dateLastModified`` is unchanged (its old date is kept). :meth:`Stage.commit` writes the
whole bundle atomically (:class:`~.csvbundle.BundleWriter`).

A bundle of another version or mode than the adapter's is refused (``bundle_mismatch``) rather than rewritten
in a shape its readers do not expect. Identifier cells that would run as spreadsheet formulas are refused
(:func:`.csvrows.check_cells`); free-text cells are kept as meant and neutralised only when written.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from adapters.errors import DataError
from adapters.i18n import Translator

from .csvbundle import BundleReader, BundleWriter
from .csvrows import TEXT_COLUMNS, check_cells, unsafe_text

__all__ = ["Stage"]

_ = Translator.for_package("adapters").gettext

_DATES = ("dateLastModified",)


class Stage:
    """Staged rows of the bundle at ``path`` (see the module docstring). Thread-safe."""

    def __init__(self, path: Path, version: str, mode: str, source_name: str):
        self.path, self.version, self.mode, self.source_name = path, version, mode, source_name
        self.lock = threading.RLock()
        self.dirty = False
        self._db: sqlite3.Connection | None = None
        self._file: str | None = None

    def db(self) -> sqlite3.Connection:
        """The staging table, created (and filled from the bundle at the path) on first use."""
        with self.lock:
            if self._db is None:
                handle, self._file = tempfile.mkstemp(prefix="oneroster-stage-", suffix=".sqlite")
                os.close(handle)
                db = sqlite3.connect(self._file, check_same_thread=False)
                db.execute("CREATE TABLE rows (file TEXT, sid TEXT, data TEXT, PRIMARY KEY (file, sid))")
                try:
                    if self.path.exists():
                        self._seed(db)
                except BaseException:
                    db.close()
                    raise
                self._db = db
            return self._db

    def _seed(self, db: sqlite3.Connection) -> None:
        with BundleReader(self.path) as bundle:
            modes = {m for m in bundle.manifest.files.values() if m != "absent"}
            if bundle.version != self.version or modes - {self.mode}:
                found = "/".join(sorted(modes)) or self.mode
                raise DataError(_("{path} is a OneRoster {version} {mode} bundle; this target writes {want_version} "
                                  "{want_mode}. Give version={version}&mode={mode} to update it, or write to a new "
                                  "file.").format(path=self.path, version=bundle.version, mode=found,
                                                   want_version=self.version, want_mode=self.mode),
                                code="bundle_mismatch", where={"file": str(self.path)})
            for name, mode in bundle.manifest.files.items():
                if mode == "absent":
                    continue
                for line, row in bundle.rows(name):
                    kept = {k: unsafe_text(v) if k in TEXT_COLUMNS else v for k, v in row.items() if v != ""}
                    try:
                        check_cells(name, kept)
                    except DataError as error:
                        error.where["line"] = line
                        raise
                    db.execute("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)",
                               (name, row["sourcedId"], json.dumps(kept, sort_keys=True, ensure_ascii=False)))

    def get(self, name: str, sid: str) -> dict[str, Any] | None:
        """The staged row ``sid`` of ``name`` (``None`` if there is none)."""
        with self.lock:
            if self._db is None and not self.path.exists():
                return None
            found = self.db().execute("SELECT data FROM rows WHERE file = ? AND sid = ?", (name, sid)).fetchone()
            return json.loads(found[0]) if found else None

    def put(self, name: str, row: dict[str, Any], replace: bool = True) -> bool:
        """Stage ``row`` over the one with its sourcedId (columns it does not give are kept); return False when
        nothing changed (same values but ``dateLastModified``, or an existing row and ``replace`` False)."""
        check_cells(name, row)
        with self.lock:
            old = self.get(name, row["sourcedId"])
            if old is not None and not replace:
                return False
            new = {k: v for k, v in {**(old or {}), **row}.items() if v not in ("", None)}
            if old is not None and _same(old, new):
                return False
            self.db().execute("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)",
                              (name, row["sourcedId"], json.dumps(new, sort_keys=True, ensure_ascii=False)))
            self.dirty = True
            return True

    def delete(self, name: str, sid: str) -> bool:
        """Remove row ``sid`` of ``name``; return whether there was one."""
        with self.lock:
            gone = self.db().execute("DELETE FROM rows WHERE file = ? AND sid = ?", (name, sid)).rowcount
            self.dirty = self.dirty or bool(gone)
            return bool(gone)

    def graded(self, student: str, class_id: str) -> bool:
        """Whether results.csv holds a result of ``student`` on a line item of class ``class_id``."""
        with self.lock:
            if self._db is None and not self.path.exists():
                return False
            found = self.db().execute(
                "SELECT 1 FROM rows WHERE file = 'results.csv' AND json_extract(data, '$.studentSourcedId') = ? "
                "AND json_extract(data, '$.lineItemSourcedId') IN (SELECT sid FROM rows WHERE file = 'lineItems.csv' "
                "AND json_extract(data, '$.classSourcedId') = ?) LIMIT 1", (student, class_id)).fetchone()
            return found is not None

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        """The staged rows of ``name`` by sourcedId."""
        for (data,) in self.db().execute("SELECT data FROM rows WHERE file = ? ORDER BY sid", (name,)):
            yield json.loads(data)

    def commit(self) -> Path | None:
        """Write the bundle (atomically) when something changed since the last commit; return its path."""
        with self.lock:
            if self._db is None or not self.dirty:
                return None
            self._db.commit()
            writer = BundleWriter(self.path, self.version, self.mode, source_name=self.source_name)
            names = [r[0] for r in self._db.execute("SELECT DISTINCT file FROM rows ORDER BY file")]
            for name in names:
                extra = sorted({k for row in self.rows(name) for k in row if k.startswith("metadata.")})
                writer.add(name, self.rows(name), extra)
            path = writer.commit()
            self.dirty = False
            return path

    def close(self) -> None:
        """Drop the staging file (after :meth:`commit`; without one, staged changes are forgotten)."""
        with self.lock:
            self.dirty = False
            if self._db is not None:
                self._db.close()
                self._db = None
            if self._file:
                try:
                    os.unlink(self._file)
                except OSError:
                    pass
                self._file = None


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    def plain(row: dict[str, Any]) -> dict[str, Any]:
        return {k: str(v) for k, v in row.items() if k not in _DATES and not (k == "status" and v == "active")}

    return plain(old) == plain(new)
