"""Grade overrides through the gradebook bulk-update, its per-item results read back one by one.

``GradebookBulkUpdateView`` (``lms/djangoapps/grades/rest_api/v1/gradebook_views.py``) recalculates every item inside
the request (``recalculate_subsection_grade_v3.apply``: a learner's course blocks, subsection and course grade), so a
batch is :data:`GRADE_BATCH` items at most by default (the ``grade_batch`` setting), well inside the read timeout;
and it stores ``comment`` in ``override_reason``, a ``CharField(max_length=300)`` (``lms/djangoapps/grades/
models.py``) whose overflow fails the whole request, so a longer comment is shortened here, per item.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from adapters.base import Change
from adapters.errors import AdapterError, DataError, FatalError
from adapters.http import redact
from adapters.i18n import Translator
from adapters.records import Score

from .writes import RESEND_ROUNDS, Writer, chunks, lost_answer, unknown_person

__all__ = ["COMMENT_LIMIT", "GRADE_BATCH", "ScoreWriter"]

_ = Translator.for_package("adapters").gettext

GRADE_BATCH = 10
"""Overrides per bulk-update by default: each is recalculated synchronously in the request (up to a second or two on
a large course), so ten stay well inside the 30 s read timeout where a hundred would not."""

COMMENT_LIMIT = 300
"""``override_reason``'s ``max_length``: a longer comment makes MySQL refuse the row and the LMS fail the batch."""


class ScoreWriter(Writer):
    """Subsection grade overrides through the gradebook bulk-update, its per-item results read one by one."""

    record_type = Score

    def apply(self, todo: list[tuple[int, Change, str]]) -> None:
        """Resolve user ids (one lookup per 50 usernames), then one bulk-update per batch and course."""
        prepared: dict[str, list] = defaultdict(list)
        for course in {c for _i, _ch, c in todo}:
            try:
                self.adapter.resolve_user_ids([ch.record.person for _i, ch, c in todo if c == course], course)
            except AdapterError:
                pass  # each change is resolved (and failed) on its own below
        for i, change, course in todo:
            try:
                prepared[course].append((i, change, self._item(change.record, course)))
            except AdapterError as exc:
                self.fail(i, change, exc)
        size = min(self.adapter.batch_size, self.adapter.settings.grade_batch)
        for course, items in prepared.items():
            for chunk in chunks(items, size):
                self.guarded(chunk, lambda c=chunk, k=course: self._bulk(k, c))
        for i, change, _course in todo:
            result = self.results[i]
            if result is not None and result.status == "applied" and _too_long(change.record.comment):
                note = _("The comment was cut to the {limit} characters Open edX keeps.").format(limit=COMMENT_LIMIT)
                self.results[i] = result.model_copy(update={"message": " ".join(filter(None, [result.message, note]))})

    def _item(self, score: Score, course: str) -> dict[str, Any]:
        where = {"course_id": course, "line_item_id": score.line_item_id}
        if not score.line_item_id:
            raise FatalError(_("The Open edX course grade is computed; write subsection grades instead."),
                             code="course_grade_read_only", where=where)
        if score.value is None or score.scale not in ("points", "percent"):
            raise DataError(_("Only numeric scores (points or percent) can be written to Open edX."),
                            code="unsupported_scale", where={**where, "scale": score.scale})
        if score.scale == "points" and not score.max_score:
            raise DataError(_("A score in points needs its maximum."), code="missing_max_score", where=where)
        possible = score.max_score or 100.0
        if not 0 <= score.value <= possible:
            raise DataError(_("The score {value} is outside 0 to {max}.").format(value=score.value, max=possible),
                            code="score_out_of_range", where=where)
        user_id = self.adapter.user_id_for(score.person, course)
        if user_id is None:
            raise unknown_person(score.person)
        grade = {"earned_all_override": score.value, "possible_all_override": possible,
                 "earned_graded_override": score.value, "possible_graded_override": possible}
        if score.comment:  # cut to override_reason's length: a longer one would fail every item of the batch
            grade["comment"] = (score.comment[:COMMENT_LIMIT - 1] + "…" if _too_long(score.comment)
                                else score.comment)
        return {"user_id": user_id, "usage_id": score.line_item_id, "grade": grade}

    def _bulk(self, course: str, items: list) -> None:
        """Send one bulk-update. Its answer lost (the LMS may have acted): re-read every item, mark those
        already holding our override as applied, and send the rest again (at most :data:`RESEND_ROUNDS` times);
        never the same override twice blindly. Still failing: the error fails the rest, retriable, so that
        ``sync resume`` re-reads them."""
        for round_ in range(RESEND_ROUNDS + 1):
            try:
                answers = self.api.bulk_update(course, [body for _i, _c, body in items])
            except AdapterError as exc:
                if not lost_answer(exc) or round_ == RESEND_ROUNDS:
                    raise
                items = self._not_landed(items, exc)
                if not items:
                    return
                self.pause(exc, round_ + 1)
                continue
            self._answers(course, items, answers)
            return

    def _not_landed(self, items: list, exc: AdapterError) -> list:
        """The items whose override is not in the LMS now; the others are marked applied."""
        missing = []
        for i, change, body in items:
            try:
                override = self.api.subsection_grade(body["usage_id"], body["user_id"]).override
            except AdapterError as again:
                raise exc from again
            grade = body["grade"]
            if override is not None and _close(override.earned_graded_override, grade["earned_graded_override"]) \
                    and _close(override.possible_graded_override, grade["possible_graded_override"]):
                self.ok(i, change, message=_("Written; the answer was lost, so it was confirmed by re-reading."))
            else:
                missing.append((i, change, body))
        return missing

    def _answers(self, course: str, items: list, answers: list) -> None:
        by_key = {(str(a.user_id), a.usage_id): a for a in answers}
        positional = len(answers) == len(items)
        for n, (i, change, body) in enumerate(items):
            answer = by_key.get((str(body["user_id"]), body["usage_id"]))
            if answer is None and positional and str(answers[n].user_id) == str(body["user_id"]):
                answer = answers[n]  # the LMS normalises a usage key it accepted
            if answer is None:
                continue  # reported as missing_result (retriable) by write()
            if answer.success:
                self.ok(i, change)
            else:
                reason = redact(answer.reason or "", limit=300) or "?"
                message = _("Open edX refused the grade override: {reason}").format(reason=reason)
                self.fail(i, change, FatalError(message, code="override_refused", status=422,
                                                where={"course_id": course, "user_id": body["user_id"],
                                                       "usage_id": body["usage_id"]}))

    def current(self, record: Score, course: str) -> Score | None:
        """The subsection grade now: the override when there is one (read directly, so no Celery lag)."""
        if not record.line_item_id:
            for grade in self.api.iter_course_grades(course):
                if grade.username == self.adapter.username_for(record.person, course):
                    return Score(source="openedx", person=record.person, course_id=course,
                                 value=round(grade.percent * 100, 4), text=grade.letter_grade or None)
            return None
        user_id = self.adapter.user_id_for(record.person, course)
        if user_id is None:
            return None
        detail = self.api.subsection_grade(record.line_item_id, user_id)
        override, original = detail.override, detail.original_grade
        earned = possible = None
        if override is not None and override.earned_graded_override is not None:
            earned = override.earned_graded_override
            possible = override.possible_graded_override
        elif original is not None and original.earned_graded is not None:
            earned = original.earned_graded
        if possible is None and original is not None:
            possible = original.possible_graded
        if earned is None:
            return None
        overridden = detail.overridden_by_person(self.adapter.service_user())
        return Score(source="openedx", person=record.person, course_id=course, line_item_id=record.line_item_id,
                     value=earned, max_score=possible or None, scale="points", overridden=overridden)


def _too_long(comment: str | None) -> bool:
    return bool(comment) and len(comment) > COMMENT_LIMIT


def _close(a: float | None, b: float) -> bool:
    return a is not None and abs(float(a) - float(b)) < 1e-9


