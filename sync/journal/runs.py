"""The journal's runs: create, claim, hold, approve, finish; which runs are alive; where a delta read starts."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from adapters.i18n import Translator

from ..models import Operation, SyncRun
from ..plan_model import kept_courses, newly_kept
from .operations import _freeze, state_counts

__all__ = ["STALE_AFTER", "approve_run", "claim_operations", "create_run", "delta_start", "discard_run", "finish_run",
           "hold_run", "is_alive", "last_source_bookmark", "live_runs", "newer_run", "note_progress", "queue_run",
           "reopen_run", "set_report", "settle", "start_apply", "supersede"]

_ = Translator.for_package("sync").gettext

STALE_AFTER = timedelta(minutes=15)
"""A run on another host that has not written a heartbeat for this long is taken as dead."""


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


def queue_run(kind: str, source_spec: str, target_spec: str, target_key: str, options: dict[str, Any],
              dry_run: bool, *, host: str, progress: dict[str, Any]) -> SyncRun:
    """A new run, ``running``, owned by the Celery workers (``host``, no pid), waiting for its plan task."""
    return SyncRun.objects.create(kind=kind, source_spec=source_spec, target_spec=target_spec, target_key=target_key,
                                  options=options, dry_run=dry_run, status=SyncRun.RUNNING, host=host, pid=None,
                                  heartbeat_at=timezone.now(), progress=progress)


def claim_operations(run: SyncRun) -> None:
    """Take ``run`` over for this process (resume)."""
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.RUNNING, host=socket.gethostname(), pid=os.getpid(),
                                             heartbeat_at=timezone.now(), finished_at=None)
    run.refresh_from_db()


def reopen_run(run: SyncRun, *, host: str, progress: dict[str, Any]) -> SyncRun:
    """Take a stopped run over for the Celery workers (``host``, no pid) to finish: failed operations worth
    retrying become ``started`` (re-read before they are written again). Call inside the transaction that cuts
    its chunks."""
    now = timezone.now()
    Operation.objects.filter(run=run, state=Operation.FAILED, retriable=True).update(state=Operation.STARTED,
                                                                                    updated_at=now)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.RUNNING, host=host, pid=None, error=None, heartbeat_at=now,
                                             finished_at=None, progress=progress)
    run.refresh_from_db()
    return run


def note_progress(run: SyncRun, progress: dict[str, Any]) -> None:
    """Keep ``progress`` (phase, records read…) on the run, with a heartbeat."""
    run.progress = progress
    SyncRun.objects.filter(pk=run.pk).update(progress=progress, heartbeat_at=timezone.now())


def set_report(run: SyncRun, report: dict[str, Any]) -> None:
    """Keep the plan's part of the report on ``run`` before its operations are applied."""
    run.report = report
    run.save(update_fields=["report"])


def start_apply(run: SyncRun, report: dict[str, Any]) -> None:
    """Keep the plan's part of the report on ``run`` and move it to the ``apply`` phase, with a heartbeat."""
    run.report = report
    run.progress = {**(run.progress or {}), "phase": "apply"}
    run.heartbeat_at = timezone.now()
    run.save(update_fields=["report", "progress", "heartbeat_at"])


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
