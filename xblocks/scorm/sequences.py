"""One learner's state in one block, locked and read by one statement, written in the same transaction (ADR 0033).

Every handler that reads and writes a learner's record (commit, launch, the engine state, a new attempt, the
player page) does it inside :func:`locked`. Its first statement locks the learner's :class:`LearnerState` row
and reads it at once:

- ``SELECT … FOR UPDATE`` where the database has row locks (MySQL, PostgreSQL). A locking read returns the
  newest committed row even inside a transaction whose snapshot is older (InnoDB's REPEATABLE READ), which a
  plain ``SELECT`` after the lock would not;
- ``UPDATE … RETURNING`` on SQLite, where any write takes the database's write lock until commit.

So two requests of the same learner are serialised, and each reads what the other wrote. Without it a terminate
commit sent by beacon and the sequencing engine's state posted a moment later each read the record before the
other wrote it, and the one written last lost the other's data (ADR 0027).

Because the record is read under the lock, the sequence number each SCO's state keeps decides which of two
commits is newer (:func:`scorm.attempts.apply_commit`): of commits ``n`` and ``n+1`` either ``n+1`` is stored
last or ``n`` is refused as stale. Until ADR 0033 a second row per (attempt, SCO), ``CommitSequence``, was
claimed by each commit for that; the table is no longer written.

A learner seen for the first time gets an empty row (``data = ""``: nothing stored yet), inserted before the lock
is taken, so that the lock always has a row to hold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pydantic_core
from django.db import connections, router, transaction
from django.utils import timezone


@lru_cache(maxsize=4096)
def _state_key(usage_id: str, learner_id: str) -> str:
    return hashlib.sha256("\0".join((usage_id, learner_id, "state")).encode("utf-8", "surrogatepass")).hexdigest()


def _alias() -> str:
    from .models import LearnerState

    return router.db_for_write(LearnerState)


@lru_cache(maxsize=8)
def _sql(alias: str) -> tuple[str, str, str | None]:
    """The row's lock-and-read, its write, and (old SQLite only) the read after the lock, built once per database.

    Only our model's quoted names are formatted in (quoted as that database quotes them); every value is a
    parameter."""
    from .models import LearnerState

    connection = connections[alias]
    quote, meta = connection.ops.quote_name, LearnerState._meta
    table, key = quote(meta.db_table), quote(meta.get_field("key").column)
    data, updated = quote(meta.get_field("data").column), quote(meta.get_field("updated").column)
    write = f"UPDATE {table} SET {data} = %s, {updated} = %s WHERE {key} = %s"  # noqa: S608
    select = f"SELECT {data} FROM {table} WHERE {key} = %s"  # noqa: S608
    if connection.features.has_select_for_update:  # MySQL, PostgreSQL, Oracle: a row lock
        return f"{select} FOR UPDATE", write, None
    touch = f"UPDATE {table} SET {updated} = {updated} WHERE {key} = %s"  # noqa: S608
    if connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 35):
        return f"{touch} RETURNING {data}", write, None
    return touch, write, select  # a write locks, then a read: two statements


def _lock_and_read(cursor, alias: str, key: str) -> str | None:
    """Lock the row ``key`` and return its data; None when there is no row (nothing is locked then)."""
    lock, _write, read_after = _sql(alias)
    cursor.execute(lock, [key])
    if read_after is not None:
        if not cursor.rowcount:
            return None
        cursor.execute(read_after, [key])
    rows = cursor.fetchall()
    return rows[0][0] if rows else None


class Held:
    """One learner's locked row: its data as stored (``raw``; None: nothing stored yet), and :meth:`store`."""

    def __init__(self, cursor, connection, key: str, raw: str | None):
        self._cursor, self._connection, self._key, self.raw = cursor, connection, key, raw

    @property
    def state(self) -> dict[str, Any] | None:
        """The learner's state as last stored, parsed (None: nothing stored yet)."""
        return pydantic_core.from_json(self.raw) if self.raw else None

    def store(self, state: Mapping[str, Any]) -> None:
        """Store the learner's state in the transaction that holds the lock (and writes the fields)."""
        if self._cursor is None:
            raise RuntimeError("store() outside locked(): the lock is released")
        connection = self._connection
        self.raw = pydantic_core.to_json(state).decode()
        self._cursor.execute(_sql(connection.alias)[1],
                             [self.raw, connection.ops.adapt_datetimefield_value(timezone.now()), self._key])


@contextmanager
def locked(usage_id: str, learner_id: str) -> Iterator[Held]:
    """A transaction holding the lock on one learner's state in one block: read the record from ``held.state``
    and write it with ``held.store`` only inside it."""
    from .models import LearnerState

    alias, key = _alias(), _state_key(usage_id, learner_id)
    connection = connections[alias]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        data = _lock_and_read(cursor, alias, key)
        if data is None:  # first seen: a row to lock (two first requests insert one; neither fails)
            LearnerState.objects.using(alias).bulk_create([LearnerState(key=key, data="")], ignore_conflicts=True)
            data = _lock_and_read(cursor, alias, key)
        held = Held(cursor, connection, key, data or None)
        try:
            yield held
        finally:
            held._cursor = None


def forget(usage_id: str, learner_id: str) -> bool:
    """Delete what is stored of one learner in one block (the LMS deleted the learner's state); whether it was."""
    from .models import LearnerState

    alias = _alias()
    deleted, _by_model = LearnerState.objects.using(alias).filter(key=_state_key(usage_id, learner_id)).delete()
    return bool(deleted)
