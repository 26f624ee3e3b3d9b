"""Tracking events of the SCORM player: their names and payloads, a contract documented in docs/scorm-events.md.

The block publishes them with ``runtime.publish(block, name, data)``. In the LMS, edx-platform's
``EventPublishingService.publish`` (``xmodule/services.py``) hands every event type other than ``grade``,
``completion`` and ``progress`` to the request's track function inside a tracker context that carries
``course_id``, ``org_id`` and ``user_id``; the handler call adds ``context.module.usage_key``
(``lms/djangoapps/courseware/block_render.py``). So the payloads carry neither the course, the block
nor the learner: only what the SCORM run-time adds.

Privacy: a payload never holds what the learner wrote or what the SCO keeps for itself (``suspend_data``,
``location``, interactions and their responses, comments): only statuses, scores and times.

This module imports nothing from the platform, so Django settings may import :data:`EVENT_NAMES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .learner import sco_outcome_of

PREFIX = "edx.mooc_bridge.scorm."
ATTEMPT_STARTED = PREFIX + "attempt.started"
LAUNCHED = PREFIX + "launched"
SCO_CHANGED = PREFIX + "sco.changed"
SCORED = PREFIX + "scored"
COMPLETED = PREFIX + "completed"

#: Every event name the block publishes (``plugin_settings`` adds them to event-routing-backends' allow-lists).
EVENT_NAMES = (ATTEMPT_STARTED, LAUNCHED, SCO_CHANGED, SCORED, COMPLETED)


@dataclass(frozen=True)
class ScoSnapshot:
    """What analytics sees of one SCO in one attempt: statuses, score and time (nothing the learner wrote)."""

    completion_status: str = "not attempted"
    success_status: str = "unknown"
    score_scaled: float | None = None
    score_raw: float | None = None
    total_seconds: float = 0.0
    sessions: int = 0

    def reportable(self) -> tuple:
        """The part whose change is worth an event (a session's end counts too)."""
        return self.completion_status, self.success_status, self.score_scaled, self.score_raw, self.sessions


def prior(record, sco: str) -> tuple[dict[str, str], float, int] | None:
    """A copy of what :func:`snapshot_of` needs of the SCO in the attempt in progress, taken before a commit
    changes it (``None`` before its first commit); the snapshot itself is made only if an event is sent."""
    attempt = record.current()
    state = attempt.scos.get(sco) if attempt is not None else None
    return None if state is None else (dict(state.values), state.total_seconds, state.sessions)


def snapshot_of(package, sco: str, settings, taken: tuple[dict[str, str], float, int] | None) -> ScoSnapshot:
    """The :class:`ScoSnapshot` of what :func:`prior` took (a default one before the SCO's first commit)."""
    if taken is None:
        return ScoSnapshot()
    values, total_seconds, sessions = taken
    outcome = sco_outcome_of(package, sco, values, settings)
    return ScoSnapshot(outcome.completion, outcome.success, outcome.score, outcome.raw, total_seconds, sessions)


def snapshot(record, package, sco: str, settings) -> ScoSnapshot:
    """The SCO's :class:`ScoSnapshot` in the attempt in progress (a default one before its first commit)."""
    return snapshot_of(package, sco, settings, prior(record, sco))


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def emit(block, name: str, data: dict[str, Any]) -> None:
    """Publish event ``name`` through the block's runtime (the LMS turns it into a tracking log event)."""
    block.runtime.publish(block, name, data)


def base(block, version: str, attempt: int) -> dict[str, Any]:
    """The fields every event carries."""
    return {"package_sha256": block.package_sha256, "scorm_version": version, "attempt": attempt}


def launch_events(block, version: str, launched: dict[str, Any], sco: str, attempts_before: int) -> None:
    """``attempt.started`` when the launch opened a new attempt, then ``launched`` for the SCO."""
    attempt = launched["attempt"]
    if launched["attempts_used"] > attempts_before:
        emit(block, ATTEMPT_STARTED, {**base(block, version, attempt),
                                      "attempts_allowed": launched["attempts_allowed"]})
    emit(block, LAUNCHED, {**base(block, version, attempt), "sco_id": sco, "mode": launched["mode"]})


def attempt_started(block, version: str, attempt: int, attempts_allowed: int) -> None:
    """``attempt.started`` for an attempt the learner asked for (the block's "new attempt" button)."""
    emit(block, ATTEMPT_STARTED, {**base(block, version, attempt), "attempts_allowed": attempts_allowed})


def sco_changed(block, version: str, attempt: int, sco: str, before: ScoSnapshot, after: ScoSnapshot) -> None:
    """``sco.changed`` when a stored commit changed the SCO's status or score, or ended a session; else nothing."""
    if before.reportable() == after.reportable():
        return
    ended = after.sessions > before.sessions
    emit(block, SCO_CHANGED, {
        **base(block, version, attempt), "sco_id": sco,
        "completion_status": after.completion_status, "success_status": after.success_status,
        "score_scaled": _round(after.score_scaled), "score_raw": _round(after.score_raw),
        # what they were before this commit: the xAPI statements (xapi.py) say only what changed
        "previous_completion_status": before.completion_status, "previous_success_status": before.success_status,
        "previous_score_scaled": _round(before.score_scaled), "previous_score_raw": _round(before.score_raw),
        "session_ended": ended,
        "session_time_seconds": _round(after.total_seconds - before.total_seconds, 2) if ended else None,
        "total_time_seconds": _round(after.total_seconds, 2),
    })


def scored(block, version: str, attempt: int, grade: float, weight: float) -> None:
    """``scored``: the block's published grade changed."""
    emit(block, SCORED, {**base(block, version, attempt), "score_scaled": _round(grade),
                         "score_raw": _round(grade * weight), "max_score": weight})


def completed(block, version: str, attempt: int, grade: float | None) -> None:
    """``completed``: the block's completion reached 1.0."""
    emit(block, COMPLETED, {**base(block, version, attempt), "completion": 1.0, "score_scaled": _round(grade)})
