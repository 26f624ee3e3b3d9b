"""Staff handlers of the SCORM block: learners' attempts (page and JSON), CSV export, reset. Learners get 403."""

from __future__ import annotations

import functools
from typing import Any

from webob import Response
from xblock.core import XBlock
from xblock.utils.resources import ResourceLoader

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_
from scorm.attempts import LearnerRecord

from . import learner, staff
from .package import PackageUnavailable
from .web import html_response, json_response, same_origin_only

loader = ResourceLoader(__name__)
_ = Translator.for_package("xblocks").gettext


def _refusal(block, reason: str) -> dict[str, Any]:
    """The body of a 403: the reason (translated), and in the workbench how to act as staff instead."""
    message = _(reason)
    workbench_id = staff.workbench_user_id(block)
    if workbench_id is not None:
        message += " " + _("In this workbench you are the learner “{learner}”: open the page with ?student=staff "
                           "in its address to act as course staff.").format(learner=workbench_id)
    # the upload contract's shape too ("valid", "errors"), so the Studio editor shows the reason like any refusal
    return {"error": "forbidden", "message": message, "valid": False,
            "errors": [{"code": "forbidden", "message": message}]}


def _allowed_only(check, reason: str):
    def decorator(handler):
        @functools.wraps(handler)
        def wrapper(self, request, suffix=""):
            if not check(self):
                return json_response(_refusal(self, reason), 403)
            return handler(self, request, suffix)

        return wrapper

    return decorator


staff_only = _allowed_only(staff.is_staff, N_("Only course staff can see this."))
"""Answer 403 (with a sentence, never the data) unless the current user is course staff."""

author_only = _allowed_only(staff.can_author, N_("Only the course team can upload or change this component's package."))
"""Answer 403 unless the current user may change the block's package (Studio write access, or course staff)."""


class StaffViewsMixin:
    """Handlers for course staff of :class:`~xblocks.scorm.block.ScormPlayerBlock`."""

    def _all_attempts(self) -> list[dict[str, Any]]:
        try:
            package = self._package()
        except PackageUnavailable:
            return []
        scos = learner.launchable_scos(package, self.launch_item or None)
        settings = self._settings()
        learners = []
        for learner_id, state in staff.iter_learner_states(self):
            try:
                record = LearnerRecord.model_validate(state.get("record") or {})
            except ValueError:
                continue
            published = state.get("published") or {}
            learners.append({"learner": learner_id, "grade": published.get("grade"),
                             "completion": published.get("completion"),
                             "attempts": staff.attempt_rows(record, package, scos, settings)})
        return learners

    @XBlock.handler
    @staff_only
    def staff_attempts(self, request, suffix=""):
        """Every learner's attempts: a page for people, or JSON with ``?format=json``."""
        learners = self._all_attempts()
        if request.GET.get("format") == "json":
            return json_response({"learners": learners})
        context = {
            "title": _("Learners' attempts: {title}").format(title=self.display_name),
            "learners": learners,
            "csv_url": self.runtime.handler_url(self, "staff_csv"),
            "reset_url": self.runtime.handler_url(self, "staff_reset"),
            "labels": {
                "csv": _("Download CSV"), "learner": _("Learner"), "attempt": _("Attempt"), "item": _("Item"),
                "completion": _("Completion status"), "success": _("Success status"), "score": _("Score (%)"),
                "time": _("Time (seconds)"), "interactions": _("Interactions"), "reset": _("Delete this attempt"),
                "none": _("No learner has started this package yet."), "confirm": _("Delete this attempt?"),
            },
        }
        return html_response(loader.render_django_template("templates/staff.html", context))

    @XBlock.handler
    @staff_only
    def staff_csv(self, request, suffix=""):
        """All learners' attempts of this block as a CSV file (UTF-8 with BOM, as spreadsheets expect)."""
        text = staff.csv_text(self._all_attempts())
        response = Response(("\ufeff" + text).encode("utf-8"))
        response.content_type, response.charset = "text/csv", "utf-8"
        response.headers["Content-Disposition"] = 'attachment; filename="scorm-attempts.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response

    @XBlock.handler
    @same_origin_only
    @staff_only
    def staff_reset(self, request, suffix=""):
        """Delete one attempt of one learner: POST JSON ``{"learner": id, "attempt": n}`` (no attempt: all)."""
        if request.method != "POST":
            return json_response({"error": "method"}, 405)
        try:
            data = request.json
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("learner"), str) or not data["learner"]:
            return json_response({"error": "bad_request", "message": _("Say which learner's attempt to delete.")}, 400)
        attempt = data.get("attempt")
        if attempt is not None and (not isinstance(attempt, int) or isinstance(attempt, bool)):
            return json_response({"error": "bad_request", "message": _("The attempt must be a number.")}, 400)
        if not staff.reset_attempt(self, data["learner"], attempt):
            return json_response({"error": "not_found", "message": _("There is no such attempt.")}, 404)
        return json_response({"result": "deleted", "learner": data["learner"], "attempt": attempt})
