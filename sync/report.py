"""Reports of a run: a JSON document for programs and an HTML page a registrar reads before submitting.

The report is built from the plan (dry run) or from the journal (a real run, also after a resume), so
the same page comes out either way: counts, people not matched, the review list, the changes with their
reasons and outcomes, and the grade distribution before and after as an inline SVG chart (no script, no
external files; every value is escaped by the template engine). Reason codes are translated here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_
from adapters.records import Score
from adapters.text import visible, visible_all

from .hold import HOLD_REASONS
from .matching import REVIEW_REASONS
from .models import Operation, ReviewItem, SyncRun
from .plan import BUCKETS, REASONS, Plan, PlannedOp, bucket

__all__ = ["HTML_LIMIT", "entry_from_row", "from_journal", "from_plan", "plan_part", "render_html", "write_report"]

_ = Translator.for_package("sync").gettext

HTML_LIMIT = 2000
"""The HTML page lists at most this many changes (the JSON report has them all)."""

_TEMPLATE = Path(__file__).resolve().parent / "templates" / "sync" / "report.html"

LABELS = {
    "title": N_("Sync report"), "run": N_("Run"), "kind": N_("Kind"), "status": N_("Status"),
    "source": N_("From"), "target": N_("To"), "started": N_("Started"), "finished": N_("Finished"),
    "dry_run": N_("Dry run: nothing was written."), "counts": N_("Counts"), "review": N_("Held for review"),
    "review_note": N_("Nothing was written for these people. Check them and correct the source or the target."),
    "unmatched": N_("Not found in the target"), "kept": N_("In the target but not in the source (kept)"),
    "changes": N_("Changes"), "held": N_("Held back by a policy"), "failed": N_("Failed"),
    "distribution": N_("Grade distribution"), "before": N_("before"), "after": N_("after"),
    "after_planned": N_("after (planned)"), "person": N_("Person"), "reason": N_("Reason"),
    "candidates": N_("Could be"), "action": N_("Action"), "subject": N_("Who / what"), "state": N_("State"),
    "value_before": N_("Before"), "value_after": N_("After"), "error": N_("Error"), "none": N_("None."),
    "more": N_("{count} more are in the JSON report."), "course_grade": N_("course grade"),
    "draft": N_("教务 import draft"), "hold": N_("Held for approval"),
    "hold_note": N_("Nothing was written. Check the changes below, then apply them with 'mooc-bridge sync approve "
                    "{run}' (or the Approve action in the Django admin), or drop them with 'mooc-bridge sync discard "
                    "{run}'."),
    "hold_dry": N_("A real run would hold for approval:"), "hold_approved": N_("Approved at {moment}."),
    "source_read": N_("How the source was read"), "file": N_("File"), "profile": N_("Layout"),
    "why": N_("Why"), "columns": N_("Columns"), "skipped": N_("Rows left out or read with a warning"),
    "row": N_("Row"), "column": N_("Column"), "severity": N_("Severity"), "message": N_("Message"),
}

COUNT_LABELS = {
    "source_records": N_("records in the source"), "target_records": N_("records in the target"),
    "people": N_("people in the source"), "matched": N_("matched to a target user"),
    "new_people": N_("new people (no target user yet)"), "unmatched": N_("not found in the target"),
    "review": N_("held for review"), "planned": N_("changes planned"), "held": N_("held back by a policy"),
    "unchanged": N_("already up to date"), "kept": N_("kept (not unenrolled)"),
    "outside_target": N_("left out: the target holds course grades only"),
    "unmapped_course": N_("left out: the course map sends their course nowhere or to another course (map the "
                          "course and the next run reads it in full, --delta or not)"),
    "newly_mapped_read_in_full": N_("courses newly in the course map: the source was read in full for them, not "
                                    "only since the last run"),
}

_OPTIONAL_COUNTS = frozenset({"outside_target", "unmapped_course", "newly_mapped_read_in_full"})
"""Counts shown only when the plan has them."""

STATE_LABELS = {"planned": N_("planned"), "started": N_("started"), "done": N_("done"), "failed": N_("failed"),
                "skipped": N_("skipped")}
RUN_LABELS = {"running": N_("running"), "done": N_("done"), "failed": N_("failed"),
              "interrupted": N_("interrupted"), "held": N_("held for approval"), "discarded": N_("discarded")}
SEVERITY_LABELS = {"error": N_("left out"), "warning": N_("warning")}
ACTION_LABELS = {"create": N_("add"), "update": N_("change"), "delete": N_("remove")}
KIND_LABELS = {"roster": N_("roster"), "grades": N_("grades")}


def _message(table: dict[str, str], code: str, params: dict[str, Any]) -> str:
    template = table.get(code)
    if template is None:
        return code
    try:
        return _(template).format(**params)
    except (KeyError, IndexError, ValueError):
        return _(template)


def _show(data: dict[str, Any] | None) -> str:
    if not data:
        return "-"
    if "role" in data:
        return f"{data.get('role', 'student')}/{data.get('status', 'active')}"
    value = data.get("value")
    if value is None:
        return data.get("text") or data.get("status") or "-"
    shown = f"{value:g}" if isinstance(value, float | int) else str(value)
    if data.get("scale") == "points" and data.get("max_score"):
        shown += f"/{data['max_score']:g}"
    return shown


def _after(entry: dict[str, Any]) -> str:
    """The After column: what the target holds once written (``params.written``), the source's value beside it."""
    shown, written = _show(entry["after"]), (entry.get("params") or {}).get("written")
    return f"{written} ({shown})" if written and written != shown else shown


def _band(data: dict[str, Any] | None) -> int | None:
    if not data or ("value" not in data and "text" not in data):
        return None
    try:
        return bucket(Score.model_validate(data))
    except ValueError:
        return None


def plan_part(plan: Plan) -> dict[str, Any]:
    """What the plan knows and the journal does not: counts, unmatched, review, kept, distribution before."""
    kept = [{"person": e.person.model_dump(mode="json", exclude_none=True), "course_id": e.course_id,
             "role": e.role} for e in plan.kept]
    return {"counts": plan.counts(),
            "unmatched": [p.model_dump(mode="json", exclude_none=True) for p in plan.unmatched],
            "review": [case.to_dict() for case in plan.review], "kept": kept,
            "histogram": plan.histogram, "read_in_full_for": plan.read_in_full_for,
            **({"source": plan.source_report} if plan.source_report is not None else {})}


def _entry_from_op(op: PlannedOp, failing: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    record = op.record
    before = op.before.model_dump(mode="json", exclude_none=True) if op.before is not None else None
    after = record.model_dump(mode="json", exclude_none=True)
    error = (failing or {}).get(op.seq)  # the target said this write would fail: a dry run shows it as failed
    state = Operation.FAILED if error else Operation.SKIPPED if op.held else Operation.PLANNED
    return {"seq": op.seq, "stream": op.stream, "action": op.action, "subject": op.subject, "reason": op.reason,
            "params": op.params, "state": state, "before": before, "after": after,
            "item": getattr(record, "line_item_id", None) or "", "error": error, "key": op.key}


def entry_from_row(row: Operation) -> dict[str, Any]:
    """One change of a run's report, from its journalled operation."""
    return {"seq": row.seq, "stream": row.stream, "action": row.action, "subject": row.subject, "reason": row.reason,
            "params": row.reason_params, "state": row.state, "before": row.before, "after": row.payload,
            "item": row.payload.get("line_item_id") or "", "error": row.error, "key": row.key,
            "attempts": row.attempts, "result": row.result}


def _finish(run: SyncRun, part: dict[str, Any], entries: list[dict[str, Any]], projected: bool) -> dict[str, Any]:
    histogram = {item: list(counts) for item, counts in (part.get("histogram") or {}).items()}
    after = {item: list(counts) for item, counts in histogram.items()}
    states: dict[str, int] = {}
    for entry in entries:
        entry["message"] = _message(REASONS, entry["reason"], entry["params"] or {})
        states[entry["state"]] = states.get(entry["state"], 0) + 1
        applied = entry["state"] == Operation.DONE or (projected and entry["state"] == Operation.PLANNED)
        if not applied or entry["stream"] != "scores":
            continue
        old, new = _band(entry["before"]), _band(entry["after"])
        counts = after.setdefault(entry["item"], [0] * len(BUCKETS))
        histogram.setdefault(entry["item"], [0] * len(BUCKETS))
        if old is not None:
            counts[old] -= 1
        if new is not None:
            counts[new] += 1
    review = [{**case, "message": _message(REVIEW_REASONS, case["reason"], case.get("params") or {})}
              for case in part.get("review", [])]
    hold = part.get("hold")
    if hold:
        hold = {**hold, "reasons": [{**r, "message": _message(HOLD_REASONS, r["code"], {
            **r, "percent": f"{r['percent']:g}", "limit": f"{r['limit']:g}"})} for r in hold["reasons"]]}
    return {
        "run": {"id": run.pk, "kind": run.kind, "status": run.status, "dry_run": run.dry_run,
                "source": run.source_spec, "target": run.target_spec,
                "started_at": run.started_at.isoformat() if run.started_at else None,
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "options": run.options, "draft": _draft(run)},
        "counts": {**(part.get("counts") or {}), "states": states},
        "unmatched": part.get("unmatched", []), "review": review, "kept": part.get("kept", []),
        "read_in_full_for": part.get("read_in_full_for", []), "changes": entries, "hold": hold,
        "source": part.get("source"),
        "distribution": {"buckets": list(BUCKETS), "projected": projected,
                         "items": {item: {"before": histogram[item], "after": after[item]} for item in sorted(after)}},
    }


def _draft(run: SyncRun) -> str | None:
    """A link to the file a spreadsheet target wrote (the 教务 import draft), when there is one."""
    from .specs import SpecError, parse_spec

    if run.dry_run:
        return None
    try:
        spec = parse_spec(run.target_spec)
    except SpecError:
        return None
    if spec.scheme not in ("xlsx", "csv"):
        return None
    return Path(spec.location).resolve().as_uri()


def from_plan(run: SyncRun, plan: Plan) -> dict[str, Any]:
    """The report of a dry run: the plan, with the distribution after as it would be."""
    entries = [_entry_from_op(op, plan.failing) for op in sorted(plan.ops + plan.held, key=lambda op: op.seq)]
    return _finish(run, run.report or plan_part(plan), entries, projected=True)


def from_journal(run: SyncRun) -> dict[str, Any]:
    """The report of a run from its journal (after it finished, failed, or was resumed)."""
    if run.dry_run:
        return _finish(run, run.report or {}, [], projected=True)
    part = dict(run.report or {})
    if not part.get("review"):
        part["review"] = [{"person": item.person, "reason": item.reason, "params": item.reason_params,
                           "candidates": item.candidates, "records": item.records}
                          for item in ReviewItem.objects.filter(run=run)]
    entries = {row.seq: entry_from_row(row) for row in Operation.objects.filter(run=run).iterator(2000)}
    for seq, entry in (part.pop("frozen", None) or {}).items():  # as they were before a later run took them
        entries[int(seq)] = entry
    return _finish(run, part, [entries[seq] for seq in sorted(entries)], projected=False)


def _person(data: dict[str, Any]) -> str:
    parts = [data.get("name"), data.get("student_number"), data.get("username"), data.get("email")]
    return " · ".join(str(p) for p in parts if p) or "?"


def _chart(item: str, before: list[int], after: list[int], after_label: str) -> dict[str, Any]:
    """Geometry of one grouped bar chart (numbers and plain strings only; the template escapes them)."""
    width, height, top, bottom, left = 560, 220, 20, 30, 36
    peak = max([*before, *after, 1])
    slot = (width - left) / len(BUCKETS)
    bar = slot * 0.35
    bars, labels = [], []
    for position, name in enumerate(BUCKETS):
        x = left + position * slot + slot * 0.12
        for offset, (value, css) in enumerate(((before[position], "#9aa5b1"), (after[position], "#2f6fb3"))):
            h = (height - top - bottom) * value / peak
            bars.append({"x": round(x + offset * bar, 1), "y": round(height - bottom - h, 1), "w": round(bar, 1),
                         "h": round(h, 1), "fill": css, "value": value, "tx": round(x + offset * bar + bar / 2, 1),
                         "ty": round(height - bottom - h - 4, 1)})
        labels.append({"x": round(left + position * slot + slot / 2, 1), "y": height - 10, "text": name})
    course_grade = LABELS["course_grade"]
    return {"item": item or _(course_grade), "width": width, "height": height, "bars": bars,
            "labels": labels, "axis_y": height - bottom, "after_label": after_label}


def render_html(data: dict[str, Any]) -> str:
    """The registrar's page for report ``data`` (from :func:`from_plan` or :func:`from_journal`)."""
    from django.template import Context, Engine

    labels = {key: _(text) for key, text in LABELS.items()}
    counts = [(_(label), data["counts"].get(key, 0)) for key, label in COUNT_LABELS.items()
              if key in data["counts"] or key not in _OPTIONAL_COUNTS]
    counts += [(_(STATE_LABELS.get(state, state)), n) for state, n in sorted(data["counts"].get("states", {}).items())]
    distribution = data["distribution"]
    after_label = labels["after_planned"] if distribution["projected"] else labels["after"]
    charts = [_chart(item, entry["before"], entry["after"], after_label)
              for item, entry in list(distribution["items"].items())[:12]]
    changes, held, failed = [], [], []
    for entry in data["changes"]:
        row = {"action": _(ACTION_LABELS.get(entry["action"], entry["action"])), "subject": entry["subject"],
               "before": _show(entry["before"]), "after": _after(entry), "reason": entry["message"],
               "state": _(STATE_LABELS.get(entry["state"], entry["state"])),
               "error": (entry.get("error") or {}).get("message", "")}
        target = failed if entry["state"] == Operation.FAILED else held if entry["state"] == Operation.SKIPPED \
            else changes
        target.append(row)
    review = [{"person": _person(case["person"]), "reason": case["message"],
               "candidates": "; ".join(_person(c) for c in case.get("candidates", []))} for case in data["review"]]
    run = data["run"]
    hold = data.get("hold")
    if hold:
        note = labels["hold_dry"] if run["dry_run"] else labels["hold_approved"].format(
            moment=hold["approved_at"]) if hold.get("approved_at") else labels["hold_note"].format(run=run["id"])
        hold = {"note": note, "reasons": [r["message"] for r in hold["reasons"]]}
    source = data.get("source")
    if source:
        detection = source.get("detection") or {}
        source = {"file": source.get("file", ""), "profile": detection.get("title") or detection.get("profile", ""),
                  "reason": detection.get("reason", ""),
                  "columns": ", ".join(f"{m['header']} → {m['role']}" for m in detection.get("matched", [])),
                  "skipped": [{**issue, "severity": _(SEVERITY_LABELS.get(issue.get("severity", ""), "error"))}
                              for issue in source.get("skipped", [])[:HTML_LIMIT]]}
    context = {
        "hold": hold, "source": source,
        "t": labels, "run": run, "counts": counts, "charts": charts, "review": review,
        "unmatched": [_person(p) for p in data["unmatched"]],
        "kept": [f"{_person(k['person'])} · {k['course_id']}" for k in data["kept"]],
        "changes": changes[:HTML_LIMIT], "held": held[:HTML_LIMIT], "failed": failed[:HTML_LIMIT],
        "more": labels["more"].format(count=len(changes) - HTML_LIMIT) if len(changes) > HTML_LIMIT else "",
        "status": _(RUN_LABELS.get(run["status"], run["status"])),
        "kind": _(KIND_LABELS.get(run["kind"], run["kind"])),
        "lang": "zh-CN" if _("Sync report") != "Sync report" else "en",
    }
    engine = Engine(dirs=[str(_TEMPLATE.parent.parent)], autoescape=True)
    return engine.get_template("sync/report.html").render(Context(visible_all(context)))  # no raw control chars


def write_report(data: dict[str, Any], path: str | Path) -> Path:
    """Write ``data`` to ``path``: HTML for ``.html``/``.htm``, else JSON. Returns the path."""
    path = Path(path)
    if path.suffix.lower() in (".html", ".htm"):
        path.write_text(render_html(data), encoding="utf-8")
    else:
        path.write_text(visible(json.dumps(data, ensure_ascii=False, indent=1, default=str)), encoding="utf-8")
    return path

