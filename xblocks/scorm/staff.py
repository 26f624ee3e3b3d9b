"""What course staff see and do in a SCORM block: every learner's attempts, a CSV of them, resetting one.

Learner state lives in the block's ``Scope.user_state`` fields (see ADR 0017), so reading all learners
goes through the runtime's store of learner state:

* in the LMS, edx-platform's ``DjangoXBlockUserStateClient.iter_all_for_block(usage_key)`` (read) and
  ``set`` (write), imported lazily so this module loads anywhere;
* in the workbench, the SDK's ``XBlockState`` rows, and for a reset a block built on a runtime for the
  learner, so the new grade and completion are published as the LMS would record them.

:func:`attempt_rows` turns one learner's :class:`~scorm.attempts.LearnerRecord` into plain rows (status,
score, time, interactions) that the JSON view, the page and the CSV all share.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

from xblock.fields import ScopeIds

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_
from scorm import cmi
from scorm.attempts import LearnerRecord

from . import learner

log = logging.getLogger(__name__)
_ = Translator.for_package("xblocks").gettext

# In the xblock-sdk workbench there are no accounts: a student id (``?student=``) starting with this is staff.
WORKBENCH_STAFF_ID = "staff"

CSV_COLUMNS = (
    ("learner", N_("Learner")), ("attempt", N_("Attempt")), ("started", N_("Started")),
    ("closed", N_("Closed")), ("sco", N_("Item")), ("completion", N_("Completion status")),
    ("success", N_("Success status")), ("score", N_("Score (%)")), ("seconds", N_("Time (seconds)")),
    ("interactions", N_("Interactions")),
)


def is_staff(block) -> bool:
    """Whether the current user is course staff: the LMS's flags, or a workbench student id starting with
    :data:`WORKBENCH_STAFF_ID`."""
    runtime = block.runtime
    if getattr(runtime, "user_is_staff", False) is True:
        return True
    service = runtime.service(block, "user")
    user = service.get_current_user() if service else None
    attrs = getattr(user, "opt_attrs", {}) or {}
    if attrs.get("edx-platform.user_is_staff") is True:
        return True
    workbench_id = workbench_user_id(block)
    return workbench_id is not None and workbench_id.startswith(WORKBENCH_STAFF_ID)


def workbench_user_id(block) -> str | None:
    """The current user's workbench student id (``?student=``), or None outside the workbench."""
    service = block.runtime.service(block, "user")
    user = service.get_current_user() if service else None
    workbench_id = (getattr(user, "opt_attrs", {}) or {}).get("xblock-workbench.user_id")
    return workbench_id if isinstance(workbench_id, str) else None


def can_author(block) -> bool:
    """Whether the current user may change this block's package: Studio's write permission on the course
    where Studio provides it (its handler view only checks that someone is logged in), course staff elsewhere."""
    service = block.runtime.service(block, "studio_user_permissions")
    if service is not None:
        course_key = getattr(block.scope_ids.usage_id, "course_key", None)
        return bool(course_key is not None and service.can_write(course_key))
    return is_staff(block)


def _interactions(family: str, values: dict[str, str]) -> list[dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for key, value in values.items():
        parts = key.split(".")
        if len(parts) == 4 and parts[:2] == ["cmi", "interactions"] and parts[2].isdigit():
            found.setdefault(int(parts[2]), {})[parts[3]] = value
    response_key = "student_response" if family == "1.2" else "learner_response"
    return [{"id": entry.get("id", ""), "type": entry.get("type", ""), "result": entry.get("result", ""),
             "response": entry.get(response_key, "")} for _index, entry in sorted(found.items())]


def attempt_rows(record: LearnerRecord, package, scos: list[str], settings: learner.Settings) -> list[dict[str, Any]]:
    """One learner's attempts, newest last: per attempt its result, per SCO its status, score, time, interactions."""
    family = cmi.version_family(package.version)
    rows = []
    for attempt in record.attempts:
        result = learner.attempt_result(attempt, package, scos, settings)
        items = []
        for sco_id, outcome in learner.sco_outcomes(attempt, package, scos, settings):
            state = attempt.scos[sco_id]
            items.append({
                "sco": sco_id, "completion": outcome.completion, "success": outcome.success,
                "score": None if outcome.score is None else round(outcome.score * 100, 2),
                "seconds": round(state.total_seconds + state.session_seconds, 2), "sessions": state.sessions,
                "location": state.values.get("cmi.core.lesson_location", state.values.get("cmi.location", "")),
                "interactions": _interactions(family, state.values),
                "updated": state.updated.isoformat() if state.updated else None,
            })
        rows.append({
            "attempt": attempt.number, "started": attempt.started.isoformat(), "closed": attempt.closed,
            "completion": round(result.completion, 4), "completed": result.completed, "success": result.success,
            "score": None if result.score is None else round(result.score * 100, 2), "items": items,
        })
    return rows


def csv_text(learners: list[dict[str, Any]]) -> str:
    """The attempts of ``learners`` (as the staff JSON lists them) as CSV, one row per attempt and item."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_(title) for _key, title in CSV_COLUMNS])
    for entry in learners:
        for attempt in entry["attempts"]:
            for item in attempt["items"] or [{}]:
                interactions = "; ".join(f"{i['id']}={i['response']} ({i['result']})"
                                         for i in item.get("interactions", []))
                writer.writerow([_cell(entry["learner"]), attempt["attempt"], attempt["started"], attempt["closed"],
                                 _cell(item.get("sco", "")), item.get("completion", ""), item.get("success", ""),
                                 "" if item.get("score") is None else item["score"], item.get("seconds", ""),
                                 _cell(interactions)])
    return out.getvalue()


def _cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- where learners' state is --------------------------------------------------------------------------------

def _workbench_runtime_class():
    try:
        from xblocks.workbench.runtime import RecordingWorkbenchRuntime
    except Exception:  # not in the workbench
        return None
    return RecordingWorkbenchRuntime


def lms_state_client():
    """edx-platform's ``DjangoXBlockUserStateClient`` (reads ``StudentModule`` on each call); None outside the LMS."""
    try:
        from lms.djangoapps.courseware.user_state_client import DjangoXBlockUserStateClient  # type: ignore
    except Exception:  # not in the LMS
        return None
    return DjangoXBlockUserStateClient()


def iter_learner_states(block) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(learner, user_state dict)`` for every learner with state in ``block`` (LMS or workbench)."""
    client = lms_state_client()
    if client is not None:
        for state in client.iter_all_for_block(block.scope_ids.usage_id):
            yield str(state.username), dict(state.state or {})
        return
    try:
        from workbench.models import XBlockState
    except Exception:  # neither LMS nor workbench: nothing to list
        return
    rows = XBlockState.objects.filter(scope="usage", scope_id=str(block.scope_ids.usage_id)).exclude(user_id=None)
    for row in rows.order_by("user_id"):
        try:
            state = json.loads(row.state)
        except ValueError:
            continue
        if state.get("record"):
            yield str(row.user_id), state


def reset_attempt(block, learner_id: str, attempt_number: int | None) -> bool:
    """Delete one attempt (``None``: all) of ``learner_id``; return whether anything was deleted.

    In the workbench the learner's own block does it, so the new grade and completion are published.
    In the LMS the state is rewritten through the user state client, and what was published is forgotten
    with it: a block cannot publish a grade for another user from a staff request, so the learner's next
    commit (or a rescore from the instructor dashboard) publishes grade and completion afresh.
    """
    runtime_class = _workbench_runtime_class()
    if runtime_class is not None and isinstance(block.runtime, runtime_class):
        ids = block.scope_ids
        block_class = getattr(block, "unmixed_class", type(block))
        learner_block = runtime_class(learner_id).construct_xblock_from_class(
            block_class, ScopeIds(learner_id, ids.block_type, ids.def_id, ids.usage_id))
        changed = learner_block.reset_learner_attempt(attempt_number)
        learner_block.save()
        return changed
    client = lms_state_client()
    if client is None:
        return False
    try:
        state = dict(client.get(learner_id, block.scope_ids.usage_id).state)
    except Exception:  # the client raises DoesNotExist for a learner without state
        return False
    record = LearnerRecord.model_validate(state.get("record") or {})
    if not drop_attempt(record, attempt_number):
        return False
    state["record"] = record.model_dump(mode="json")
    state["published"], state["raw_earned"] = {}, None  # derived from the deleted attempt: recomputed next time
    state["state_stored"] = False  # the learner's stored copy (LearnerState) is older than this: the fields hold
    client.set(learner_id, block.scope_ids.usage_id, state)
    return True


def drop_attempt(record: LearnerRecord, attempt_number: int | None) -> bool:
    """Remove attempt ``attempt_number`` (or all) from ``record`` and renumber the rest; return whether it did."""
    before = len(record.attempts)
    record.attempts = [a for a in record.attempts if attempt_number is not None and a.number != attempt_number]
    for number, attempt in enumerate(record.attempts, start=1):
        attempt.number = number
    return len(record.attempts) != before
