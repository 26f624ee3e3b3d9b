"""The SCORM player block: learners play SCORM 1.2 and 2004 packages; progress, grade and completion count.

The block holds fields, views and handlers only. The rules live in :mod:`scorm` (data model checks,
attempts, grading), :mod:`xblocks.scorm.learner` (launch and commit), :mod:`xblocks.scorm.assets`
(serving package files) and :mod:`xblocks.scorm.package` (stored packages).
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache

from web_fragments.fragment import Fragment
from webob import Response
from xblock.completable import CompletableXBlockMixin, XBlockCompletionMode
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, Dict, Float, Integer, Scope, String
from xblock.scorable import ScorableXBlockMixin
from xblock.utils.resources import ResourceLoader
from xblock.utils.studio_editable import StudioEditableXBlockMixin

from adapters.i18n import Translator, current_language
from adapters.i18n import gettext_noop as N_
from scorm import rte
from scorm.attempts import LearnerRecord
from scorm.cmi import version_family
from scorm.grading import ATTEMPT_METHODS, SCO_METHODS
from xblocks.i18n import TranslatedBlockMixin
from xblocks.resources import PipelineResourcesMixin

from . import assets, learner, links, player_page, staff, tracking, upload
from .learner_state import LearnerStateMixin, StateDict, frozen
from .package import PackagePreparing as Preparing
from .package import (
    PackageUnavailable,
    cached_package,
    load_package,
    package_store,
    require_package,
    table_of_contents,
)
from .scoring import ScoringMixin
from .sequencing import global_objectives, sequencing_settings
from .staff_views import StaffViewsMixin
from .studio import StudioMixin
from .transfer import PackageTransferMixin
from .web import html_response, json_response, same_origin_only

log = logging.getLogger(__name__)
loader = ResourceLoader(__name__)
_ = Translator.for_package("xblocks").gettext
@lru_cache(maxsize=1024)
def _status_words(grade: float | None, completion: float | None, weight: float, language: str) -> str:
    """The learner's status line in ``language`` (the current one): worded once per value, not on every commit."""
    if grade is None and completion is None:  # nothing published yet; a SCO opened but not done is 0%
        return _("Not started")
    parts = []
    if completion is not None:
        parts.append(_("Progress {percent}%").format(percent=round(100 * completion)))
    if grade is not None:
        parts.append(_("Score {earned} of {possible}").format(earned=round(grade * weight, 2), possible=weight))
    return " · ".join(parts)


PREPARING = N_("This SCORM package is being prepared. Come back in a few minutes.")


@XBlock.wants("settings", "user", "studio_user_permissions")
class ScormPlayerBlock(PipelineResourcesMixin, LearnerStateMixin, ScoringMixin, PackageTransferMixin, StudioMixin,
                       StaffViewsMixin, TranslatedBlockMixin, StudioEditableXBlockMixin, CompletableXBlockMixin,
                       ScorableXBlockMixin, XBlock):
    """Plays one SCORM package (or one item of it) with per-learner, per-attempt, per-SCO state."""

    block_settings_key = "mooc_bridge_scorm"
    has_custom_completion = True
    completion_mode = XBlockCompletionMode.COMPLETABLE
    has_score = True
    icon_class = "problem"
    # what runtime.local_resource_url serves (our CSS, JS, the vendored scorm-again), named from the `xblocks`
    # package as edx-platform's pipeline finder looks it up (see xblocks.resources)
    resources_dir = "scorm/static"

    display_name = String(display_name=N_("Display name"), default=N_("SCORM package"), scope=Scope.settings,
                          help=N_("Shown above the course and in the course outline."))
    package_sha256 = String(display_name=N_("Package"), default="", scope=Scope.settings,
                            help=N_("The sha256 of the package in storage, set by an upload or an OLX import."))
    package_file = String(default="", scope=Scope.settings, help=N_("The package zip among the course's files."))
    package_meta = Dict(default={}, scope=Scope.settings)
    launch_item = String(display_name=N_("Item"), default="", scope=Scope.settings,
                         help=N_("The identifier of the one item to play; empty plays the whole package."))
    toc = Boolean(display_name=N_("Table of contents"), default=True, scope=Scope.settings,
                  help=N_("Show the package's table of contents beside multi-item packages."))
    display_mode = String(display_name=N_("Display"), default="iframe", scope=Scope.settings,
                          help=N_("Play the course inside the page, or from a button that opens a new window."),
                          values=[{"display_name": N_("In the page"), "value": "iframe"},
                                  {"display_name": N_("In a new window"), "value": "window"}])
    height = Integer(display_name=N_("Height (pixels)"), default=640, scope=Scope.settings,
                     help=N_("The height of the player in the page, from 240 to 4000 pixels."))
    attempts_allowed = Integer(display_name=N_("Attempts allowed"), default=0, scope=Scope.settings,
                               help=N_("0 allows any number of attempts."))
    attempt_grading = String(display_name=N_("Grading across attempts"), default="highest", scope=Scope.settings,
                             help=N_("Which attempt's result counts when a learner made several."),
                             values=[{"display_name": N_("Highest attempt"), "value": "highest"},
                                     {"display_name": N_("Average of attempts"), "value": "average"},
                                     {"display_name": N_("First attempt"), "value": "first"},
                                     {"display_name": N_("Last completed attempt"), "value": "last"}])
    sco_grading = String(display_name=N_("Grading within an attempt"), default="average", scope=Scope.settings,
                         help=N_("How the results of the package's items make the result of one attempt."),
                         values=[{"display_name": N_("Items completed"), "value": "objects"},
                                 {"display_name": N_("Highest item score"), "value": "highest"},
                                 {"display_name": N_("Average item score"), "value": "average"},
                                 {"display_name": N_("Sum of item scores"), "value": "sum"}])
    weight = Float(display_name=N_("Weight"), default=1.0, scope=Scope.settings,
                   help=N_("The most points this component is worth."))
    mastery_override = Float(display_name=N_("Mastery score override (0-100)"), default=None, scope=Scope.settings,
                             help=N_("Leave empty to use the package's own mastery score."))
    # kept so that courses exported with it still import; it no longer gives credit (#10 item 3)
    full_credit_without_score = Boolean(default=False, scope=Scope.settings)

    record = StateDict(default=frozen({}), scope=Scope.user_state, help="scorm.attempts.LearnerRecord as JSON")
    raw_earned = Float(default=None, scope=Scope.user_state)
    published = StateDict(default=frozen({}), scope=Scope.user_state, help="the grade and completion last published")
    state_stored = Boolean(default=False, scope=Scope.user_state, help="the state above is also in LearnerState")

    editable_fields = ("display_name", "package_sha256", "display_mode", "height", "toc", "attempts_allowed",
                       "attempt_grading", "sco_grading", "weight", "mastery_override")

    # -- helpers -------------------------------------------------------------------------------
    def _bucket(self) -> dict:
        service = self.runtime.service(self, "settings")
        return (service.get_settings_bucket(self) if service else None) or {}

    def _package(self):
        """The parsed package; on first use, imported from the course's files if this server lacks it."""
        bucket = self._bucket()
        store = package_store(bucket)
        try:
            return load_package(store, self.package_sha256)
        except PackageUnavailable:
            state = upload.prepare_package(self, store, bucket, self.package_sha256, self.package_file)
            if state != "ready":
                raise Preparing(self.package_sha256) if state == "preparing" else PackageUnavailable(state) from None
        return load_package(store, self.package_sha256)

    def _settings(self) -> learner.Settings:
        attempt_grading, sco_grading = self.attempt_grading, self.sco_grading  # each field read once
        return learner.Settings(
            attempts_allowed=max(0, self.attempts_allowed or 0),
            attempt_grading=attempt_grading if attempt_grading in ATTEMPT_METHODS else "highest",
            sco_grading=sco_grading if sco_grading in SCO_METHODS else "average",
            mastery_override=self.mastery_override)

    def _learner(self) -> tuple[str, str]:
        service = self.runtime.service(self, "user")
        user = service.get_current_user() if service else None
        attrs = getattr(user, "opt_attrs", {}) or {}
        learner_id = (attrs.get("edx-platform.anonymous_user_id") or attrs.get("xblock-workbench.user_id")
                      or str(self.scope_ids.user_id))
        return str(learner_id), getattr(user, "full_name", "") or ""

    def _record(self) -> LearnerRecord:
        return LearnerRecord.model_validate(self.record or {})

    def _asset_url(self, path: str) -> str:
        """The URL of a package file, with the package's own query (many SCOs parse it by hand).

        The plugin app's streaming view where it is mounted (the LMS, the workbench), else the ``asset``
        handler. A runtime's own query (the workbench's ``?student=``) is dropped: assets are the same for
        everyone who may see the course.
        """
        base, _sep, fragment = path.partition("#")
        file_path, _sep, query = base.partition("?")
        url = links.asset_url(self.scope_ids.usage_id, self.package_sha256, file_path)
        if url is None:
            url = self.runtime.handler_url(self, "asset", f"{self.package_sha256}/{file_path}").split("?", 1)[0]
        return url + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")

    # -- views ---------------------------------------------------------------------------------
    @XBlock.supports("multi_device")
    def student_view(self, context=None):
        """The player in the page (an iframe holding the launcher) or a button that opens it in a new window."""
        try:
            package, available, preparing = self._package(), True, False
        except PackageUnavailable as error:
            package, available, preparing = None, False, isinstance(error, Preparing)
        context = {
            "title": self.display_name,
            "available": available,
            "unavailable": _(PREPARING) if preparing else _(
                "This SCORM package is not available yet. Ask the course team to upload it again."),
            "player_url": self.runtime.handler_url(self, "player") if available else "",
            "mode": self.display_mode,
            "height": max(240, min(self.height or 640, 4000)),
            "open_label": _("Open the course in a new window"),
            "fullscreen_label": _("Full screen"),
            "frame_title": _("SCORM course: {title}").format(title=self.display_name),
            "status": self._status_text(),
            "package_title": package.title if package else "",
            "new_attempt_url": self._new_attempt_url() if available else "",
            "new_attempt_label": _("Start a new attempt"),
            "staff_url": self.runtime.handler_url(self, "staff_attempts") if staff.is_staff(self) else "",
            "staff_label": _("Learners' attempts"),
        }
        fragment = Fragment(loader.render_django_template("templates/student.html", context))
        fragment.add_css(loader.load_unicode("static/css/student.css"))
        fragment.add_javascript(loader.load_unicode("static/js/student.js"))
        fragment.initialize_js("MoocBridgeScormBlock")
        return fragment

    def _new_attempt_url(self) -> str:
        """The handler that starts a new attempt (by POST), when the learner has one and may start another; else ""."""
        record = self._record()
        if not record.attempts or not learner.may_start(record, self._settings()):
            return ""
        return self.runtime.handler_url(self, "start_attempt")

    def _status_text(self) -> str:
        published = self.published
        return _status_words(published.get("grade"), published.get("completion"), self.weight, current_language())

    def student_view_data(self, context=None):
        """JSON for the mobile apps: the player URL they open in a web view, and what the learner achieved."""
        return {
            "title": self.display_name,
            "package_sha256": self.package_sha256,
            "player_url": self.runtime.handler_url(self, "player", thirdparty=False) if self.package_sha256 else "",
            "display_mode": self.display_mode,
            "weight": self.weight,
            "grade": self.published.get("grade"),
            "completion": self.published.get("completion"),
        }

    # -- the launcher page and its files ------------------------------------------------------
    @XBlock.handler
    def player(self, request, suffix=""):
        """The launcher page: the runtime API (scorm-again), the table of contents and the SCO's frame."""
        try:
            package = self._package()
        except Preparing:  # a worker is importing it: try again shortly
            return Response(status=503, text=_(PREPARING), headers={"Retry-After": "30"})
        except PackageUnavailable:
            return Response(status=404, text=_("This SCORM package is not available yet."))
        entries = table_of_contents(package, self.launch_item or None)
        scos = learner.launchable_scos(package, self.launch_item or None)
        if not scos:
            return Response(status=404, text=_("This SCORM package has nothing to launch."))
        learner_id, learner_name = self._learner()
        with self._locked():
            record = self._record()
            first = request.GET.get("item") if request.GET.get("item") in scos else learner.resume_sco(record, scos)
            attempts_before = len(record.attempts)
            start = learner.launch(record, package, first, learner_id, learner_name, self._settings(), scos=scos)
            self._keep(record)
        family = version_family(package.version)
        tracking.launch_events(self, family, start, first, attempts_before)
        remote = player_page.content_urls(self._bucket(), links.course_of(self.scope_ids.usage_id),
                                          self.package_sha256, family, request.host_url)
        config = {
            "version": family,
            "block": str(self.scope_ids.usage_id),
            "commitUrl": self.runtime.handler_url(self, "commit"),
            "beaconUrl": self.runtime.handler_url(self, "commit_beacon"),
            "launchUrl": self.runtime.handler_url(self, "launch"),
            "engineUrl": self.runtime.handler_url(self, "engine_state"),
            "sco": first,
            "items": player_page.items(entries, package, record.attempt_for(start["attempt"], start["token"]), scos,
                                       self._settings(), remote[1] if remote else self._asset_url),
            "contentOrigin": remote[0] if remote else None,
            "labels": player_page.labels(),
            "sequencing": None if self.launch_item else sequencing_settings(package),
            "globals": global_objectives(package, record.current()),
            **start,
        }
        context = {
            "title": self.display_name,
            "config": config,
            "api_script": self.runtime.local_resource_url(
                self, f"vendor/scorm-again/scorm{'12' if family == '1.2' else '2004'}.min.js"),
            "bridge_script": self.runtime.local_resource_url(self, "vendor/scorm-again/cross-frame-lms.min.js")
            if remote else "",
            "player_scripts": [self.runtime.local_resource_url(self, f"js/{name}.js")
                               for name in ("player-queue", "player-ui", "player")],
            "player_css": self.runtime.local_resource_url(self, "css/player.css"),
            "show_toc": self.toc and len([e for e in entries if e.launch]) > 1,
            **player_page.words(),
            "show_nav": len(scos) > 1,
        }
        return html_response(loader.render_django_template("templates/player.html", context))

    @XBlock.handler
    def asset(self, request, suffix=""):
        """A file of the package, by its full path: ``<sha256>/<path>`` (buffered by the LMS: the view streams)."""
        sha256, _sep, path = suffix.partition("/")
        if sha256 != self.package_sha256:
            return Response(status=404)
        store = package_store(self._bucket())
        try:
            require_package(store, sha256)
        except PackageUnavailable:
            return Response(status=404)
        return assets.serve(request, assets.store_opener(store, sha256), path, sha256=sha256)

    # -- learner data ---------------------------------------------------------------------------
    @same_origin_only
    @XBlock.json_handler
    def launch(self, data, suffix=""):
        """Preloaded values and the next sequence number for another item of the same attempt."""
        package = self._loaded_package()
        scos = learner.launchable_scos(package, self.launch_item or None)
        sco = data.get("sco") if isinstance(data, dict) else None
        if sco not in scos:
            raise JsonHandlerError(400, _("This item is not part of the package."))
        learner_id, learner_name = self._learner()
        with self._locked():
            record = self._record()
            if "engine" in data:
                learner.keep_engine_state(record, data)  # the engine that chose this SCO, after choosing it
            if learner.over_attempt_limit(record, package, sco):
                raise JsonHandlerError(409, _("You have used all the attempts this part of the course allows."))
            attempts_before = len(record.attempts)
            start = learner.launch(record, package, sco, learner_id, learner_name, self._settings(), scos=scos)
            self._keep(record)
        tracking.launch_events(self, version_family(package.version), start, sco, attempts_before)
        return {"sco": sco, "globals": global_objectives(package, record.current()), **start}

    @same_origin_only
    @XBlock.json_handler
    def engine_state(self, data, suffix=""):
        """Keep the sequencing engine's state after a navigation that launched nothing (exit, suspend)."""
        self._loaded_package()
        with self._locked():
            record = self._record()
            status = learner.keep_engine_state(record, data if isinstance(data, dict) else {})
            if status == "applied":
                self._keep(record)
        return {"status": status}

    @same_origin_only
    @XBlock.json_handler
    def start_attempt(self, data, suffix=""):
        """Close the attempt in progress and start the next one: a POST with the CSRF token from the block's page
        (a GET of the player never changes attempts). Answers the player URL to open."""
        package, settings = self._loaded_package(), self._settings()
        with self._locked():
            record = self._record()
            if not record.attempts or not learner.may_start(record, settings):
                raise JsonHandlerError(409, _("You cannot start another attempt."))
            record.start_attempt()
            self._keep(record)
        tracking.attempt_started(self, version_family(package.version), len(record.attempts), settings.attempts_allowed)
        return {"attempt": len(record.attempts), "player_url": self.runtime.handler_url(self, "player"),
                "more": learner.may_start(record, self._settings())}

    @same_origin_only
    @XBlock.json_handler
    def commit(self, data, suffix=""):
        """Store a commit from the runtime API; answer as scorm-again expects (``result``, ``errorCode``)."""
        return self._commit(data)

    @XBlock.handler
    @same_origin_only
    def commit_beacon(self, request, suffix=""):
        """The last commit of a page being closed, sent by ``navigator.sendBeacon`` as a form field ``payload``."""
        try:
            payload = json.loads(request.POST.get("payload") or request.body or b"{}")
            result = self._commit(payload)
        except (ValueError, JsonHandlerError):
            return Response(status=400)
        return json_response(result)

    def _loaded_package(self):
        """The package for the learner-data handlers: the manifest this process parsed is enough, without a round
        trip to the store on every commit (a HEAD request on object storage; ADR 0033)."""
        package = cached_package(self.package_sha256)
        if package is not None:
            return package
        try:
            return self._package()
        except PackageUnavailable:
            raise JsonHandlerError(404, _("This SCORM package is not available yet.")) from None

    def _commit(self, payload) -> dict:
        """Store one commit. The record is read under the learner's lock, so its sequence numbers decide: of two
        concurrent commits the newer is always the one stored (ADR 0033)."""
        package = self._loaded_package()
        scos = learner.launchable_scos(package, self.launch_item or None)
        failure, settings = rte.commit_error_code(package.version), self._settings()
        with self._locked():
            record, sco = self._record(), payload.get("sco") if isinstance(payload, dict) else None
            before = tracking.prior(record, sco) if sco in scos else None
            try:
                result = learner.commit(record, package, payload, scos, settings)
            except learner.CommitRefused as refused:
                log.info("SCORM commit refused for %s: %s %s", self.scope_ids.usage_id, refused.code,
                         refused.problems)
                return {"result": False, "errorCode": failure, "errorMessage": refused.code,
                        "problems": refused.problems}
            if result["status"] == "stale":
                return {"result": False, "errorCode": failure, "errorMessage": "stale_commit", "seq": result["seq"]}
            if result["status"] == "applied":  # a new sequence number, with or without new values
                self.record = record.model_dump(mode="json")
                if result["changed"] and result["outcome"]:  # else no status, score or session changed
                    tracking.sco_changed(self, version_family(package.version), payload["attempt"], sco,
                                         tracking.snapshot_of(package, sco, settings, before),
                                         tracking.snapshot(record, package, sco, settings))
                    self._publish(record, package, scos, settings=settings)
                self._store()
        return {"result": True, "errorCode": 0, "seq": result["seq"], "status": result["status"],
                "progress": self._status_text()}

    @staticmethod
    def workbench_scenarios():
        """One scenario per package given to ``mooc-bridge workbench --scorm PKG.zip`` (imported first)."""
        from .workbench import scenarios

        return scenarios()

