"""Sync runs on Celery workers: plan once in a task, apply in chunk tasks, close the run when the last chunk ends.

    enqueue_sync("grades", "openedx:https://lms…?course=…", "xlsx:/data/jw.xlsx?profile=zhengfang")  # → SyncRun
    enqueue_resume(run_id)                                                                         # → SyncRun
    enqueue_approve(run_id)       # a run held for approval: apply its plan on the workers           → SyncRun

* ``mooc_bridge.sync.plan`` reads both sides, plans, and in ONE transaction journals the plan and cuts it
  into :class:`~sync.models.SyncChunk` rows (``MOOC_BRIDGE_SYNC_CHUNK_SIZE`` operations each); then it sends
  one ``mooc_bridge.sync.apply_chunk`` per chunk. Killed before the commit, it plans again from scratch;
  after it, it only sends the chunks again.
* ``apply_chunk`` takes the chunk's lease (one conditional UPDATE), then applies the chunk's open operations
  with the runner's own apply (``planned`` written; ``started`` re-read with ``current()`` first, so a chunk
  delivered again after a worker died never writes twice), renewing the lease after every committed batch.
* Tasks are ``acks_late`` with ``reject_on_worker_lost``: a chunk whose worker died is delivered again. The
  chunk that finishes last closes the run (:func:`sync.journal.close_if_complete`).
* A plan that would remove or change much more than usual is journalled and the run ends ``held`` with no
  chunks (:mod:`sync.hold`); :func:`enqueue_approve` cuts its chunks and sends them (docs/decisions/0022).
* ``mooc_bridge.sync.scheduled`` starts the run of one ``MOOC_BRIDGE_SYNC_SCHEDULES`` entry (beat sends it).

Tasks go to ``MOOC_BRIDGE_SYNC_QUEUE`` when it is set, else to the Celery app's default queue (the LMS
workers'). docs/decisions/0018 explains the choices.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.signals import beat_init
from django.conf import settings
from django.db import OperationalError, transaction

from adapters.errors import AdapterError
from adapters.i18n import Translator

from . import hold as holds
from . import journal, report
from .models import SyncChunk, SyncRun
from .plugin_settings import DEFAULTS
from .runner import SyncOptions, SyncRefused, apply_work, make_plan, open_work, stream_of, target_key
from .schedule import SCHEDULED_TASK, ScheduleError, beat_entries, find_schedule
from .specs import SpecError, open_spec, parse_spec

__all__ = ["CELERY_HOST", "apply_chunk", "enqueue_approve", "enqueue_resume", "enqueue_sync", "plan_run",
           "run_schedule"]

_ = Translator.for_package("sync").gettext
log = logging.getLogger(__name__)

CELERY_HOST = "celery"
"""``SyncRun.host`` of a run owned by Celery tasks (its ``pid`` is empty; liveness is its heartbeat)."""

_PROGRESS_EVERY = 2.0


class LeaseLost(Exception):
    """Another task took this chunk over (our lease had expired): stop without touching it further."""


def _setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def _send(task: Any, *args: Any) -> None:
    queue = _setting("MOOC_BRIDGE_SYNC_QUEUE")
    task.apply_async(args, queue=queue) if queue else task.apply_async(args)


def _error(error: BaseException) -> dict[str, Any]:
    message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
    return {"code": getattr(error, "code", None) or "internal", "message": str(message)[:500]}


def enqueue_sync(kind: str, source: str, target: str, options: SyncOptions | dict | None = None, *,
                 chunk_size: int | None = None, schedule: str = "") -> SyncRun:
    """Journal a new run and send its plan task; return the run (``running``, phase ``queued``) at once.

    Raises :class:`~sync.runner.SyncRefused` (unknown kind, another live run on the target) and
    :class:`~sync.specs.SpecError` (a bad SPEC, a secret in a SPEC) before anything is journalled.
    """
    stream_of(kind)
    if isinstance(options, dict) or options is None:
        options = SyncOptions(**(options or {}))
    source_spec, target_spec = parse_spec(source), parse_spec(target)
    options.source_spec, options.target_spec = str(source_spec), str(target_spec)
    if options.source_course is None:
        options.source_course = source_spec.options.get("course")
    if options.target_course is None:
        options.target_course = target_spec.options.get("course")
    key = target_key(options)
    if not options.dry_run and journal.live_runs(key):
        raise SyncRefused(_("Another sync is still writing to this target; wait for it or resume it."), "busy")
    size = max(1, int(chunk_size or _setting("MOOC_BRIDGE_SYNC_CHUNK_SIZE")))
    with transaction.atomic():
        run = journal.queue_run(kind, options.source_spec, options.target_spec, key, options.as_json(),
                                options.dry_run, host=CELERY_HOST,
                                progress={"phase": "queued", "chunk_size": size, "schedule": schedule})
        transaction.on_commit(lambda: _send(plan_run, run.pk))
    return run


def enqueue_resume(run_id: int, *, chunk_size: int | None = None) -> SyncRun:
    """Finish an interrupted or failed run on the workers: cut its open operations into chunks and send them.

    Failed operations worth retrying are re-read before they are written again, as ``sync resume`` does.
    Raises :class:`~sync.runner.SyncRefused` for an unknown run, a dry run or a run still alive.
    """
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        raise SyncRefused(_("There is no sync run {run}.").format(run=run_id), "no_such_run", 2)
    if run.dry_run:
        raise SyncRefused(_("Run {run} was a dry run: there is nothing to resume.").format(run=run_id), "dry_run")
    if journal.is_alive(run) or journal.live_runs(run.target_key, exclude=run.pk):
        raise SyncRefused(_("Run {run} or another run on its target is still running.").format(run=run_id), "busy")
    size = max(1, int(chunk_size or (run.progress or {}).get("chunk_size") or _setting("MOOC_BRIDGE_SYNC_CHUNK_SIZE")))
    with transaction.atomic():
        journal.reopen_run(run, host=CELERY_HOST, progress={**(run.progress or {}), "phase": "apply",
                                                            "chunk_size": size})
        chunks = journal.cut_chunks(run, size)
        transaction.on_commit(lambda: _dispatch(run, chunks))
    return run


def enqueue_approve(run_id: int, *, chunk_size: int | None = None) -> SyncRun:
    """Apply the plan of a run held for approval on the workers: cut its operations into chunks and send them.

    Every operation is re-read before it is written. Raises :class:`~sync.runner.SyncRefused` as
    :func:`sync.approval.approvable` does (unknown, not held, stale, another run writing the target).
    """
    from .approval import approvable

    run = approvable(run_id)
    size = max(1, int(chunk_size or (run.progress or {}).get("chunk_size") or _setting("MOOC_BRIDGE_SYNC_CHUNK_SIZE")))
    with transaction.atomic():
        if not journal.approve_run(run, celery_host=CELERY_HOST, progress={"chunk_size": size}):
            raise SyncRefused(_("Run {run} was approved or discarded meanwhile.").format(run=run_id), "not_held")
        journal.supersede(run)
        chunks = journal.cut_chunks(run, size)
        transaction.on_commit(lambda: _dispatch(run, chunks))
    return run


def _dispatch(run: SyncRun, chunks: list[SyncChunk]) -> None:
    if not chunks:
        journal.close_if_complete(run)
    for chunk in chunks:
        _send(apply_chunk, run.pk, chunk.number)


class _PlanProgress:
    """Records read so far and a heartbeat, written at most every few seconds while the plan task reads."""

    def __init__(self, run: SyncRun):
        self.run, self.last = run, 0.0

    def __call__(self, phase: str, done: int, _total: int) -> None:
        now = time.monotonic()
        if now - self.last < _PROGRESS_EVERY:
            return
        self.last = now
        journal.note_progress(self.run, {**(self.run.progress or {}), "phase": phase, "read": done})


@shared_task(name="mooc_bridge.sync.plan", bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def plan_run(self: Any, run_id: int) -> str:
    """Plan run ``run_id``, journal the plan with its chunks in one transaction, send the chunk tasks."""
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None or run.status != SyncRun.RUNNING or run.pid is not None:
        return "not_running"
    chunks = list(SyncChunk.objects.filter(run=run).exclude(state__in=SyncChunk.FINISHED))
    if (run.progress or {}).get("phase") in ("apply", "finished"):
        _dispatch(run, chunks)  # delivered again after the plan was committed: the chunks only
        return "dispatched"
    options = SyncOptions.from_json(run.options)
    try:
        if journal.live_runs(run.target_key, exclude=run.pk):
            raise SyncRefused(_("Another sync is still writing to this target; wait for it or resume it."), "busy")
        with open_spec(run.source_spec) as source, open_spec(run.target_spec) as target:
            plan = make_plan(run.kind, source, target, options, _PlanProgress(run))
    except (SyncRefused, SpecError, AdapterError, OSError) as error:
        journal.finish_run(run, SyncRun.FAILED, error=_error(error))
        return "failed"
    hold = holds.check(plan, *holds.limits(options.max_unenroll, options.max_change))
    if run.dry_run:
        journal.finish_run(run, SyncRun.DONE, counts=plan.counts(), report={**report.plan_part(plan), "hold": hold})
        return "dry_run"
    if hold is not None:  # the plan waits for approval: journalled, no chunks (docs/decisions/0022)
        with transaction.atomic():
            journal.save_plan(run, plan)
            journal.hold_run(run, report.plan_part(plan), hold)
        return "held"
    size = max(1, int((run.progress or {}).get("chunk_size") or _setting("MOOC_BRIDGE_SYNC_CHUNK_SIZE")))
    with transaction.atomic():
        journal.save_plan(run, plan)
        journal.supersede(run)
        journal.start_apply(run, report.plan_part(plan))
        chunks = journal.cut_chunks(run, size)
    _dispatch(run, chunks)
    return "planned"


def _owner(task: Any) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{task.request.id}:{uuid.uuid4().hex[:8]}"


@shared_task(name="mooc_bridge.sync.apply_chunk", bind=True, acks_late=True, reject_on_worker_lost=True,
             ignore_result=True, max_retries=None)
def apply_chunk(self: Any, run_id: int, number: int) -> str:
    """Apply chunk ``number`` of run ``run_id`` once, whatever how often it is delivered (see the module doc)."""
    chunk = SyncChunk.objects.select_related("run").filter(run_id=run_id, number=number).first()
    if chunk is None or chunk.state in SyncChunk.FINISHED:
        return "finished"
    run = chunk.run
    if run.status != SyncRun.RUNNING or run.pid is not None:
        return "not_running"  # closed, superseded, or taken over by an in-process resume
    owner = _owner(self)
    lease = timedelta(seconds=float(_setting("MOOC_BRIDGE_SYNC_LEASE_SECONDS")))
    if not journal.claim_chunk(chunk, owner, lease):
        chunk.refresh_from_db()
        if chunk.state in SyncChunk.FINISHED:
            return "finished"
        # held by a live task: come back when its lease could have expired (if that task dies, we take over)
        raise self.retry(countdown=max(1.0, lease.total_seconds()))

    def renew(_phase: str, _done: int, _total: int) -> None:
        if not journal.renew_chunk(chunk, owner):
            raise LeaseLost()

    try:
        work = open_work(run, chunk.first_seq, chunk.last_seq)
        with open_spec(run.target_spec) as target:
            apply_work(run, target, work, SyncOptions.from_json(run.options), renew, keep_bookmark=False)
    except LeaseLost:
        return "lease_lost"
    except OperationalError as error:  # the database was busy or away: let a later delivery do it
        journal.finish_chunk(chunk, owner, SyncChunk.QUEUED, _error(error))
        raise self.retry(countdown=5, max_retries=10) from None
    except Exception as error:
        log.exception("sync run %s: chunk %s failed", run_id, number)
        journal.finish_chunk(chunk, owner, SyncChunk.FAILED, _error(error))
    else:
        journal.finish_chunk(chunk, owner, SyncChunk.DONE)
    journal.close_if_complete(run)
    return "applied"


@shared_task(name=SCHEDULED_TASK, ignore_result=True)
def run_schedule(name: str) -> int | None:
    """Start the run of schedule ``name`` (looked up in the settings now); ``None`` if it cannot start."""
    try:
        schedule = find_schedule(_setting("MOOC_BRIDGE_SYNC_SCHEDULES"), name)
        known = set(SyncOptions.__dataclass_fields__)
        options = SyncOptions(**{k: v for k, v in schedule.options.items() if k in known})
        options.match = tuple(options.match)
        run = enqueue_sync(schedule.kind, schedule.source, schedule.target, options,
                           chunk_size=schedule.options.get("chunk_size"), schedule=name)
    except (ScheduleError, SpecError, SyncRefused) as error:
        log.warning("sync schedule %s did not start: %s", name, error.message)
        return None
    return run.pk


@beat_init.connect
def _add_schedules(sender: Any = None, **_kwargs: Any) -> None:
    """Add the beat entries of schedules set after the plugin settings hook ran (a Tutor patch, say)."""
    if sender is None or not settings.configured:
        return
    try:
        entries = beat_entries(_setting("MOOC_BRIDGE_SYNC_SCHEDULES"), _setting("MOOC_BRIDGE_SYNC_QUEUE"))
    except ScheduleError as error:
        log.error("MOOC_BRIDGE_SYNC_SCHEDULES is not used: %s", error.message)
        return
    scheduler = sender.scheduler
    missing = {name: entry for name, entry in entries.items() if name not in scheduler.schedule}
    if missing:
        scheduler.update_from_dict(missing)
