"""A user lookup kept on disk: sourcedId → Person, for joining enrollments and results to people.

Enrollments and results name only a user's sourcedId, but the engine matches people by 学号, so each
needs the user's details. A province holds hundreds of thousands of users; this index keeps them in a
temporary SQLite file (standard library, deleted on :meth:`UserIndex.close`) instead of memory, so a
full pull stays flat in memory however large the roster. People already validated as
:class:`~adapters.records.Person` are stored column by column and rebuilt without re-validation.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterable

from adapters.records import Person

__all__ = ["UserIndex"]

_COLUMNS = ("student_number", "username", "email", "phone", "name")


class UserIndex:
    """sourcedId → Person, on disk; safe to use from the thread that created it."""

    def __init__(self, directory: str | None = None):
        handle, self.path = tempfile.mkstemp(prefix="oneroster-users-", suffix=".sqlite", dir=directory)
        os.close(handle)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE users (sid TEXT PRIMARY KEY, student_number TEXT, username TEXT, "
                         "email TEXT, phone TEXT, name TEXT)")
        self.count = 0
        self.complete = False

    def add_many(self, people: Iterable[Person]) -> None:
        """Store people (keyed by ``external_ids["oneroster"]``); a later entry replaces an earlier one."""
        rows = [(p.external_ids["oneroster"], *(getattr(p, c) for c in _COLUMNS)) for p in people]
        self._db.executemany("INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?, ?)", rows)
        self.count += len(rows)

    def get(self, sourced_id: str) -> Person | None:
        """The person with ``sourced_id``, or ``None``."""
        row = self._db.execute("SELECT student_number, username, email, phone, name FROM users WHERE sid = ?",
                               (sourced_id,)).fetchone()
        if row is None:
            return None
        return Person.model_construct(source="oneroster", external_ids={"oneroster": sourced_id},
                                      **dict(zip(_COLUMNS, row, strict=True)))

    def get_many(self, ids: Iterable[str]) -> dict[str, Person]:
        """The known people among ``ids``."""
        found = {}
        for sid in set(ids):
            person = self.get(sid)
            if person is not None:
                found[sid] = person
        return found

    def close(self) -> None:
        """Close and delete the file."""
        try:
            self._db.close()
        finally:
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def __enter__(self) -> UserIndex:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
