"""Our blocks' static files, found by one rule: the one edx-platform's static pipeline uses in production.

In production the LMS turns ``runtime.local_resource_url(block, uri)`` into the collected static file
``xblock/resources/<pkg>/<uri>``, where ``<pkg>`` is the block module's parent package
(``xblock_resource_pkg`` in ``openedx/core/lib/xblock_utils``). ``collectstatic`` fills that folder through
``XBlockPipelineFinder`` (``openedx/core/lib/xblock_pipeline/finder.py``), which reads the files from
``importlib.resources.files(<pkg>.rsplit('.', 1)[0]) / resources_dir``: one package level *above* ``<pkg>``.
For ``xblocks.scorm.block`` that is the ``xblocks`` package, not ``xblocks.scorm``, so each block's
``resources_dir`` names its folder from there (``scorm/static``).

XBlock's own :meth:`~xblock.core.XBlock.open_local_resource` (what the workbench and a development LMS
serve ``local_resource_url`` with) looks one level lower, under the block's own package. The mixin below
makes it follow the pipeline's rule, so a URI that works on a laptop works after ``collectstatic`` too.
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable

from xblock.exceptions import DisallowedFileError

__all__ = ["PipelineResourcesMixin", "pipeline_package", "pipeline_root"]


def pipeline_package(block_class: type) -> str:
    """The ``<pkg>`` of the block's static URLs in the LMS: its module's parent package."""
    return block_class.__module__.rsplit(".", 1)[0]


def pipeline_root(block_class: type) -> Traversable:
    """The folder ``XBlockPipelineFinder`` collects the block's static files from."""
    return importlib.resources.files(pipeline_package(block_class).rsplit(".", 1)[0]) / block_class.get_resources_dir()


def _check_uri(uri: str) -> str:
    if isinstance(uri, bytes):
        uri = uri.decode("utf-8")
    parts = uri.split("/")
    if (not uri or uri.startswith("/") or "\\" in uri or "\x00" in uri
            or any(part in ("", ".", "..") or part.startswith(".") for part in parts)):
        raise DisallowedFileError(f"Only files inside the block's static folder are served: {uri!r}")
    return uri


class PipelineResourcesMixin:
    """Serve ``local_resource_url`` files from where edx-platform's pipeline finder collects them.

    A block sets ``resources_dir`` relative to its module's grandparent package (see the module
    docstring); every file under it is public, so the folder holds only CSS, JavaScript and images.
    """

    resources_dir = ""

    @classmethod
    def open_local_resource(cls, uri):
        """Open ``uri`` (relative to ``resources_dir``) for a runtime that serves local resources itself."""
        target = pipeline_root(cls) / _check_uri(uri)
        if not target.is_file():
            raise DisallowedFileError(f"No such static file: {uri!r}")
        return target.open("rb")
