"""The SCORM block in Studio: the editor with the package upload, its handlers, and the check on save.

The flow (see :mod:`xblocks.scorm.upload`): the author uploads a zip or names a package already imported
by its sha256; the page shows the validation report; a valid package's sha256 goes into the form's
``package_sha256`` field, and only saving the form switches learners to it.
"""

from __future__ import annotations

from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.utils.resources import ResourceLoader

from adapters.i18n import Translator
from scorm.inspect import inspect_package
from scorm.storage import is_sha256

from . import upload
from .jobs import read_job
from .staff_views import author_only
from .stores import PackageStore, package_store
from .web import json_response

loader = ResourceLoader(__name__)
_ = Translator.for_package("xblocks").gettext


def _not_valid(code: str, message: str, status: int = 400):
    return json_response({"valid": False, "errors": [{"code": code, "message": message}]}, status)


class StudioMixin:
    """Studio editor and upload handlers of :class:`~xblocks.scorm.block.ScormPlayerBlock`."""

    def studio_view(self, context=None):
        """The settings form, with the package upload (and its validation report) above it."""
        form = super().studio_view(context)
        upload_box = loader.render_django_template("templates/studio_upload.html", {
            "upload_url": self.runtime.handler_url(self, "upload_package"),
            "status_url": self.runtime.handler_url(self, "upload_status"),
            "check_url": self.runtime.handler_url(self, "check_package"),
            "current": self._current_title(),
            "labels": {
                "package": _("SCORM package (.zip)"), "upload": _("Upload and check"),
                "checking": _("Checking the package…"), "current": _("Current package"),
                "none": _("No package yet."), "failed": _("The package was not accepted:"),
                "accepted": _("Package accepted. Learners get it when you save."),
                "extracting": _("Extracting the package: {percent}%"),
                "queued": _("Waiting for a worker to extract the package…"),
                "pick": _("Or use a package already imported (sha256)"), "use": _("Check this package"),
                "warnings": _("Warnings:"),
                "http_error": _("The server answered with error {status} and gave no reason."),
                "network": _("The server could not be reached. Check the connection and try again."),
            },
        })
        fragment = Fragment(upload_box + form.content)
        fragment.add_fragment_resources(form)
        fragment.add_javascript(loader.load_unicode("static/js/studio.js"))
        fragment.initialize_js("MoocBridgeScormStudio")
        return fragment

    def _current_title(self) -> str:
        try:
            return self._package().title or self.package_sha256
        except Exception:  # PackageUnavailable, or no package yet
            return self.package_sha256

    def _storage(self) -> tuple[PackageStore, dict]:
        bucket = self._bucket()
        return package_store(bucket), bucket

    @XBlock.handler
    @author_only
    def upload_package(self, request, suffix=""):
        """Store an uploaded zip and check it (here, or on a Celery worker for a large one); never switch to it."""
        upload_file = request.POST.get("package")
        if upload_file is None or not hasattr(upload_file, "file"):
            return _not_valid("no_file", _("Choose a .zip file to upload."))
        store, bucket = self._storage()
        status = upload.start_import(store, upload_file.file, bucket, name=getattr(upload_file, "filename", None))
        if status.get("state") != "done":
            return json_response(status, 202)
        return json_response(status, 200 if status.get("valid") else 400)

    @XBlock.handler
    @author_only
    def upload_status(self, request, suffix=""):
        """The state of an upload job (``?job=``): queued, extracting with progress, or done with the report."""
        store, _bucket = self._storage()
        status = read_job(store, request.GET.get("job", ""))
        if status is None:
            return _not_valid("unknown_job", _("This upload is unknown or has expired."), 404)
        return json_response(status)

    @XBlock.handler
    @author_only
    @XBlock.json_handler
    def check_package(self, data, suffix=""):
        """The report of a package already imported (``{"sha256": …}``), fetched from the course's files if needed."""
        sha256 = str(data.get("sha256", "")).strip().lower() if isinstance(data, dict) else ""
        store, bucket = self._storage()
        if not is_sha256(sha256):
            message = _("A package is named by its sha256: 64 hexadecimal digits.")
            return {"valid": False, "errors": [{"code": "bad_sha256", "message": message}]}
        package_file = self.package_file if sha256 == self.package_sha256 else f"scorm/{sha256}.zip"
        if not upload.ensure_package(self, store, bucket, sha256, package_file):
            message = _("No package with this sha256 has been imported.")
            return {"valid": False, "errors": [{"code": "not_imported", "message": message}]}
        with store.local_package(sha256) as folder:
            report = inspect_package(folder).to_contract()
        return {**report, "valid": not report.get("errors"), "sha256": sha256}

    def clean_studio_edits(self, data):
        """Trim and lower-case a pasted sha256."""
        if isinstance(data.get("package_sha256"), str):
            data["package_sha256"] = data["package_sha256"].strip().lower()

    def validate_field_data(self, validation, data):
        """Refuse bad settings, and a package sha256 that is malformed or not in storage (the old one keeps serving)."""
        from xblock.validation import ValidationMessage

        def error(text: str) -> None:
            validation.add(ValidationMessage(ValidationMessage.ERROR, text))

        if (getattr(data, "attempts_allowed", 0) or 0) < 0:
            error(_("Attempts allowed cannot be negative."))
        if (getattr(data, "weight", 0) or 0) < 0:
            error(_("The weight cannot be negative."))
        mastery = getattr(data, "mastery_override", None)
        if mastery is not None and not 0 <= mastery <= 100:
            error(_("The mastery score override must be between 0 and 100."))
        sha256 = getattr(data, "package_sha256", "") or ""
        if not sha256:
            return
        store, bucket = self._storage()
        if not is_sha256(sha256):
            error(_("A package is named by its sha256: 64 hexadecimal digits."))
        elif not upload.ensure_package(self, store, bucket, sha256, getattr(data, "package_file", "") or ""):
            error(_("No package with this sha256 has been imported."))
