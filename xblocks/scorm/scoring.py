"""How the SCORM block publishes a learner's grade and completion, and rescoring (``ScorableXBlockMixin``).

What the grade is comes from :func:`xblocks.scorm.learner.grade_and_completion` (rollup or Moodle's grading
methods, ADR 0027); this mixin only publishes changes, emits the matching tracking events and answers the
platform's scoring calls. It expects the block's fields (``weight``, ``raw_earned``, ``published``, ``record``)
and helpers (``_record``, ``_locked``, ``_store``, ``_package``, ``_loaded_package``, ``_settings``).
"""

from __future__ import annotations

from xblock.scorable import Score

from scorm.attempts import LearnerRecord
from scorm.cmi import version_family

from . import learner, staff, tracking
from .package import PackageUnavailable


class ScoringMixin:
    """Grade and completion publishing, staff attempt resets and rescoring for the SCORM block."""

    def _publish(self, record: LearnerRecord, package, scos, reset: bool = False, settings=None) -> None:
        """Publish the grade and the completion, each only when it changed (a reset may bring the grade to 0)."""
        grade, completion = learner.grade_and_completion(record, package, scos, settings or self._settings())
        published, version = dict(self.published), version_family(package.version)
        attempt = record.attempts[-1].number if record.attempts else 0
        if grade is None and reset and published.get("grade") is not None:
            grade = 0.0
        if grade is not None and grade != published.get("grade"):
            self.set_score(Score(raw_earned=grade * self.weight, raw_possible=self.weight))
            self._publish_grade(self.get_score())
            published["grade"] = grade
            if not reset:  # a staff reset is not the learner's result
                tracking.scored(self, version, attempt, grade, self.weight)
        if completion != published.get("completion"):
            self.emit_completion(completion)
            published["completion"] = completion
            if completion >= 1.0 and not reset:
                tracking.completed(self, version, attempt, grade)
        self.published = published

    def reset_learner_attempt(self, attempt_number: int | None) -> bool:
        """Delete this learner's attempt ``attempt_number`` (``None``: all); publish the new grade and completion."""
        try:
            package = self._package()
        except PackageUnavailable:
            package = None
        with self._locked():  # as the learner's own handlers: the state read fresh, both copies written
            record = self._record()
            if not staff.drop_attempt(record, attempt_number):
                return False
            self.record = record.model_dump(mode="json")
            if package is not None:
                self._publish(record, package, learner.launchable_scos(package, self.launch_item or None), reset=True)
            self._store()
        return True

    # -- ScorableXBlockMixin ---------------------------------------------------------------------------
    def max_score(self):
        """The most points this block is worth."""
        return self.weight

    def has_submitted_answer(self):
        """Whether the learner has committed anything that can be graded."""
        return self.raw_earned is not None or bool(self.record.get("attempts"))

    def get_score(self):
        """The score last set."""
        return Score(raw_earned=self.raw_earned or 0.0, raw_possible=self.weight)

    def set_score(self, score):
        """Keep ``score`` (earned points on ``weight``)."""
        self.raw_earned = score.raw_earned

    def calculate_score(self):
        """The score from the stored attempts under the current settings (for rescoring)."""
        package = self._loaded_package()
        scos = learner.launchable_scos(package, self.launch_item or None)
        grade, _completion = learner.grade_and_completion(self._record(), package, scos, self._settings())
        return Score(raw_earned=(grade or 0.0) * self.weight, raw_possible=self.weight)
