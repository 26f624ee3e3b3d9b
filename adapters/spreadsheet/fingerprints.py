"""What mooc-bridge wrote into each cell of a 教务 draft, so a cell a person changed afterwards is recognised.

docs/decisions/0021: every cell mooc-bridge writes gets a fingerprint (a short keyed hash of the row key, the
column role and the value, not the value itself), kept *with the draft*: in a very hidden sheet of the .xlsx
(``mooc-bridge``; Excel and WPS keep it when a person edits and saves) or, for a CSV draft, in a hidden file
beside it (``.NAME.mooc-bridge.json``). A cell whose value no longer hashes to its fingerprint was changed by a
person; a row with fingerprints but no longer in the file was deleted by a person; a row without any was typed
in by a person. A draft written before fingerprints existed has none at all (``tracked`` False): its cells
are taken as mooc-bridge's once, and fingerprinted when it is next saved.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = ["GRADE_ROLES", "META_SHEET", "Fingerprints", "sidecar"]

META_SHEET = "mooc-bridge"
"""The very hidden sheet of an .xlsx draft that holds the fingerprints."""

GRADE_ROLES = frozenset({"total", "remark", "scale_name"})
"""The cells that make a grade: a person's change to any of them keeps the row's grade from being overwritten."""

_TITLE = "mooc-bridge cell fingerprints v1 (do not edit)"
_SIDECAR_LIMIT = 64 * 1024 * 1024


def sidecar(path: Path) -> Path:
    """The hidden file beside a CSV draft that holds its fingerprints."""
    return path.with_name(f".{path.name}.mooc-bridge.json")


def canonical(value: Any) -> str:
    """A cell's value as text that is the same from .xlsx and CSV (``88`` and ``"88"``, ``88.0`` and ``88``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value).strip()


class Fingerprints:
    """The fingerprints of one draft: row key → role → hash. ``tracked``: the draft had fingerprints when read."""

    def __init__(self, cells: dict[tuple, dict[str, str]] | None = None, tracked: bool = False):
        self.cells = cells or {}
        self.tracked = tracked

    @staticmethod
    def of(key: tuple, role: str, value: Any) -> str:
        """The fingerprint of ``value`` in column ``role`` of row ``key`` (16 hex digits)."""
        material = "\x1f".join((*key, role, canonical(value)))
        return hashlib.blake2b(material.encode(), digest_size=8, person=b"mooc-bridge-cell").hexdigest()

    def remember(self, key: tuple, row: dict[str, Any], roles: set[str] | None = None) -> None:
        """Note what mooc-bridge wrote into ``row`` (only ``roles`` when given; other cells keep their print)."""
        cells = self.cells.setdefault(key, {})
        for role, value in row.items():
            if roles is None or role in roles:
                cells[role] = self.of(key, role, value)

    def hand_edits(self, key: tuple, row: dict[str, Any] | None) -> set[str] | None:
        """The roles of ``row`` a person changed since mooc-bridge wrote them.

        ``None``: the row was deleted by a person (fingerprints, no row). A row without fingerprints in a
        tracked draft was typed in by a person: all its filled cells count as changed. Untracked: nothing.
        """
        cells = self.cells.get(key)
        if row is None:
            return None if cells else set()
        if cells is None:
            return {role for role, value in row.items() if canonical(value)} if self.tracked else set()
        return {role for role, value in row.items() if cells.get(role) != self.of(key, role, value)}

    # storage ------------------------------------------------------------------------------------------------

    def rows(self, roles: list[str]) -> list[list[str]]:
        """The metadata sheet's rows: a title, the header, one row per key (key as JSON, then the prints)."""
        lines = [[_TITLE], ["key", *roles]]
        for key, cells in self.cells.items():
            lines.append([json.dumps(list(key), ensure_ascii=False), *(cells.get(role, "") for role in roles)])
        return lines

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]]) -> Fingerprints:
        """Back from :meth:`rows` (a sheet that is not ours, or damaged lines, are ignored)."""
        if len(rows) < 2 or str(rows[0][0] or "") != _TITLE:
            return cls()
        roles = [str(v or "") for v in rows[1][1:]]
        cells: dict[tuple, dict[str, str]] = {}
        for values in rows[2:]:
            try:
                key = tuple(str(part) for part in json.loads(str(values[0])))
            except (ValueError, TypeError, IndexError):
                continue
            cells[key] = {role: str(v) for role, v in zip(roles, values[1:], strict=False) if role and v}
        return cls(cells, tracked=True)

    def save_sidecar(self, path: Path, roles: list[str]) -> None:
        """Write the fingerprints of the CSV draft ``path`` beside it (through a temporary file)."""
        target = sidecar(path)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(json.dumps(self.rows(roles), ensure_ascii=False), encoding="utf-8")
        temporary.replace(target)

    @classmethod
    def load_sidecar(cls, path: Path) -> Fingerprints:
        """The fingerprints kept beside the CSV draft ``path`` (none when absent, too large or damaged)."""
        target = sidecar(path)
        try:
            if target.stat().st_size > _SIDECAR_LIMIT:
                return cls()
            rows = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        return cls.from_rows([tuple(row) for row in rows if isinstance(row, list) and row])
