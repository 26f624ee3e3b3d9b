"""What the launcher page shows beside the runtime API: the items of the table of contents with the state each
reached in the attempt and the LMS controls the manifest hides for it, and the words of the page.

``adlnav:presentation`` / ``hideLMSUI`` (SCORM 2004 CAM 4th ed., 3.4.1.23; the tokens previous, continue, exit,
exitAll, abandon, abandonAll, suspendAll): an item hides the controls it names while it runs; a cluster's apply to
every item inside it, as scorm-again's ``DeliveryHandler.getEffectiveHideLmsUi`` merges an activity's ancestors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.i18n import Translator
from scorm.attempts import Attempt
from scorm.model import Package

from . import content_origin, learner
from .package import TocEntry

_ = Translator.for_package("xblocks").gettext

HIDE_TOKENS = ("previous", "continue", "exit", "exitAll", "abandon", "abandonAll", "suspendAll")


def hidden_controls(package: Package) -> dict[str, list[str]]:
    """The ``hideLMSUI`` tokens in force for each item: its own and its clusters', in the spec's order."""
    hidden: dict[str, list[str]] = {}
    above: list[set[str]] = []  # the tokens of the clusters above the item, by depth
    for item, depth in package.iter_items():
        del above[depth:]
        own = set(item.presentation.hide_lms_ui) if item.presentation else set()
        merged = own.union(*above) if above else own
        hidden[item.identifier] = [token for token in HIDE_TOKENS if token in merged]
        above.append(merged)
    return hidden


def item_states(attempt: Attempt | None, package: Package, scos: list[str],
                settings: learner.Settings) -> dict[str, str]:
    """What each item reached in ``attempt``: passed, failed, completed, incomplete, or nothing yet."""
    if attempt is None:
        return {}
    states = {}
    for sco, outcome in learner.sco_outcomes(attempt, package, scos, settings):
        if outcome.success in ("passed", "failed"):
            states[sco] = outcome.success
        elif outcome.completion in ("completed", "incomplete"):
            states[sco] = outcome.completion
    return states


def items(entries: list[TocEntry], package: Package, attempt: Attempt | None, scos: list[str],
          settings: learner.Settings, url_of: Callable[[str], str]) -> list[dict[str, Any]]:
    """The table of contents for the launcher: id, title, depth, launch URL, state and hidden controls."""
    hidden = hidden_controls(package)
    states = item_states(attempt, package, scos, settings)
    return [{"id": e.identifier, "title": e.title, "depth": e.depth, "url": url_of(e.launch) if e.launch else None,
             "state": states.get(e.identifier, ""), "hide": hidden.get(e.identifier, [])} for e in entries]


def content_urls(bucket: dict[str, Any], course: str, sha256: str, version: str,
                 host_url: str) -> tuple[str, Callable[[str], str]] | None:
    """With the operator's content origin (ADR 0031): that origin and the URL of each item's launch page there,
    under one token for this page; ``None`` when there is none or the plugin app is not mounted."""
    origin = content_origin.configured(bucket)
    if origin is None:
        return None
    signed = content_origin.token(course, sha256, version, content_origin.lms_origin(bucket, host_url))
    if content_origin.content_url(origin, signed, "") is None:
        return None
    return origin, lambda path: content_origin.content_url(origin, signed, path) or ""


def labels() -> dict[str, str]:
    """The words beside an item in the table of contents, by state."""
    return {"passed": _("Passed"), "failed": _("Failed"), "completed": _("Completed"),
            "incomplete": _("In progress")}


def words() -> dict[str, str]:
    """The launcher page's own words."""
    return {
        "toc_label": _("Contents"),
        "frame_title": _("Course content"),
        "offline_notice": _("You are offline. Your progress is kept in this browser and sent when you are back."),
        "review_notice": _("You have used all your attempts: this is a review, nothing is recorded."),
        "refused_notice": _("This part is not available yet: the course sets the order."),
        "ended_notice": _("You have left the course. Your progress is saved."),
        "previous_label": _("Previous"),
        "continue_label": _("Continue"),
    }
