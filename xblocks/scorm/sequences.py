"""The newer commit wins, always: an atomic compare on the stored sequence, in the transaction of the write.

:func:`guarded` opens a database transaction and claims the commit's sequence number for its (block,
learner, attempt, SCO) row with a conditional ``UPDATE … WHERE sequence < n``. The database serialises
two claims on the same row (a row lock on MySQL/PostgreSQL; the write lock of ``BEGIN IMMEDIATE`` on
SQLite), so of two concurrent commits ``n`` and ``n+1`` exactly one order is possible: ``n+1`` stored
last, or ``n`` refused as older. The learner state is written inside the same transaction; a commit the
rules then refuse rolls its claim back.

Every handler that reads and writes a learner's record (commit, launch, the engine state, a new attempt,
the player page) does it inside :func:`locked`: one row per (block, learner) is written first, so two
requests of the same learner are serialised even when they touch different SCOs or none. Without it a
terminate commit sent by beacon and the sequencing engine's state posted a moment later each read the
record before the other wrote it, and the one written last lost the other's data (ADR 0027).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Literal

from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone

Verdict = Literal["newer", "same", "older", "unchecked"]


def _key(usage_id: str, learner_id: str, attempt: int, sco: str) -> str:
    text = "\0".join((usage_id, learner_id, str(attempt), sco))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _alias() -> str:
    from .models import CommitSequence

    return router.db_for_write(CommitSequence)


@lru_cache(maxsize=8)
def _claim_sql(alias: str) -> str:
    """The claim as one ``UPDATE``, built once per database (quoted as that database quotes: ``key`` is a
    reserved word in MySQL)."""
    from .models import CommitSequence

    quote, meta = connections[alias].ops.quote_name, CommitSequence._meta
    key, sequence = quote(meta.get_field("key").column), quote(meta.get_field("sequence").column)
    # only our model's quoted names are formatted in; every value is a parameter
    return f"UPDATE {quote(meta.db_table)} SET {sequence} = %s WHERE {key} = %s AND {sequence} < %s"  # noqa: S608


def claim(usage_id: str, learner_id: str, attempt: int, sco: str, sequence: int, *,
          using: str | None = None) -> tuple[Verdict, int]:
    """Claim ``sequence`` (inside a transaction on database ``using``, by default the model's): (``newer`` if it is
    now the stored one, else ``same``/``older``; the stored sequence)."""
    from .models import CommitSequence

    key = _key(usage_id, learner_id, attempt, sco)
    alias = using or _alias()
    # writes first (the usual commit is this one UPDATE, without the ORM's query building), so that SQLite locks
    # before anything is read
    with connections[alias].cursor() as cursor:
        cursor.execute(_claim_sql(alias), [sequence, key, sequence])
        if cursor.rowcount:
            return "newer", sequence
    rows = CommitSequence.objects.using(alias).filter(key=key)
    CommitSequence.objects.using(alias).bulk_create([CommitSequence(key=key, sequence=-1)], ignore_conflicts=True)
    if rows.filter(sequence__lt=sequence).update(sequence=sequence):
        return "newer", sequence
    stored = rows.values_list("sequence", flat=True).first()
    return ("same" if stored == sequence else "older"), stored if stored is not None else -1


@lru_cache(maxsize=8)
def _lock_sql(alias: str) -> str:
    """The record lock as one ``UPDATE`` of its row, built once per database (as :func:`_claim_sql`)."""
    from .models import CommitSequence

    quote, meta = connections[alias].ops.quote_name, CommitSequence._meta
    key, sequence = quote(meta.get_field("key").column), quote(meta.get_field("sequence").column)
    return f"UPDATE {quote(meta.db_table)} SET {sequence} = {sequence} + 1 WHERE {key} = %s"  # noqa: S608


def _lock(usage_id: str, learner_id: str, alias: str) -> None:
    from .models import CommitSequence

    key = hashlib.sha256("\0".join((usage_id, learner_id, "record")).encode("utf-8", "surrogatepass")).hexdigest()
    with connections[alias].cursor() as cursor:  # a write: the row (SQLite: the database) is ours until commit
        cursor.execute(_lock_sql(alias), [key])
        if cursor.rowcount:
            return
    CommitSequence.objects.using(alias).bulk_create([CommitSequence(key=key, sequence=0)], ignore_conflicts=True)
    CommitSequence.objects.using(alias).filter(key=key).update(sequence=F("sequence") + 1)


@contextmanager
def locked(usage_id: str, learner_id: str) -> Iterator[None]:
    """A transaction holding the lock on one learner's record in one block: read the record inside, write it
    (``block.save()``) inside, and no other request of that learner reads it in between."""
    alias = _alias()
    with transaction.atomic(using=alias):
        _lock(usage_id, learner_id, alias)
        yield


@contextmanager
def guarded(usage_id: str, learner_id: str, payload: Any) -> Iterator[tuple[Verdict, int]]:
    """A transaction in which the commit ``payload`` has claimed its sequence: what :func:`claim` returns, or
    (``unchecked``, -1) when the payload is malformed.

    A malformed payload claims nothing: the commit rules refuse it. Call :func:`refuse` inside the block
    when the commit is refused, so that its claim is rolled back.
    """
    alias = _alias()
    with transaction.atomic(using=alias):
        _lock(usage_id, learner_id, alias)
        fields = _fields(payload)
        yield ("unchecked", -1) if fields is None else claim(usage_id, learner_id, *fields, using=alias)


def _state_key(usage_id: str, learner_id: str) -> str:
    return hashlib.sha256("\0".join((usage_id, learner_id, "state")).encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=8)
def _state_sql(alias: str) -> tuple[str, str]:
    """The state row's ``SELECT`` and ``UPDATE`` by primary key, built once per database (as :func:`_claim_sql`)."""
    from .models import LearnerState

    quote, meta = connections[alias].ops.quote_name, LearnerState._meta
    table, key = quote(meta.db_table), quote(meta.get_field("key").column)
    data, updated = quote(meta.get_field("data").column), quote(meta.get_field("updated").column)
    return (f"SELECT {data} FROM {table} WHERE {key} = %s",  # noqa: S608
            f"UPDATE {table} SET {data} = %s, {updated} = %s WHERE {key} = %s")  # noqa: S608


def load_state(usage_id: str, learner_id: str) -> dict[str, Any] | None:
    """The learner's state as last stored by :func:`store_state` (call inside :func:`locked`), or None."""
    alias = _alias()
    with connections[alias].cursor() as cursor:
        cursor.execute(_state_sql(alias)[0], [_state_key(usage_id, learner_id)])
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def store_state(usage_id: str, learner_id: str, state: Mapping[str, Any]) -> None:
    """Store the learner's state (inside :func:`locked`, so in the transaction that writes the fields)."""
    from .models import LearnerState

    alias, key, data = _alias(), _state_key(usage_id, learner_id), json.dumps(state, separators=(",", ":"))
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(alias)[1], [data, connection.ops.adapt_datetimefield_value(timezone.now()), key])
        if cursor.rowcount:
            return
    LearnerState.objects.using(alias).create(key=key, data=data)  # the lock is held: nobody inserts it meanwhile


def refuse() -> None:
    """Roll back the claim of the commit being handled (it was refused, so it must not count as newest)."""
    transaction.set_rollback(True, using=_alias())


def _fields(payload: Any) -> tuple[int, str, int] | None:
    if not isinstance(payload, Mapping):
        return None
    attempt, sco, sequence = payload.get("attempt"), payload.get("sco"), payload.get("seq")
    if (isinstance(attempt, bool) or not isinstance(attempt, int) or not isinstance(sco, str)
            or isinstance(sequence, bool) or not isinstance(sequence, int) or len(sco) > 4000):
        return None
    return attempt, sco, sequence
