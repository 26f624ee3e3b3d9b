"""Builds the SCORM player block on the workbench runtime (which records publishes) with real golf packages."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from webob import Request
from xblock.fields import ScopeIds

from scorm.inspect import import_package

GOLF = {
    "12": "RuntimeBasicCalls_SCORM12.zip",
    "2004": "RuntimeBasicCalls_SCORM20043rdEdition.zip",
    "multi": "ContentPackagingOneFilePerSCO_SCORM12.zip",
    "seq": "SequencingForcedSequential_SCORM20043rdEdition.zip",
}
_ids = itertools.count()


@pytest.fixture(scope="session")
def golf_store(shared_fixtures, tmp_path_factory):
    """The golf packages imported once into a storage root: (root, {key: sha256})."""
    root = tmp_path_factory.mktemp("scorm-store")
    shas = {}
    for key, name in GOLF.items():
        result = import_package(shared_fixtures / "scorm" / "valid" / name, root)
        assert result.stored, result.report.errors
        shas[key] = result.sha256
    return root, shas


class Scorm:
    """Blocks of one definition for several learners, and calls to their handlers."""

    def __init__(self, root: Path, shas: dict[str, str]):
        self.root, self.shas = root, shas
        n = next(_ids)
        self.definition = f"t{n}.mooc_bridge_scorm.d0"
        self.usage = f"{self.definition}.u0"

    def block(self, learner: str = "alice", **fields):
        """The block as ``learner`` sees it; ``fields`` (settings) are saved for everyone."""
        from xblocks.scorm.block import ScormPlayerBlock
        from xblocks.workbench.runtime import RecordingWorkbenchRuntime

        runtime = RecordingWorkbenchRuntime(learner)
        block = runtime.construct_xblock_from_class(
            ScormPlayerBlock, ScopeIds(learner, "mooc_bridge_scorm", self.definition, self.usage))
        for name, value in fields.items():
            setattr(block, name, value)
        if fields:
            block.save()
        return block

    def call(self, block, handler: str, body=None, *, method: str = "POST", query: str = "", suffix: str = "",
             raw: bytes | None = None, **kwargs):
        """Call ``handler``; return the webob response (JSON bodies sent and parsed as JSON)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        content_type = kwargs.pop("content_type", None)
        request = Request.blank("/?" + query, method=method, **kwargs)
        if method == "POST" and "POST" not in kwargs:
            request.body = data
            if content_type:
                request.content_type = content_type
        response = block.runtime.handle(block, handler, request, suffix)
        block.save()
        return response

    def json(self, block, handler: str, body=None, **kwargs):
        response = self.call(block, handler, body, **kwargs)
        return response.status_code, json.loads(response.body or b"null")

    @staticmethod
    def events(learner: str, kind: str | None = None):
        from xblocks.workbench.models import PublishedEvent

        rows = PublishedEvent.objects.filter(student_id=learner).order_by("id")
        if kind:
            rows = rows.filter(event_type=kind)
        return [(event.event_type, event.data) for event in rows]

    @classmethod
    def results(cls, learner: str):
        """The grade and completion events only (the tracking events are tested on their own)."""
        return [(kind, data) for kind, data in cls.events(learner) if kind in ("grade", "completion")]


@pytest.fixture
def scorm(golf_store, settings, db):
    """A fresh block definition whose storage holds the golf packages."""
    root, shas = golf_store
    settings.XBLOCK_SETTINGS = {**settings.XBLOCK_SETTINGS, "mooc_bridge_scorm": {"STORAGE_ROOT": str(root)}}
    return Scorm(root, shas)
