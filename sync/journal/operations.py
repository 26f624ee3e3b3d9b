"""The journal's operations: a plan journalled, operations started, the target's answers recorded."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from adapters.base import ChangeResult

from ..models import Operation, ReviewItem, SyncRun
from ..plan import Plan, PlannedOp

__all__ = ["CHUNK", "journalled_people", "mark_started", "record_results", "save_plan", "state_counts"]

CHUNK = 500
"""Rows per statement or transaction."""
_CHUNK = CHUNK


def _freeze(rows: Iterable[Operation]) -> None:
    """Keep each row's entry, as its run's report shows it now, in that run's report (``frozen``, by seq) before
    a later run takes the row over or closes it: a past run's report is built from what it journalled and does
    not change later (docs/decisions/0024). Call inside the transaction that changes the rows."""
    from ..report import entry_from_row

    by_run: dict[int, dict[str, Any]] = {}
    for row in rows:
        by_run.setdefault(row.run_id, {})[str(row.seq)] = entry_from_row(row)
    for run_id, entries in by_run.items():
        past = SyncRun.objects.select_for_update().filter(pk=run_id).first()
        if past is None:
            continue
        frozen = {**entries, **((past.report or {}).get("frozen") or {})}  # the first snapshot of a row stays
        SyncRun.objects.filter(pk=run_id).update(report={**(past.report or {}), "frozen": frozen})


def _row(run: SyncRun, op: PlannedOp) -> Operation:
    return Operation(run=run, target=run.target_key, key=op.key, seq=op.seq, stream=op.stream, action=op.action,
                     force=op.force, subject=op.subject[:255],
                     payload=op.record.model_dump(mode="json", exclude_none=True),
                     before=op.before.model_dump(mode="json", exclude_none=True) if op.before is not None else None,
                     reason=op.reason, reason_params=op.params,
                     state=Operation.SKIPPED if op.held else Operation.PLANNED)


def save_plan(run: SyncRun, plan: Plan) -> dict[str, int]:
    """Journal the plan's operations (held ones as ``skipped``) and review items; return key → operation id.

    The source's new delta bookmark is kept on the run; it counts only once the run is done.

    A key already journalled for this target by an earlier run is taken over by this run: a row left
    ``started`` stays ``started`` (its write may have happened: the runner re-reads before writing), any
    other becomes ``planned`` again (the target differs from what that run wrote, or it was held back).
    """
    if plan.source_bookmark:
        run.bookmark = {**(run.bookmark or {}), "source": plan.source_bookmark}
        SyncRun.objects.filter(pk=run.pk).update(bookmark=run.bookmark)
    ops = plan.ops + plan.held
    for start in range(0, len(ops), _CHUNK):
        chunk = ops[start:start + _CHUNK]
        with transaction.atomic():
            existing = {row.key: row for row in Operation.objects.select_for_update().filter(
                target=run.target_key, key__in=[op.key for op in chunk])}
            fresh, taken, frozen = [], [], []
            for op in chunk:
                row = _row(run, op)
                old = existing.get(op.key)
                if old is None:
                    fresh.append(row)
                    continue
                if old.run_id != run.pk:
                    frozen.append(old)
                row.pk, row.attempts = old.pk, old.attempts
                if old.state == Operation.STARTED and not op.held:
                    row.state = Operation.STARTED
                row.result = {"previous_run": old.run_id, "previous_state": old.state}
                taken.append(row)
            Operation.objects.bulk_create(fresh)
            _freeze(frozen)
            if taken:
                Operation.objects.bulk_update(taken, ["run", "seq", "stream", "action", "force", "subject", "payload",
                                                      "before", "reason", "reason_params", "state", "result"])
    ReviewItem.objects.bulk_create(
        [ReviewItem(run=run, person=case.person.model_dump(mode="json", exclude_none=True), reason=case.reason,
                    reason_params=case.params, records=case.records,
                    candidates=[c.model_dump(mode="json", exclude_none=True) for c in case.candidates])
         for case in plan.review], batch_size=_CHUNK)
    ids: dict[str, int] = {}
    for key, pk in Operation.objects.filter(run=run).values_list("key", "pk").iterator(chunk_size=2000):
        ids[key] = pk
    return ids


def mark_started(run: SyncRun, ids: Sequence[int]) -> None:
    """Commit ``ids`` as ``started`` (and count the attempt) before their write is sent."""
    with transaction.atomic():
        Operation.objects.filter(pk__in=list(ids)).update(state=Operation.STARTED, attempts=F("attempts") + 1,
                                                          updated_at=timezone.now())
        SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


def _state_of(result: ChangeResult) -> str:
    return {"applied": Operation.DONE, "unchanged": Operation.DONE, "skipped": Operation.SKIPPED}.get(
        result.status, Operation.FAILED)


def record_results(run: SyncRun, results: Iterable[tuple[int, ChangeResult]],
                   bookmark: dict[str, Any] | None) -> None:
    """Commit the target's answers and, in the same transaction, the run's new bookmark.

    Results with the same outcome are one ``UPDATE … WHERE id IN (…)`` (a batch is nearly always one).
    ``bookmark=None`` leaves the bookmark alone (chunks applied by Celery tasks in parallel do not keep one:
    their :class:`~sync.models.SyncChunk` rows say what is committed).
    """
    now = timezone.now()
    groups: dict[str, tuple[dict[str, Any], list[int]]] = {}
    for pk, result in results:
        state = _state_of(result)
        values = {"state": state, "retriable": state == Operation.FAILED and result.retriable,
                  "error": result.error if state == Operation.FAILED else None,
                  "result": {"status": result.status, **({"message": result.message} if result.message else {}),
                             **({"kept": True} if result.kept else {})}}
        signature = json.dumps(values, sort_keys=True, default=str)
        groups.setdefault(signature, (values, []))[1].append(pk)
    with transaction.atomic():
        for values, ids in groups.values():
            for start in range(0, len(ids), _CHUNK):
                Operation.objects.filter(pk__in=ids[start:start + _CHUNK]).update(updated_at=now, **values)
        if bookmark is None:
            SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=now)
        else:
            SyncRun.objects.filter(pk=run.pk).update(bookmark=bookmark, heartbeat_at=now)


def state_counts(run: SyncRun) -> dict[str, int]:
    """Operations of ``run`` by state."""
    rows = Operation.objects.filter(run=run).values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def journalled_people(target_key: str, ops: Sequence[PlannedOp]) -> set[str]:
    """The keys of ``ops`` whose person the journal of ``target_key`` already knows: the same change journalled
    by an earlier run (say an e-mail allowed to enrol on registration), or any operation of the stream on this
    target naming the person's 学号 or e-mail (say an unenrollment). Reads only; nothing is written."""
    known: set[str] = set()
    for start in range(0, len(ops), _CHUNK):
        chunk = ops[start:start + _CHUNK]
        numbers = {op.person.student_number: op for op in chunk if op.person.student_number}
        emails = {e: op for op in chunk if op.person.email for e in (op.person.email, op.person.email.lower())}
        rows = Operation.objects.filter(target=target_key, stream=chunk[0].stream).filter(
            Q(key__in=[op.key for op in chunk]) | Q(payload__person__student_number__in=list(numbers))
            | Q(payload__person__email__in=list(emails)))
        keys = {op.key for op in chunk}
        for key, payload in rows.values_list("key", "payload").iterator(chunk_size=_CHUNK):
            person = (payload or {}).get("person") or {}
            found = [numbers.get(person.get("student_number")), emails.get(person.get("email")),
                     emails.get(str(person.get("email") or "").lower())]
            known.update(op.key for op in found if op is not None)
            if key in keys:
                known.add(key)
    return known
