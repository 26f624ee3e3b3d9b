"""The journal: every database write of a run, in one place, each in its own short transaction.

Only the runner's main thread calls these functions (worker threads do I/O only), so SQLite never sees two
writers of ours at once. The order is the safety (docs/decisions/0012): an operation is committed as
``started`` before its write leaves, and its result is committed after the target answered; the run's
bookmark advances in the same transaction as the results it counts.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from adapters.base import ChangeResult
from adapters.i18n import Translator

from .models import Operation, ReviewItem, SyncChunk, SyncRun
from .plan import Plan, PlannedOp
from .plan_model import kept_courses, newly_kept

__all__ = ["STALE_AFTER", "approve_run", "claim_chunk", "claim_operations", "close_if_complete", "create_run",
           "cut_chunks", "discard_run", "finish_chunk", "finish_run", "hold_run", "is_alive", "live_runs",
           "mark_started", "newer_run", "progress_of", "record_results", "renew_chunk", "save_plan", "settle",
           "state_counts", "supersede"]

_ = Translator.for_package("sync").gettext

STALE_AFTER = timedelta(minutes=15)
"""A run on another host that has not written a heartbeat for this long is taken as dead."""

_CHUNK = 500


def is_alive(run: SyncRun) -> bool:
    """Whether a run marked ``running`` is really still running somewhere (fail-safe: unknown → alive)."""
    if run.status != SyncRun.RUNNING:
        return False
    if run.host == socket.gethostname() and run.pid:
        if run.pid == os.getpid():
            return False
        try:
            os.kill(run.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    moment = run.heartbeat_at or run.started_at
    return moment is not None and timezone.now() - moment < STALE_AFTER


def settle(runs: Iterable[SyncRun]) -> list[SyncRun]:
    """``runs`` with each one marked ``running`` whose process is gone shown as ``interrupted`` (what ``sync runs``,
    ``status`` and ``report`` show): a run killed with ``kill -9`` closes nothing itself.

    Written to the journal only when that is certain: the run's own process, on this host, no longer exists
    (a conditional ``UPDATE``, so a run taken over meanwhile is left alone). A run of another host or of the
    Celery workers without a heartbeat for :data:`STALE_AFTER` is shown as interrupted but not closed: its
    chunks may only be waiting in a busy queue, and the last chunk closes the run (docs/decisions/0018)."""
    settled = []
    here = socket.gethostname()
    for run in runs:
        if run.status == SyncRun.RUNNING and run.pid != os.getpid() and not is_alive(run):
            if run.host == here and run.pid:
                error = {"code": "process_gone", "message": _(
                    "The process {pid} running it on {host} ended without closing it (killed?); resume it.").format(
                    pid=run.pid, host=run.host)}
                SyncRun.objects.filter(pk=run.pk, status=SyncRun.RUNNING, host=run.host, pid=run.pid).update(
                    status=SyncRun.INTERRUPTED, finished_at=timezone.now(), error=error)
                run.refresh_from_db()
            else:
                run.status = SyncRun.INTERRUPTED  # shown so; the journal is left to its owner
        settled.append(run)
    return settled


def live_runs(target_key: str, exclude: int | None = None) -> list[SyncRun]:
    """Runs still writing to ``target_key`` (two runs must not write the same target at once)."""
    runs = SyncRun.objects.filter(target_key=target_key, status=SyncRun.RUNNING, dry_run=False)
    if exclude is not None:
        runs = runs.exclude(pk=exclude)
    return [run for run in runs if is_alive(run)]


def create_run(kind: str, source_spec: str, target_spec: str, target_key: str, options: dict[str, Any],
               dry_run: bool) -> SyncRun:
    """A new run, ``running``, owned by this process."""
    return SyncRun.objects.create(kind=kind, source_spec=source_spec, target_spec=target_spec, target_key=target_key,
                                  options=options, dry_run=dry_run, status=SyncRun.RUNNING,
                                  host=socket.gethostname(), pid=os.getpid(), heartbeat_at=timezone.now())


def supersede(run: SyncRun) -> int:
    """Close what earlier, dead runs on the same target left open: ``run`` planned afresh from the target's
    current state, so their planned writes are stale. Returns how many operations were closed."""
    older = [old.pk for old in SyncRun.objects.filter(
        target_key=run.target_key, dry_run=False, status__in=[SyncRun.RUNNING, SyncRun.INTERRUPTED, SyncRun.FAILED],
        pk__lt=run.pk) if not is_alive(old)]
    if not older:
        return 0
    with transaction.atomic():
        still_open = [*Operation.OPEN_STATES, Operation.FAILED]
        _freeze(Operation.objects.filter(run_id__in=older, state__in=still_open).iterator(chunk_size=2000))
        closed = Operation.objects.filter(run_id__in=older, state__in=still_open).update(
            state=Operation.SKIPPED, result={"superseded_by": run.pk}, updated_at=timezone.now())
        SyncRun.objects.filter(pk__in=older, status=SyncRun.RUNNING).update(status=SyncRun.INTERRUPTED)
    return closed


def _freeze(rows: Iterable[Operation]) -> None:
    """Keep each row's entry, as its run's report shows it now, in that run's report (``frozen``, by seq) before
    a later run takes the row over or closes it: a past run's report is built from what it journalled and does
    not change later (docs/decisions/0024). Call inside the transaction that changes the rows."""
    from .report import entry_from_row

    by_run: dict[int, dict[str, Any]] = {}
    for row in rows:
        by_run.setdefault(row.run_id, {})[str(row.seq)] = entry_from_row(row)
    for run_id, entries in by_run.items():
        past = SyncRun.objects.select_for_update().filter(pk=run_id).first()
        if past is None:
            continue
        frozen = {**entries, **((past.report or {}).get("frozen") or {})}  # the first snapshot of a row stays
        SyncRun.objects.filter(pk=run_id).update(report={**(past.report or {}), "frozen": frozen})


def claim_operations(run: SyncRun) -> None:
    """Take ``run`` over for this process (resume)."""
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.RUNNING, host=socket.gethostname(), pid=os.getpid(),
                                             heartbeat_at=timezone.now(), finished_at=None)
    run.refresh_from_db()


def _row(run: SyncRun, op: PlannedOp) -> Operation:
    return Operation(run=run, target=run.target_key, key=op.key, seq=op.seq, stream=op.stream, action=op.action,
                     force=op.force, subject=op.subject[:255],
                     payload=op.record.model_dump(mode="json", exclude_none=True),
                     before=op.before.model_dump(mode="json", exclude_none=True) if op.before is not None else None,
                     reason=op.reason, reason_params=op.params,
                     state=Operation.SKIPPED if op.held else Operation.PLANNED)


def last_source_bookmark(kind: str, source_spec: str, target_key: str) -> tuple[datetime, dict[str, Any]] | None:
    """Where a delta read of ``source_spec`` starts: the source bookmark of the last *finished* run of this
    kind between the same source and target, with that run's options (which courses its read kept). A run
    that failed or was interrupted does not move it, so what it did not apply is read again."""
    runs = SyncRun.objects.filter(kind=kind, source_spec=source_spec, target_key=target_key, dry_run=False,
                                  status=SyncRun.DONE).order_by("-pk")
    for run in runs[:20]:
        value = (run.bookmark or {}).get("source")
        if value:
            try:
                return datetime.fromisoformat(value), dict(run.options or {})
            except ValueError:
                continue
    return None


def delta_start(kind: str, source_spec: str, target_key: str,
                kept_now: frozenset[str] | None) -> tuple[datetime | None, frozenset[str] | None]:
    """Where a delta read starts, and which courses the bookmark's run kept (``None``: nothing widened).

    The bookmark moves with every finished run, also past records of courses the course map left out. So
    when a run keeps a course (``kept_now``, :func:`sync.plan_model.kept_courses`) that the bookmark's run did
    not — added to ``--course-map``, or the map or source course changed — the source is read in full once
    (``None``), and the caller names those courses; later runs are deltas again (docs/decisions/0016)."""
    mark = last_source_bookmark(kind, source_spec, target_key)
    if mark is None:
        return None, None
    at, earlier = mark
    before = kept_courses(earlier.get("course_map") or {}, earlier.get("target_course"), earlier.get("source_course"))
    if newly_kept(kept_now, before):
        return None, before
    return at, None


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
                  "result": {"status": result.status, "message": result.message} if result.message
                  else {"status": result.status}}
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


def finish_run(run: SyncRun, status: str, *, counts: dict[str, Any] | None = None,
               report: dict[str, Any] | None = None, error: dict[str, Any] | None = None) -> SyncRun:
    """Close ``run`` with ``status``; store its counts, report and error."""
    run.status = status
    run.finished_at = timezone.now()
    fields = ["status", "finished_at"]
    for name, value in (("counts", counts), ("report", report), ("error", error)):
        if value is not None:
            setattr(run, name, value)
            fields.append(name)
    run.save(update_fields=fields)
    return run


# --- hold for approval (docs/decisions/0022) ---------------------------------------------------------------------

def hold_run(run: SyncRun, report: dict[str, Any], hold: dict[str, Any]) -> SyncRun:
    """Close ``run`` as ``held``: its plan is journalled (``planned``), nothing was written; ``hold`` says why."""
    run.report = {**report, "hold": hold}
    run.progress = {**(run.progress or {}), "phase": "held"}
    run.save(update_fields=["progress"])
    return finish_run(run, SyncRun.HELD, counts={**(report.get("counts") or {}), "states": state_counts(run)},
                      report=run.report)


def newer_run(run: SyncRun) -> SyncRun | None:
    """The newest run (not a dry run) on ``run``'s target started after it: its plan makes ``run``'s stale."""
    return SyncRun.objects.filter(target_key=run.target_key, dry_run=False, pk__gt=run.pk).order_by("-pk").first()


def approve_run(run: SyncRun, *, celery_host: str | None = None, progress: dict[str, Any] | None = None) -> bool:
    """Move ``run`` from ``held`` to ``running`` (one conditional ``UPDATE``: of two approvals one wins), owned by
    this process, or by Celery when ``celery_host`` is given. The run is marked approved, so every operation is
    re-read before it is written (:func:`sync.runner.open_work`). ``False`` if it was not held any more."""
    now = timezone.now()
    hold = {**((run.report or {}).get("hold") or {}), "approved_at": now.isoformat()}
    owner = {"host": celery_host, "pid": None} if celery_host else {"host": socket.gethostname(), "pid": os.getpid()}
    moved = SyncRun.objects.filter(pk=run.pk, status=SyncRun.HELD).update(
        status=SyncRun.RUNNING, heartbeat_at=now, finished_at=None, report={**(run.report or {}), "hold": hold},
        progress={**(run.progress or {}), **(progress or {}), "phase": "apply", "approved": True}, **owner)
    run.refresh_from_db()
    return bool(moved)


def discard_run(run: SyncRun) -> bool:
    """Drop ``run``'s held plan: its open operations become ``skipped`` (``discarded``), the run ``discarded``.
    ``False`` if it was not held any more (approved or discarded meanwhile)."""
    with transaction.atomic():
        moved = SyncRun.objects.filter(pk=run.pk, status=SyncRun.HELD).update(
            status=SyncRun.DISCARDED, finished_at=timezone.now(),
            progress={**(run.progress or {}), "phase": "discarded"})
        if moved:
            Operation.objects.filter(run=run, state__in=Operation.OPEN_STATES).update(
                state=Operation.SKIPPED, result={"status": "discarded"}, updated_at=timezone.now())
            SyncRun.objects.filter(pk=run.pk).update(counts={**(run.counts or {}), "states": state_counts(run)})
    run.refresh_from_db()
    return bool(moved)


# --- chunks: a run applied by Celery tasks (docs/decisions/0018) -----------------------------------------------

def cut_chunks(run: SyncRun, size: int) -> list[SyncChunk]:
    """Replace ``run``'s chunks by new ones over its open operations, ``size`` operations each, in plan order.

    Call inside the transaction that saved the plan, so a plan is never visible without its chunks.
    """
    SyncChunk.objects.filter(run=run).delete()
    seqs = Operation.objects.filter(run=run, state__in=Operation.OPEN_STATES).order_by("seq").values_list(
        "seq", flat=True)
    chunks: list[SyncChunk] = []
    batch: list[int] = []
    for seq in seqs.iterator(chunk_size=5000):
        batch.append(seq)
        if len(batch) == size:
            chunks.append(SyncChunk(run=run, number=len(chunks), first_seq=batch[0], last_seq=batch[-1],
                                    size=len(batch)))
            batch = []
    if batch:
        chunks.append(SyncChunk(run=run, number=len(chunks), first_seq=batch[0], last_seq=batch[-1], size=len(batch)))
    SyncChunk.objects.bulk_create(chunks, batch_size=_CHUNK)
    return chunks


def claim_chunk(chunk: SyncChunk, owner: str, lease: timedelta) -> bool:
    """Take the lease of ``chunk`` for ``owner`` if it is queued, or running under an expired lease.

    One conditional ``UPDATE``: of two tasks holding the same chunk, exactly one wins.
    """
    now = timezone.now()
    free = Q(state=SyncChunk.QUEUED) | Q(state=SyncChunk.RUNNING, heartbeat_at__lt=now - lease)
    won = SyncChunk.objects.filter(pk=chunk.pk).filter(free).update(
        state=SyncChunk.RUNNING, owner=owner[:255], heartbeat_at=now, attempts=F("attempts") + 1, updated_at=now)
    return bool(won)


def renew_chunk(chunk: SyncChunk, owner: str) -> bool:
    """Renew ``owner``'s lease on ``chunk``; ``False`` when the lease was lost (another task took the chunk)."""
    now = timezone.now()
    return bool(SyncChunk.objects.filter(pk=chunk.pk, owner=owner[:255], state=SyncChunk.RUNNING).update(
        heartbeat_at=now, updated_at=now))


def finish_chunk(chunk: SyncChunk, owner: str, state: str, error: dict[str, Any] | None = None) -> bool:
    """Close ``chunk`` as ``done`` or ``failed`` if ``owner`` still holds it."""
    return bool(SyncChunk.objects.filter(pk=chunk.pk, owner=owner[:255], state=SyncChunk.RUNNING).update(
        state=state, error=error, heartbeat_at=timezone.now(), updated_at=timezone.now()))


def close_if_complete(run: SyncRun) -> SyncRun | None:
    """Finish ``run`` when all its chunks are finished; return it if this call finished it, else ``None``.

    The status moves from ``running`` with one conditional ``UPDATE``, so of several chunks finishing at
    once exactly one closes the run. A failed chunk leaves operations open: the run is ``interrupted``
    (resume it); otherwise it is ``failed`` if any operation failed, else ``done``.
    """
    chunks = SyncChunk.objects.filter(run=run)
    if chunks.exclude(state__in=SyncChunk.FINISHED).exists():
        return None
    states = state_counts(run)
    broken = chunks.filter(state=SyncChunk.FAILED).first()
    if broken is not None:
        status, error = SyncRun.INTERRUPTED, broken.error
    else:
        status, error = (SyncRun.FAILED if states.get(Operation.FAILED) else SyncRun.DONE), None
    run.refresh_from_db(fields=["report", "counts"])
    counts = {**(run.report.get("counts") or {}), "states": states}
    closed = SyncRun.objects.filter(pk=run.pk, status=SyncRun.RUNNING).update(
        status=status, finished_at=timezone.now(), counts=counts, error=error,
        progress={**(run.progress or {}), "phase": "finished"})
    if not closed:
        return None
    run.refresh_from_db()
    return run


def progress_of(run: SyncRun) -> dict[str, Any]:
    """What a person watching ``run`` wants to know: status, phase, operations by state, chunks by state."""
    chunk_rows = SyncChunk.objects.filter(run=run).values("state").annotate(n=Count("pk"))
    chunks = {row["state"]: row["n"] for row in chunk_rows}
    states = state_counts(run) if run.status == SyncRun.RUNNING else (run.counts or {}).get("states") or \
        state_counts(run)
    total = sum(states.values())
    finished = sum(n for state, n in states.items() if state not in Operation.OPEN_STATES)
    return {"run": run.pk, "kind": run.kind, "status": run.status, "phase": (run.progress or {}).get("phase", ""),
            "read": (run.progress or {}).get("read", 0), "operations": total, "finished": finished,
            "states": states, "chunks": {"total": sum(chunks.values()), **chunks},
            "heartbeat_at": run.heartbeat_at.isoformat() if run.heartbeat_at else None,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None}
