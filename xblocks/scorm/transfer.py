"""How a SCORM unit travels between courses: Studio copy/paste and course export carry its package.

Packages are stored by content address (``<sha256>/``) in one store for the whole instance
(:mod:`xblocks.scorm.stores`), so a unit pasted into another course of the same instance plays the same
package with nothing copied. What can be missing is the package itself, when it was never extracted on this
instance (a course imported from OLX whose unit no learner opened yet). Two things make a paste work then:

* The block's OLX names its zip as a ``/static/`` URL (:func:`course_files.static_reference`). edx-platform's
  clipboard (``openedx/core/lib/xblock_serializer/block_serializer.py``, ``utils.collect_assets_from_text``)
  collects every ``/static/`` reference of the copied OLX from the source course's Files & Uploads, and the
  paste (``cms/djangoapps/contentstore/helpers.py``, ``_import_files_into_course``) adds them to the target
  course. Course export writes the same OLX beside the course's ``static/`` files, so the package travels
  with an export too.
* The clipboard keeps the bytes of files up to 10 MB only (``openedx/core/djangoapps/content_staging/api.py``);
  for a larger zip the target course gets nothing. After the paste edx-platform calls the new block's
  ``studio_post_paste(store, node)``: the block then imports the package from the target course's files, or
  else from the source course named by the OLX's ``copied_from_block``; a large one goes to a Celery worker.
"""

from __future__ import annotations

import logging

from scorm.storage import is_sha256

from . import course_files, upload
from .stores import package_store

log = logging.getLogger(__name__)


def course_key_from_usage(text: str):
    """The course key of a usage key string (``None`` outside edx-platform or for a malformed one)."""
    try:
        from opaque_keys.edx.keys import UsageKey  # type: ignore

        return UsageKey.from_string(text).course_key
    except Exception:  # not in edx-platform, or not a usage key
        return None


class PackageTransferMixin:
    """Export and paste hooks of :class:`~xblocks.scorm.block.ScormPlayerBlock`."""

    def add_xml_to_node(self, node):
        """Export the fields, naming the package's zip among the course's files as a ``/static/`` URL."""
        super().add_xml_to_node(node)
        if is_sha256(self.package_sha256 or ""):
            node.set("package_file", course_files.static_reference(self.package_sha256))

    def studio_post_paste(self, store, source_node) -> bool:
        """After a Studio paste: make sure this instance has the package (see the module docstring).

        Returns ``False``: the block has no children for the platform to handle.
        """
        sha256 = self.package_sha256 or ""
        if not is_sha256(sha256):
            return False
        bucket = self._bucket()
        packages = package_store(bucket)
        reference = self.package_file or course_files.static_reference(sha256)
        state = upload.prepare_package(self, packages, bucket, sha256, reference)
        source = source_node.get("copied_from_block") if source_node is not None else None
        if state == "missing" and source:
            source_course = course_key_from_usage(source)
            if source_course is not None:
                state = upload.prepare_package(self, packages, bucket, sha256, reference, course_key=source_course)
        if state == "missing":
            log.warning("Pasted SCORM unit %s: package %s is neither stored nor among the course files",
                        self.scope_ids.usage_id, sha256)
        return False
