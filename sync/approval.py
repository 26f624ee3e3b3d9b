"""Approving or discarding a run held for approval (docs/decisions/0022). Public API: :func:`approve`,
:func:`discard`, :func:`approvable`.

A held run's plan is in the journal (its operations ``planned``). Approving it applies exactly that plan —
nothing is planned again — and re-reads every record before writing it, as a resume does for a write that may
have happened: whatever the target already has is not written again. A plan made before the newest run on the
same target is stale (that run planned from a newer state of the target and may have taken its operations
over), so it is refused; run the sync again instead. Celery: :func:`sync.tasks.enqueue_approve`.
"""

from __future__ import annotations

from adapters.base import Adapter
from adapters.i18n import Translator

from . import journal
from .models import SyncRun
from .runner import Progress, SyncOptions, SyncRefused, apply_and_finish, open_work

__all__ = ["approvable", "approve", "discard"]

_ = Translator.for_package("sync").gettext


def _noop(_phase: str, _done: int, _total: int) -> None:
    return None


def approvable(run_id: int) -> SyncRun:
    """The held run ``run_id`` if it may be approved or discarded now; else :class:`SyncRefused` saying why
    (no such run: exit 2; not held, stale, another run writing the target: exit 1)."""
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        raise SyncRefused(_("There is no sync run {run}.").format(run=run_id), "no_such_run", 2)
    if run.status != SyncRun.HELD:
        raise SyncRefused(_("Run {run} is not held for approval (it is {status}); only a held run can be approved "
                            "or discarded. See 'mooc-bridge sync runs'.").format(run=run_id, status=run.status),
                          "not_held")
    newer = journal.newer_run(run)
    if newer is not None:
        raise SyncRefused(_("Run {run} was planned before run {newer} on the same target, so its plan may no longer "
                            "be right. Run the sync again: it plans from the target as it is now.").format(
                                run=run_id, newer=newer.pk), "stale_plan")
    if journal.live_runs(run.target_key, exclude=run.pk):
        raise SyncRefused(_("Another sync is still writing to this target; wait for it or resume it."), "busy")
    return run


def approve(run_id: int, target: Adapter | None = None, *, progress: Progress | None = None) -> SyncRun:
    """Apply the held plan of run ``run_id`` in this process and return the finished run.

    ``target`` defaults to the adapter the run's target SPEC names (credentials from the environment). Raises
    :class:`SyncRefused` as :func:`approvable` does, or when another approval took the run first.
    """
    run = approvable(run_id)
    if target is None:
        from .specs import open_spec

        with open_spec(run.target_spec) as opened:
            return _apply(run, opened, progress or _noop)
    return _apply(run, target, progress or _noop)


def _apply(run: SyncRun, target: Adapter, progress: Progress) -> SyncRun:
    if not journal.approve_run(run):
        raise SyncRefused(_("Run {run} was approved or discarded meanwhile.").format(run=run.pk), "not_held")
    journal.supersede(run)
    return apply_and_finish(run, target, open_work(run, retry_failed=True), SyncOptions.from_json(run.options),
                            progress)


def discard(run_id: int) -> SyncRun:
    """Drop the held plan of run ``run_id``: nothing of it is ever written. A stale plan may be discarded too."""
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        raise SyncRefused(_("There is no sync run {run}.").format(run=run_id), "no_such_run", 2)
    if run.status != SyncRun.HELD or not journal.discard_run(run):
        raise SyncRefused(_("Run {run} is not held for approval (it is {status}); only a held run can be approved "
                            "or discarded. See 'mooc-bridge sync runs'.").format(run=run_id, status=run.status),
                          "not_held")
    return run
