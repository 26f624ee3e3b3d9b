"""What ``mooc-bridge sync`` prints: a run's summary (with what it held back and whom it held for review), the
progress of a run, the list of runs. Split from :mod:`sync.cli` (which parses and dispatches)."""

from __future__ import annotations

import json
import sys
from typing import Any

from adapters.i18n import Translator
from adapters.text import visible

_ = Translator.for_package("sync").gettext

__all__ = ["SHOWN", "SafeStream", "emit", "print_summary", "runs", "status", "status_code"]

SHOWN = 50
"""At most this many entries of each list are printed (the report has them all)."""


class Refused(Exception):
    """A command refused before anything ran: ``message`` for people, ``code`` the exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.message, self.code = message, code


class SafeStream:
    """A text stream that shows every control character written to it as ``\\uXXXX`` (:func:`adapters.text.visible`).

    ``mooc-bridge sync`` prints through it (summaries, JSON, errors), so a name, a file name or a message carrying
    an escape sequence from a source file never reaches the terminal as one — one place for every printer.
    Progress bars write to the stream underneath (:attr:`raw`).
    """

    def __init__(self, raw):
        self.raw = raw

    def write(self, text: str) -> int:
        """Write ``text`` with its control characters made visible; return the length given (as streams do)."""
        self.raw.write(visible(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


def print_summary(data: dict[str, Any], out) -> None:
    """A run's status, counts, plan (dry run), what it kept back and why, failures and the review list."""
    from .report import ACTION_LABELS, COUNT_LABELS, KIND_LABELS, RUN_LABELS, STATE_LABELS

    run = data["run"]
    print(_("Run {run}: {kind}, {status}").format(run=run["id"], kind=_(KIND_LABELS.get(run["kind"], run["kind"])),
                                                   status=_(RUN_LABELS.get(run["status"], run["status"]))), file=out)
    if run["dry_run"]:
        print(_("Dry run: nothing was written."), file=out)
    for key, label in COUNT_LABELS.items():
        value = data["counts"].get(key, 0)
        if value:
            print(f"  {_(label)}: {value}", file=out)
    for state, value in sorted(data["counts"].get("states", {}).items()):
        print(f"  {_(STATE_LABELS.get(state, state))}: {value}", file=out)
    if data.get("source"):
        _source(data["source"], out)
    changes = data["changes"]
    if data.get("hold"):
        _held(data, out)
    if run["dry_run"] and changes:
        print(_("Plan:"), file=out)
        for entry in changes[:SHOWN]:
            action = _(ACTION_LABELS.get(entry["action"], entry["action"]))
            print(_("  {action} {subject}: {reason}").format(action=action, subject=entry["subject"],
                                                            reason=entry["message"]), file=out)
        if len(changes) > SHOWN:
            print(_("  … and {count} more (see --report)").format(count=len(changes) - SHOWN), file=out)
    if not run["dry_run"]:
        _kept(changes, out)
    failed = [e for e in changes if e["state"] == "failed"]
    if failed:
        print(_("Would fail:") if run["dry_run"] else _("Failed:"), file=out)
        for entry in failed[:SHOWN]:
            print(f"  {entry['subject']}: {(entry.get('error') or {}).get('message', '')}", file=out)
    if data["review"]:
        print(_("Held for review (nothing written for them):"), file=out)
        for case in data["review"][:SHOWN]:
            person = case["person"]
            who = person.get("student_number") or person.get("email") or person.get("username") or "?"
            print(f"  {' '.join(filter(None, (who, person.get('name'))))}: {case['message']}", file=out)


def _source(source: dict[str, Any], out) -> None:
    """How the source file was read (the header profile that matched, and why) and the rows it left out."""
    detection = source.get("detection") or {}
    if detection:
        print(_("Read {file} as {profile}: {reason}").format(
            file=source.get("file", ""), profile=detection.get("title") or detection.get("profile", ""),
            reason=detection.get("reason", "")), file=out)
    skipped = source.get("skipped") or []
    if not skipped:
        return
    print(_("Rows left out or read with a warning ({count}):").format(count=len(skipped)), file=out)
    for issue in skipped[:SHOWN]:
        column = f" {issue['column']}" if issue.get("column") else ""
        print(_("  row {row}{column}: {message}").format(row=issue["row"], column=column,
                                                       message=issue["message"]), file=out)
    if len(skipped) > SHOWN:
        print(_("  … and {count} more (see --report)").format(count=len(skipped) - SHOWN), file=out)


def _held(data: dict[str, Any], out) -> None:
    """Why the run holds (or, in a dry run, would hold), whom it would remove or change, and what to do next."""
    run, hold = data["run"], data["hold"]
    if run["dry_run"]:
        print(_("A real run would hold for approval:"), file=out)
    elif hold.get("approved_at"):
        print(_("Held for approval, approved at {moment}:").format(moment=hold["approved_at"]), file=out)
    else:
        print(_("Held for approval: nothing was written."), file=out)
    for reason in hold["reasons"]:
        print(f"  {reason['message']}", file=out)
    if run["status"] != "held":
        return
    for action, title in (("delete", _("Would remove ({count}):")), ("update", _("Would change ({count}):"))):
        entries = [e for e in data["changes"] if e["action"] == action and e["state"] in ("planned", "started")]
        if entries:
            print(title.format(count=len(entries)), file=out)
        for entry in entries[:SHOWN]:
            print(f"  {entry['subject']}: {entry['message']}", file=out)
        if len(entries) > SHOWN:
            print(_("  … and {count} more (see --report)").format(count=len(entries) - SHOWN), file=out)
    print(_("Check the plan, then apply it with 'mooc-bridge sync approve {run}' or drop it with 'mooc-bridge sync "
            "discard {run}'; to apply such a run at once, raise the limit with --max-unenroll or --max-change.").format(
                run=run["id"]), file=out)


def _said(entry: dict[str, Any]) -> str | None:
    """What the target said when it skipped a change or applied it keeping a person's cells."""
    result = entry.get("result") or {}
    return result.get("message") if result.get("status") in ("skipped", "applied") else None


def _kept(changes: list[dict[str, Any]], out) -> None:
    """What the run did not write because of a policy or a hand edit, and what it kept of a person's edits; then
    the changes applied as asked that the target said something about (no account yet: allowed to enrol on
    registration)."""
    kept = [e for e in changes if e["state"] == "skipped" or (e["state"] == "done" and _said(e) and _kept_edit(e))]
    noted = [e for e in changes if e["state"] == "done" and _said(e) and not _kept_edit(e)]
    for title, entries in ((_("Kept (not overwritten):"), kept), (_("Applied, with a note from the target:"), noted)):
        if not entries:
            continue
        print(title, file=out)
        for entry in entries[:SHOWN]:
            print(f"  {entry['subject']}: {_said(entry) or entry['message']}", file=out)
        if len(entries) > SHOWN:
            print(_("  … and {count} more (see --report)").format(count=len(entries) - SHOWN), file=out)


def _kept_edit(entry: dict[str, Any]) -> bool:
    """The target applied the change keeping a person's hand edits (``ChangeResult.kept``)."""
    return bool((entry.get("result") or {}).get("kept"))


def emit(args, data: dict[str, Any]) -> None:
    """Print the report (``--json`` or the summary) and write it to ``--report`` when asked."""
    from .report import write_report

    if args.report:
        write_report(data, args.report)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, default=str))
    else:
        print_summary(data, sys.stdout)
        if args.report:
            print(_("Report written to {path}").format(path=args.report))


def status_code(data: dict[str, Any]) -> int:
    """The exit code of a finished run's report: 0 done, 3 held for approval, 1 otherwise."""
    return _CODES.get(data["run"]["status"], 1)


_CODES = {"done": 0, "held": 3}


def _show_progress(data: dict[str, Any], out) -> None:
    from .report import KIND_LABELS, RUN_LABELS, STATE_LABELS

    print(_("Run {run}: {kind}, {status}").format(run=data["run"], kind=_(KIND_LABELS.get(data["kind"], data["kind"])),
                                                   status=_(RUN_LABELS.get(data["status"], data["status"]))), file=out)
    print(_("  operations finished: {finished} of {total}").format(finished=data["finished"],
                                                                    total=data["operations"]), file=out)
    for state, value in sorted(data["states"].items()):
        print(f"    {_(STATE_LABELS.get(state, state))}: {value}", file=out)
    chunks = data["chunks"]
    if chunks.get("total"):
        print(_("  worker tasks: {done} of {total} done, {running} running, {failed} failed").format(
            done=chunks.get("done", 0), total=chunks["total"], running=chunks.get("running", 0),
            failed=chunks.get("failed", 0)), file=out)


def status(run_id: int, as_json: bool, wait: bool, timeout: float | None) -> int:
    """Print the progress of a run; with ``wait``, poll until it ends (exit code as for a finished run)."""
    import time

    from .journal import progress_of, settle
    from .models import SyncRun

    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Refused(_("There is no sync run {run}.").format(run=run_id), 2)
    deadline = None if timeout is None else time.monotonic() + timeout
    shown = None
    while True:
        run.refresh_from_db()
        (run,) = settle([run])
        data = progress_of(run)
        if not as_json and (data["finished"], data["status"]) != shown and (wait or shown is None):
            _show_progress(data, sys.stdout)
            shown = (data["finished"], data["status"])
        if not wait or run.status != SyncRun.RUNNING:
            break
        if deadline is not None and time.monotonic() > deadline:
            if as_json:
                print(json.dumps(data, ensure_ascii=False))
            print(_("Still running after {seconds} seconds.").format(seconds=timeout), file=sys.stderr)
            return 1
        time.sleep(1)
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
    if not wait:
        return 0
    return _CODES.get(run.status, 1)


def runs(args) -> int:
    """List recent runs (``--json``, ``--limit``)."""
    from .journal import settle
    from .models import SyncRun
    from .report import KIND_LABELS, RUN_LABELS

    runs = settle(SyncRun.objects.all()[: max(1, args.limit)])
    rows = [{"id": r.pk, "kind": r.kind, "status": r.status, "dry_run": r.dry_run, "source": r.source_spec,
             "target": r.target_spec, "started_at": r.started_at.isoformat() if r.started_at else None,
             "finished_at": r.finished_at.isoformat() if r.finished_at else None, "counts": r.counts} for r in runs]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print(_("No sync runs yet."))
    for row in rows:
        flag = _(" (dry run)") if row["dry_run"] else ""
        kind, state = _(KIND_LABELS.get(row["kind"], row["kind"])), _(RUN_LABELS.get(row["status"], row["status"]))
        print(f"{row['id']:>6}  {kind:<7} {state:<12} {row['started_at'] or '':<26} "
              f"{row['source']} → {row['target']}{flag}")
    held = [str(row["id"]) for row in rows if row["status"] == "held"]
    if held:
        print(_("Held for approval: {runs}. See why with 'mooc-bridge sync report RUN', then 'mooc-bridge sync "
                "approve RUN' or 'mooc-bridge sync discard RUN'.").format(runs=", ".join(held)))
    return 0


