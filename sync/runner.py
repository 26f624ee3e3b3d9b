"""The runner: read, match, plan, journal, apply in batches, report. Public API: :func:`run_sync`, :func:`resume`.

Apply works through the plan in batches of the target's ``batch_size``, at most ``workers`` batches in flight
on a thread pool (the adapter's HTTP layer does retries and rate limiting). The main thread alone talks to
the journal: it commits a batch as ``started``, hands it to a worker, and commits the results when they come
back. A run that stops (killed, Ctrl-C, a crash) is resumed with :func:`resume`: operations left ``started``
(or failed for a reason worth retrying) are re-read with ``adapter.current()`` first and written only if the
target does not have them yet.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Any

from adapters.base import Adapter, Change, ChangeResult, ReadScope
from adapters.errors import AdapterError, DataError, FatalError, Unsupported
from adapters.i18n import Translator
from adapters.records import STREAMS, Person, Record

from . import hold as holds
from . import journal, report
from .item_map import check_source_items, resolve_item_map
from .models import Operation, SyncRun
from .plan import KINDS, Plan, PlanOptions, build_plan, satisfied, target_traits
from .plan_model import kept_courses, map_course
from .plan_roster import look_up_new_people

__all__ = ["Progress", "SyncOptions", "SyncRefused", "Work", "apply_and_finish", "apply_work", "make_plan",
           "open_work", "resume", "run_sync", "stream_of", "target_key"]

_ = Translator.for_package("sync").gettext

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: phase is "read", "plan", "verify" or "write"; called from the main thread."""


class SyncRefused(Exception):
    """The run was refused before anything was written: ``code`` for programs, ``message`` for people."""

    def __init__(self, message: str, code: str = "refused", exit_code: int = 1):
        super().__init__(message)
        self.message, self.code, self.exit_code = message, code, exit_code


@dataclass
class SyncOptions:
    """Everything a run needs besides its adapters; stored with the run (``as_json``) so it can be resumed.

    ``target_key`` scopes the idempotency keys (default: the target spec, else the adapter's name);
    ``identity_closed``: the target knows all the people it can grade (default: it reads ``persons``,
    or the adapter's ``identity_closed`` attribute).
    """

    dry_run: bool = False
    unenroll: bool = False
    force: bool = False
    match: tuple[str, ...] = ()
    workers: int = 4
    batch_size: int | None = None
    source_spec: str = ""
    target_spec: str = ""
    target_key: str | None = None
    source_course: str | None = None
    target_course: str | None = None
    course_map: dict[str, str] = field(default_factory=dict)
    item_map: dict[str, str] = field(default_factory=dict)
    identity_closed: bool | None = None
    delta: bool = False  # read the source only since the bookmark of the last finished run (OneRoster delta)
    max_unenroll: float | None = None  # hold for approval above these shares, percent (None: the settings)
    max_change: float | None = None

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["match"] = list(self.match)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SyncOptions:
        """Back from :meth:`as_json` (unknown keys ignored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["match"] = tuple(known.get("match") or ())
        return cls(**known)


def _noop(_phase: str, _done: int, _total: int) -> None:
    return None


def _read(adapter: Adapter, stream: str, scope: ReadScope, progress: Progress, counted: list[int]) -> list[Record]:
    """Read a stream, reporting the records read so far at most every 0.2 s (a slow API shows each few)."""
    records = []
    shown = 0.0
    for record in adapter.read(stream, scope):
        records.append(record)
        counted[0] += 1
        if (now := time.monotonic()) - shown >= 0.2:
            progress("read", counted[0], 0)
            shown = now
    progress("read", counted[0], 0)
    return records


def _mapped(records: list[Record], options: SyncOptions) -> tuple[list[Record], int]:
    """With a course map, only the records of mapped courses (and, when the target names a course, of courses
    mapped to it): a map is the whole list of where each course goes, never a hint. Returns the records kept
    and how many were left out."""
    course_map, target = options.course_map, options.target_course
    if not course_map:
        return records, 0
    kept = [r for r in records if map_course(r.course_id, course_map, target)[1]]
    return kept, len(records) - len(kept)


def make_plan(kind: str, source: Adapter, target: Adapter, options: SyncOptions,
              progress: Progress = _noop) -> Plan:
    """Read both sides and build the plan (nothing is written anywhere). Raises ``AdapterError``/``SyncRefused``."""
    stream = stream_of(kind)
    if stream not in source.reads:
        raise SyncRefused(_("{adapter} cannot provide {stream}.").format(adapter=source.name, stream=stream),
                          "source_cannot_read", 2)
    if stream not in target.writes:
        raise SyncRefused(_("{adapter} cannot receive {stream}.").format(adapter=target.name, stream=stream),
                          "target_cannot_write", 2)
    source.check_connection()
    target.check_connection()
    counted = [0]
    traits = target_traits(target)
    key = target_key(options, target.name)
    kept_now = kept_courses(options.course_map, options.target_course, options.source_course)
    delta = "delta" in source.capabilities  # a source without it reads everything: no bookmark to start from
    since, before = journal.delta_start(kind, options.source_spec or source.name, key, kept_now) \
        if options.delta and delta else (None, None)
    scope = ReadScope(course_id=options.source_course, since=since,
                      detail="course" if traits["course_grades_only"] else "all",
                      missing_score=target.missing_score_policy() if stream == "scores" else None)
    records, unmapped = _mapped(_read(source, stream, scope, progress, counted), options)
    held = [h for h in (source.held_back() if "held_back" in source.capabilities else [])
            if map_course(h.course_id, options.course_map, options.target_course)[1]]
    mark = source.delta() if delta else None
    source_complete = since is None or bool(mark and mark.full)
    widened = sorted({r.course_id for r in records if r.course_id and r.course_id not in before}) \
        if before is not None else []
    source_courses = sorted({r.course_id for r in records if r.course_id}, key=str)
    if options.target_course and len(source_courses) > 1 and not options.course_map:
        raise SyncRefused(_("The source has {count} courses ({courses}) but the target names one course; "
                            "say which goes where with a course map.").format(
                                count=len(source_courses), courses=", ".join(source_courses[:5])), "many_courses")
    if options.target_course:
        courses = [options.target_course]
    else:
        courses = sorted({map_course(c, options.course_map, None)[0] for c in source_courses}, key=str)
    current: list[Record] = []
    people: list[Person] = []
    for course in courses:
        scope = ReadScope(course_id=course, target=True)  # a target not written yet holds nothing
        if stream in target.reads:
            current.extend(_read(target, stream, scope, progress, counted))
        if "persons" in target.reads:
            people.extend(_read(target, "persons", scope, progress, counted))
    item_map = options.item_map
    if kind == "grades":
        try:
            if records and source_complete:  # a delta may just not have sent an item this time
                check_source_items(records, options.item_map, _item_columns(source))
            item_map = resolve_item_map(target, records, options.item_map, options.target_course, options.course_map)
        except DataError as error:
            raise SyncRefused(_("Nothing was written: {reason}").format(reason=error.message), error.code) from None
    closed = options.identity_closed
    if closed is None:
        closed = target.knows_everyone()
    plan_options = PlanOptions(target_key=key, unenroll=options.unenroll,
                               force=options.force, match=tuple(options.match), closed_target=closed,
                               target_course=options.target_course, course_map=options.course_map,
                               item_map=item_map, source_complete=source_complete,
                               as_stored=target.as_stored if "as_stored" in target.capabilities else None, **traits)
    progress("plan", 0, len(records))
    plan = build_plan(kind, records, current, plan_options, people, held)
    if kind == "roster":
        look_up_new_people(target, plan, lambda ops: journal.journalled_people(key, ops))
    elif plan_options.as_stored is not None:  # the report shows what is written (良好), the source's 88.8 beside it
        for op in (*plan.ops, *plan.held):
            op.note_written(plan_options.as_stored(op.record))
    plan.unmapped, plan.read_in_full_for = unmapped, widened
    if "read_report" in source.capabilities:  # journalled with the run: what the read left out, and why
        plan.source_report = source.read_report()
    if "check_change" in target.capabilities:
        _check_changes(target, plan)
    plan.source_bookmark = mark.bookmark.isoformat() if mark and mark.bookmark else None
    progress("plan", len(records), len(records))
    return plan


def _item_columns(source: Adapter) -> list[str]:
    """The grade item columns a source reports reading (``read_report``: ``detection.components``), so a column
    with no score in any row still counts as one of its items."""
    if "read_report" not in source.capabilities:
        return []
    detection = source.read_report().get("detection") or {}
    return [str(c["header"]) for c in detection.get("components") or () if isinstance(c, dict) and c.get("header")]


def _check_changes(target: Adapter, plan: Plan) -> None:
    """Ask the target what each planned change would fail with, without writing: a target that no change can
    succeed on refuses the run (the dry run as the real run, with the same message and exit code); a change
    of its own that would fail is noted in the plan (``plan.failing``), so a dry run lists it."""
    for op in plan.ops:
        error = target.check_change(op.change())
        if error is None:
            continue
        if isinstance(error, FatalError) and not isinstance(error, DataError):
            raise SyncRefused(_("Nothing was written: {reason}").format(reason=error.message), error.code, 2)
        plan.failing[op.seq] = error.to_dict()


def stream_of(kind: str) -> str:
    """The stream a sync ``kind`` writes (:data:`sync.plan.KINDS`); ``SyncRefused`` (usage, exit 2) if unknown."""
    if kind not in KINDS:
        raise SyncRefused(_("Unknown sync kind {kind!r}: use roster or grades.").format(kind=kind), "usage", 2)
    return KINDS[kind]


def target_key(options: SyncOptions, default: str = "") -> str:
    """The scope of idempotency keys (and of "one live run per target"): ``options.target_key``, else the
    target SPEC, else ``default`` (the target adapter's name); at most 255 characters. Used by the in-process
    runner and by :func:`sync.tasks.enqueue_sync`, so both see the same target as the same."""
    return (options.target_key or options.target_spec or default)[:255]


def run_sync(kind: str, source: Adapter, target: Adapter, options: SyncOptions | dict | None = None, *,
             progress: Progress | None = None) -> SyncRun:
    """Run one sync and return its journalled :class:`~sync.models.SyncRun` (``run.report_data`` holds the report).

    A dry run reads both sides and records one ``SyncRun`` (``dry_run=True``) with the report; it writes
    no operations and nothing to the target. Raises :class:`SyncRefused` when the run cannot start
    (another live run writes the same target, bad options) and ``AdapterError`` when reading fails; a
    ``KeyboardInterrupt``/``SystemExit`` during apply marks the run ``interrupted`` and is re-raised.
    """
    if isinstance(options, dict) or options is None:
        options = SyncOptions(**(options or {}))
    progress = progress or _noop
    key = target_key(options, target.name)
    if not options.dry_run and journal.live_runs(key):
        raise SyncRefused(_("Another sync is still writing to this target; wait for it or resume it."), "busy")
    plan = make_plan(kind, source, target, options, progress)
    hold = holds.check(plan, *holds.limits(options.max_unenroll, options.max_change))
    run = journal.create_run(kind, options.source_spec or source.name, options.target_spec or target.name, key,
                             options.as_json(), options.dry_run)
    plan_part = report.plan_part(plan)
    if options.dry_run:  # the report says whether a real run would hold
        run = journal.finish_run(run, SyncRun.DONE, counts=plan.counts(), report={**plan_part, "hold": hold})
        run.report_data = report.from_plan(run, plan)
        return run
    ids = journal.save_plan(run, plan)
    if hold is not None:  # the plan waits for `sync approve` (docs/decisions/0022)
        run = journal.hold_run(run, plan_part, hold)
        run.report_data = report.from_journal(run)
        return run
    journal.supersede(run)
    journal.set_report(run, plan_part)
    work = [(ids[op.key], op.change(), False) for op in plan.ops]
    started = set(Operation.objects.filter(run=run, state=Operation.STARTED).values_list("pk", flat=True))
    work = [(pk, change, pk in started) for pk, change, _verify in work]
    return apply_and_finish(run, target, work, options, progress)


def resume(run_id: int, target: Adapter | None = None, *, progress: Progress | None = None) -> SyncRun:
    """Finish run ``run_id``: write what is ``planned``; re-read what is ``started`` or failed-retriable first.

    ``target`` defaults to the adapter the run's target spec names (credentials from the environment).
    A run already done is returned as it is. Raises :class:`SyncRefused` for an unknown run, a dry run,
    or a run that is still alive.
    """
    progress = progress or _noop
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        raise SyncRefused(_("There is no sync run {run}.").format(run=run_id), "no_such_run", 2)
    if run.dry_run:
        raise SyncRefused(_("Run {run} was a dry run: there is nothing to resume.").format(run=run_id), "dry_run")
    if journal.is_alive(run):
        raise SyncRefused(_("Run {run} is still running (process {pid} on {host}).").format(
            run=run_id, pid=run.pid, host=run.host), "busy")
    if journal.live_runs(run.target_key, exclude=run.pk):
        raise SyncRefused(_("Another sync is still writing to this target; wait for it or resume it."), "busy")
    options = SyncOptions.from_json(run.options)
    journal.claim_operations(run)
    if target is not None:
        return apply_and_finish(run, target, open_work(run, retry_failed=True), options, progress)
    from .specs import open_spec

    with open_spec(run.target_spec) as opened:  # closed here: a file target writes what is left on close
        return apply_and_finish(run, opened, open_work(run, retry_failed=True), options, progress)


Work = list[tuple[int, Change, bool]]
"""``(operation id, change, verify first)`` in plan order."""


def open_work(run: SyncRun, first_seq: int | None = None, last_seq: int | None = None, *,
              retry_failed: bool = False) -> Work:
    """The operations of ``run`` still to apply (optionally only ``first_seq``..``last_seq``).

    ``planned`` ones are written; ``started`` ones (their write may have happened) are re-read first, and so
    are failed ones worth retrying when ``retry_failed``. Done, skipped and fatally failed ones are left alone.
    In a run approved after a hold every operation is re-read first: time has passed since it was planned.
    """
    approved = bool((run.progress or {}).get("approved"))
    states = [Operation.PLANNED, Operation.STARTED] + ([Operation.FAILED] if retry_failed else [])
    rows = Operation.objects.filter(run=run, state__in=states)
    if first_seq is not None:
        rows = rows.filter(seq__gte=first_seq)
    if last_seq is not None:
        rows = rows.filter(seq__lte=last_seq)
    work: Work = []
    for row in rows.order_by("seq").iterator(chunk_size=2000):
        if row.state == Operation.FAILED and not row.retriable:
            continue
        record = STREAMS[row.stream].model_validate(row.payload)
        change = Change(key=row.key, stream=row.stream, action=row.action, record=record, force=row.force)
        work.append((row.pk, change, approved or row.state != Operation.PLANNED))
    return work


def apply_and_finish(run: SyncRun, target: Adapter, work: Work, options: SyncOptions, progress: Progress) -> SyncRun:
    """Apply ``work`` in this process and close the run (``done``, ``failed``; ``interrupted`` if it stops)."""
    try:
        _apply(run, target, work, options, progress)
    except BaseException as error:
        journal.finish_run(run, SyncRun.INTERRUPTED, counts={**run.counts, "states": journal.state_counts(run)},
                           error={"code": "interrupted", "message": f"{type(error).__name__}: {error}"[:500]})
        raise
    states = journal.state_counts(run)
    status = SyncRun.FAILED if states.get(Operation.FAILED) else SyncRun.DONE
    counts = {**(run.report.get("counts") or {}), "states": states}
    run = journal.finish_run(run, status, counts=counts)
    run.report_data = report.from_journal(run)
    return run


def _verify(target: Adapter, change: Change) -> ChangeResult | None:
    """Re-read one change: ``unchanged`` if the target has it already, ``None`` to write it, or failed."""
    try:
        if "current" not in target.capabilities:
            raise target.unsupported("capability", capability="current")
        current = target.current(change)
    except Unsupported:
        return ChangeResult(key=change.key, status="failed", retriable=False,
                            message=_("The target cannot re-read this record, so it was not written a second "
                                      "time; check it by hand."),
                            error={"code": "cannot_verify", "message": "current() is not implemented"})
    except AdapterError as error:
        return ChangeResult(key=change.key, status="failed", message=error.message, error=error.to_dict(),
                            retriable=error.retriable)
    if satisfied(change, current):
        return ChangeResult(key=change.key, status="unchanged", message=_("already in the target (re-read)"))
    return None


def _write(target: Adapter, stream: str, changes: Sequence[Change]) -> list[ChangeResult]:
    """One batch; any error becomes a failed result per change (a crash of the process is not caught)."""
    try:
        results = list(target.write(stream, changes))
    except AdapterError as error:
        return [ChangeResult(key=c.key, status="failed", message=error.message, error=error.to_dict(),
                             retriable=error.retriable) for c in changes]
    except Exception as error:  # a bug in an adapter: we cannot know what was written, so re-read on resume
        message = _("unexpected error in the target adapter: {error}").format(error=f"{type(error).__name__}: {error}")
        return [ChangeResult(key=c.key, status="failed", message=message[:500],
                             error={"code": "unexpected", "message": message[:500]}, retriable=True)
                for c in changes]
    by_key = {r.key: r for r in results}
    missing = _("the target gave no result for this change")
    return [by_key.get(c.key) or ChangeResult(key=c.key, status="failed", message=missing, retriable=True,
                                             error={"code": "no_result", "message": missing}) for c in changes]


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def apply_work(run: SyncRun, target: Adapter, work: Work, options: SyncOptions, progress: Progress, *,
               keep_bookmark: bool = True) -> None:
    """Apply ``work`` to ``target``, journalling every batch (see the module docstring).

    ``progress`` is called after every committed batch (it may raise to stop: what is in flight is committed
    first). ``keep_bookmark=False`` leaves the run's bookmark alone (chunks applied in parallel).
    """
    _apply(run, target, work, options, progress, keep_bookmark=keep_bookmark)


def _apply(run: SyncRun, target: Adapter, work: list[tuple[int, Change, bool]], options: SyncOptions,
           progress: Progress, *, keep_bookmark: bool = True) -> None:
    size = max(1, options.batch_size or target.batch_size)
    workers = max(1, options.workers)
    total = len(work)
    done = 0
    to_write: list[tuple[int, Change]] = [(pk, change) for pk, change, verify in work if not verify]
    to_verify = [(pk, change) for pk, change, verify in work if verify]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sync") as pool:
        for chunk in _chunks(to_verify, size):
            answers = list(pool.map(lambda item: _verify(target, item[1]), chunk))
            settled = [(pk, answer) for (pk, _change), answer in zip(chunk, answers, strict=True) if answer]
            journal.record_results(run, settled, run.bookmark if keep_bookmark else None)
            to_write.extend(item for item, answer in zip(chunk, answers, strict=True) if answer is None)
            done += len(settled)
            progress("verify", done, total)
        to_write.sort(key=lambda item: item[0])
        batches = deque(_chunks(to_write, size))
        inflight: dict[Future, list[tuple[int, Change]]] = {}
        bookmark = dict(run.bookmark or {}) if keep_bookmark else None  # carried as is ("source" for deltas)
        try:
            while batches or inflight:
                while batches and len(inflight) < workers:
                    batch = batches.popleft()
                    journal.mark_started(run, [pk for pk, _change in batch])
                    future = pool.submit(_write, target, batch[0][1].stream, [change for _pk, change in batch])
                    inflight[future] = batch
                completed, _pending = wait(inflight, return_when=FIRST_COMPLETED)
                for future in completed:
                    batch = inflight.pop(future)
                    results = future.result()
                    journal.record_results(run, [(pk, r) for (pk, _c), r in zip(batch, results, strict=True)],
                                           bookmark)
                    done += len(batch)
                    progress("write", done, total)
        except BaseException:
            batches.clear()
            for future, batch in inflight.items():  # commit what other workers finished
                try:
                    results = future.result()
                except BaseException:  # noqa: S112 - those stay "started" and are re-read on resume
                    continue
                journal.record_results(run, [(pk, r) for (pk, _c), r in zip(batch, results, strict=True)], bookmark)
            raise
        if bookmark is not None:
            run.bookmark = bookmark
