"""A learner's attempts at a package: per attempt, per SCO state, what a SCO sees at launch, and commits.

Pure data and functions, with no storage: the player block keeps a :class:`LearnerRecord` wherever its
runtime keeps learner state and calls these functions, so the rules are the same in the LMS, the
workbench and the tests.

* :func:`launch_values` is what the runtime API is preloaded with when a SCO starts: the SCO's saved
  state, and the elements the LMS owns — learner id and name, ``mode``, ``credit``, ``entry``
  (``ab-initio`` the first time, ``resume`` after a suspend), accumulated ``total_time``, launch data,
  mastery score or scaled passing score, completion threshold, time limits.
* :func:`apply_commit` stores a commit that :func:`scorm.cmi.validate_commit` accepted. Each commit
  carries a sequence number from the page: a repeat of the last one is acknowledged and changes
  nothing (a retry after a lost response), an older one is refused as stale (a delayed request must
  not undo newer progress). ``session_time`` is added to ``total_time`` once per session, when the
  session ends (``terminate``), as the run-time environment specifications describe. A SCORM 1.2 session
  that ends with no status set gets one (:func:`scorm.rte.finish_status_12`).

Commits are bound to the learner and the attempt they were made in: each attempt has a random ``token``
that the launcher page receives and sends back with every commit, and each record a random ``store_key``
that names the learner's queue of unsent commits in the browser. A commit kept on a shared computer and
replayed for another learner carries a token that learner's record does not know, and is refused
(:meth:`LearnerRecord.attempt_for`).

SCORM 1.2 keeps a SCO's ``lesson_location`` and ``suspend_data`` for the whole attempt, whatever the exit
(as Moodle does); SCORM 2004 gives them back only after a suspend, since any other exit ends the SCO's
learner attempt (RTE 4.2.8, ``cmi.exit``). ``lesson_status`` is not preloaded until the SCO has one: the
runtime API starts it at "not attempted" itself, which lets it tell a status the SCO set from the default.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

import pydantic_core
from pydantic import BaseModel, Field

from .cmi import (
    duration_to_seconds,
    seconds_to_duration,
    seconds_to_timespan,
    timespan_to_seconds,
    version_family,
)
from .grading import changes_outcome
from .rte import finish_status_12

CommitStatus = Literal["applied", "duplicate", "stale"]


def _now() -> datetime:
    return datetime.now(UTC)


class ScoState(BaseModel):
    """One SCO's data in one attempt."""

    values: dict[str, str] = Field(default_factory=dict)  # the SCO-writable cmi elements, flattened
    total_seconds: float = 0.0
    session_seconds: float = 0.0  # of the session in progress, added to total on terminate
    sessions: int = 0
    sequence: int = -1  # last commit sequence number applied
    last_digest: str = ""  # digest of the last applied commit, to recognise repeats
    suspended: bool = False
    updated: datetime | None = None


class Attempt(BaseModel):
    """One attempt over the package."""

    number: int
    started: datetime = Field(default_factory=_now)
    scos: dict[str, ScoState] = Field(default_factory=dict)
    closed: bool = False  # no more commits; a new launch starts a new attempt
    token: str = Field(default_factory=lambda: secrets.token_urlsafe(18))  # sent back with every commit
    engine_state: str = ""  # the attempt's one SCORM 2004 sequencing engine, serialized (scorm.engine_state)
    engine_sequence: int = -1


class LearnerRecord(BaseModel):
    """Everything one learner did in one block, oldest attempt first."""

    attempts: list[Attempt] = Field(default_factory=list)
    store_key: str = Field(default_factory=lambda: secrets.token_urlsafe(12))  # names the browser's queue

    def attempt_for(self, number: object, token: object) -> Attempt | None:
        """The attempt ``number`` if ``token`` is its token, else ``None`` (another learner's or a forged commit)."""
        for attempt in self.attempts:
            if attempt.number == number and isinstance(token, str) and token and attempt.token:
                return attempt if hmac.compare_digest(attempt.token, token) else None
        return None

    def current(self) -> Attempt | None:
        """The attempt in progress (the last one, unless it is closed)."""
        return self.attempts[-1] if self.attempts and not self.attempts[-1].closed else None

    def start_attempt(self) -> Attempt:
        """Open a new attempt (closing the current one) and return it."""
        if self.attempts:
            self.attempts[-1].closed = True
        attempt = Attempt(number=len(self.attempts) + 1)
        self.attempts.append(attempt)
        return attempt


class CommitResult(BaseModel):
    """What :func:`apply_commit` did."""

    status: CommitStatus
    changed: bool
    sequence: int
    outcome: bool = True  # whether the SCO's status, score or sessions may have changed (grading.changes_outcome)


_SESSION_TIME = frozenset({"cmi.core.session_time", "cmi.session_time"})  # added to total time, not kept


def _digest(values: Mapping[str, str], terminate: bool) -> str:
    """The fingerprint of a commit's values, to recognise its repeats (``2:`` and sha256 of compact JSON)."""
    return "2:" + hashlib.sha256(pydantic_core.to_json([sorted(values.items()), terminate])).hexdigest()


def _same_commit(stored: str, values: Mapping[str, str], terminate: bool) -> bool:
    """Whether ``values`` are the commit whose fingerprint is ``stored`` (also in the first release's form,
    sha256 of ``json.dumps``, for a repeat sent across an upgrade)."""
    if stored.startswith("2:"):
        return stored == _digest(values, terminate)
    legacy = json.dumps([sorted(values.items()), terminate], ensure_ascii=False)
    return stored == hashlib.sha256(legacy.encode()).hexdigest()


def _session_seconds(family: str, values: Mapping[str, str]) -> float | None:
    if family == "1.2":
        text = values.get("cmi.core.session_time")
        return timespan_to_seconds(text) if text else None
    text = values.get("cmi.session_time")
    return duration_to_seconds(text) if text else None


def apply_commit(
    attempt: Attempt, sco_id: str, sequence: int, values: Mapping[str, str], *, version: str | None,
    terminate: bool = False, mastery_score: float | None = None,
) -> CommitResult:
    """Apply a validated commit of SCO ``sco_id`` to ``attempt`` (see the module docstring).

    ``mastery_score`` is the SCO's SCORM 1.2 mastery score, used when a session ends with no status.
    """
    new = sco_id not in attempt.scos
    state = attempt.scos.setdefault(sco_id, ScoState())
    if sequence < state.sequence or (sequence == state.sequence
                                     and not _same_commit(state.last_digest, values, terminate)):
        return CommitResult(status="stale", changed=False, sequence=state.sequence)
    if sequence == state.sequence:
        return CommitResult(status="duplicate", changed=False, sequence=state.sequence)
    family = version_family(version)
    stored = state.values
    # what this commit changes (values are only ever added or replaced, never removed)
    delta = {k: v for k, v in values.items() if stored.get(k) != v and k not in _SESSION_TIME}
    time_before = (state.total_seconds, state.suspended)
    stored.update(delta)
    session = _session_seconds(family, values)
    if session is not None:
        state.session_seconds = session
    if terminate:
        state.total_seconds += state.session_seconds
        state.session_seconds = 0.0
        state.sessions += 1
        state.suspended = stored.get("cmi.core.exit" if family == "1.2" else "cmi.exit") == "suspend"
        if family == "1.2":
            status = finish_status_12(stored, mastery_score=mastery_score)
            if status is not None and stored.get("cmi.core.lesson_status") != status:
                stored["cmi.core.lesson_status"] = delta["cmi.core.lesson_status"] = status
    state.sequence = sequence
    state.last_digest = _digest(values, terminate)
    state.updated = _now()
    changed = bool(delta) or time_before != (state.total_seconds, state.suspended)
    outcome = new or terminate or changes_outcome(delta)
    return CommitResult(status="applied", changed=changed, sequence=sequence, outcome=outcome)


class LaunchContext(BaseModel):
    """What the LMS knows about the learner and the SCO's item when a SCO starts."""

    learner_id: str
    learner_name: str = ""
    mode: Literal["normal", "browse", "review"] = "normal"
    credit: bool = True
    launch_data: str | None = None  # adlcp:datafromlms (1.2) / adlcp:dataFromLMS (2004)
    mastery_score: float | None = None  # 1.2 masteryscore, or the 2004 scaled passing score
    completion_threshold: float | None = None
    max_time_allowed: str | None = None
    time_limit_action: str | None = None


def launch_values(attempt: Attempt, sco_id: str, context: LaunchContext, *, version: str | None) -> dict[str, str]:
    """The flattened cmi values to preload into the runtime API when SCO ``sco_id`` launches."""
    state = attempt.scos.get(sco_id) or ScoState()
    family = version_family(version)
    values = dict(state.values)
    resumed = state.suspended and state.sessions > 0
    credit = "credit" if context.credit else "no-credit"
    if family == "1.2":
        values.update({
            "cmi.core.student_id": context.learner_id,
            "cmi.core.student_name": context.learner_name,
            "cmi.core.lesson_mode": context.mode,
            "cmi.core.credit": credit,
            "cmi.core.entry": "resume" if resumed else ("ab-initio" if state.sessions == 0 else ""),
            "cmi.core.total_time": seconds_to_timespan(state.total_seconds),
        })
        optional = {
            "cmi.launch_data": context.launch_data,
            "cmi.student_data.mastery_score": None if context.mastery_score is None else f"{context.mastery_score:g}",
            "cmi.student_data.max_time_allowed": context.max_time_allowed,
            "cmi.student_data.time_limit_action": context.time_limit_action,
        }
    else:
        values.update({
            "cmi.learner_id": context.learner_id,
            "cmi.learner_name": context.learner_name,
            "cmi.mode": context.mode,
            "cmi.credit": credit,
            "cmi.entry": "resume" if resumed else ("ab-initio" if state.sessions == 0 else ""),
            "cmi.total_time": seconds_to_duration(state.total_seconds),
        })
        values.setdefault("cmi.completion_status", "unknown")
        values.setdefault("cmi.success_status", "unknown")
        optional = {
            "cmi.launch_data": context.launch_data,
            "cmi.scaled_passing_score": None if context.mastery_score is None else f"{context.mastery_score:g}",
            "cmi.completion_threshold": (None if context.completion_threshold is None
                                         else f"{context.completion_threshold:g}"),
            "cmi.max_time_allowed": context.max_time_allowed,
            "cmi.time_limit_action": context.time_limit_action,
        }
    values.update({key: value for key, value in optional.items() if value is not None})
    if not resumed and family == "2004":
        # a 2004 session that does not resume a suspended one is a new learner attempt on the SCO
        for key in ("cmi.core.lesson_location", "cmi.location", "cmi.suspend_data"):
            values.pop(key, None)
    return {key: value for key, value in values.items() if not _write_only(family, key)}


_WRITE_ONLY = {"cmi.core.exit", "cmi.core.session_time", "cmi.exit", "cmi.session_time", "adl.nav.request"}


def _write_only(family: str, key: str) -> bool:
    """Elements a SCO may set but never read back: not preloaded (SCORM 1.2 interactions are all write-only)."""
    return key in _WRITE_ONLY or (family == "1.2" and key.startswith("cmi.interactions."))
