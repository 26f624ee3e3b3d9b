"""The words of the workbench's own pages (index, scenario page, events page), in the request's language.

A template context processor: every page rendered with a request gets ``mb`` (the translated labels,
from the ``xblocks`` catalog, so ``python -m adapters.i18n_tools`` extracts and checks them like any
other message) and ``mb_links`` (the addresses the scenario page's header offers).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import translation

from adapters.i18n import Translator
from xblocks.scorm.staff import WORKBENCH_STAFF_ID

_ = Translator.for_package("xblocks").gettext


def labels() -> dict[str, str]:
    """The workbench's texts in the current language."""
    return {
        "index_title": _("mooc-bridge workbench: demo scenarios"),
        "index_intro": _("Each scenario is a page of blocks as a learner sees it in the LMS. "
                         "Open the Studio editor of a scenario to change its settings as a course designer."),
        "roles": _("Who you are: add ?student=NAME to an address to be the learner NAME (the default learner is "
                   "student_1); ?student=staff (or any name starting with “staff”) makes you course staff, who "
                   "may upload packages and see learners' attempts."),
        "all_scenarios": _("All scenarios"),
        "events_link": _("What the LMS would record"),
        "learner": _("Learner"),
        "learner_view": _("Learner view"),
        "studio_view": _("Studio editor"),
        "as_staff": _("as course staff"),
        "record_title": _("What the LMS would record"),
        "record_intro": _("Grades, completion and events published by the blocks above, for this learner."),
        "record_all": _("All events"),
        "event": _("Event"),
        "block": _("Block"),
        "data": _("Data"),
        "when": _("When"),
        "reset": _("Reset all state"),
        "events_title": _("Published events"),
        "events_intro": _("Grades, completion and other events the blocks published, as the LMS would record them."),
        "nothing": _("Nothing published yet."),
        "saving": _("Saving…"),
        "saved": _("Saved."),
        "cancelled": _("Changes discarded."),
        "save_failed": _("Not saved"),
    }


def _query(request, **changes: str) -> str:
    """The request's query string with ``changes`` applied, ``?``-prefixed (empty when nothing is left)."""
    params = {key: value for key, value in request.GET.items() if key != "lang"}
    params.update(changes)
    return "?" + urlencode(params) if params else ""


def links(request) -> dict[str, str]:
    """Addresses for the header: the scenario's learner view and Studio editor, and both languages of this page."""
    found = {"zh": _query(request, lang="zh-cn"), "en": _query(request, lang="en")}
    match = getattr(request, "resolver_match", None)
    scenario = match.kwargs.get("scenario_id") if match else None
    if scenario:
        student = request.GET.get("student", "student_1")
        found["learner_view"] = f"/scenario/{scenario}/?" + urlencode({"student": student})
        found["studio_view"] = f"/scenario/{scenario}/studio_view/?" + urlencode({"student": WORKBENCH_STAFF_ID})
    return found


def chrome(request) -> dict:
    """Context processor: ``mb`` (labels), ``mb_links`` and ``mb_language`` (the page's ``lang``)."""
    return {"mb": labels(), "mb_links": links(request), "mb_language": translation.get_language() or "en"}
