"""Writing an OLX course archive from a :class:`~scorm.olx.CoursePlan`: the XML files and the tar.gz.

The plan (what goes where) is built by :mod:`scorm.olx`; this module turns it into bytes: one XML file per
course, chapter, sequential and vertical, the SCORM components inline in their verticals, the package zip
under ``static/`` (streamed, its sha256 checked), written to a temporary file renamed into place when whole.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from scorm.olx import (
    BLOCK_TYPE,
    CHUNK,
    GZIP_LEVEL,
    ROOT_DIR,
    Component,
    CoursePlan,
    OlxError,
    _iso,
    _xml_safe,
    static_path,
)


def _xml(tag: str, attrs: dict[str, str], children: Iterable[etree._Element] = ()) -> etree._Element:
    element = etree.Element(tag)
    for key, value in attrs.items():
        element.set(key, value)
    element.extend(children)
    return element


def _pointer(tag: str, url_name: str) -> etree._Element:
    return _xml(tag, {"url_name": url_name})


def _component_xml(plan: CoursePlan, component: Component) -> etree._Element:
    attrs = {"url_name": component.url_name, "display_name": component.display_name,
             "package_sha256": plan.sha256, "package_file": static_path(plan.sha256)}
    if component.toc:
        attrs["toc"] = "true"
    else:
        attrs["launch_item"] = _xml_safe(component.launch_item or "")
    return _xml(BLOCK_TYPE, attrs)


def olx_files(plan: CoursePlan) -> Iterator[tuple[str, bytes]]:
    """Yield ``(path inside the course folder, bytes)`` of every OLX file except the package itself."""
    def dump(element: etree._Element) -> bytes:
        return etree.tostring(element, encoding="utf-8", pretty_print=True)

    yield "course.xml", dump(_xml("course", {"url_name": plan.run, "org": plan.org, "course": plan.number}))
    yield f"course/{plan.run}.xml", dump(_xml("course", {"display_name": plan.title},
                                              (_pointer("chapter", c.url_name) for c in plan.chapters)))
    for chapter in plan.chapters:
        yield f"chapter/{chapter.url_name}.xml", dump(_xml("chapter", {"display_name": chapter.display_name}, (
            _pointer("sequential", s.url_name) for s in chapter.sequentials)))
        for sequential in chapter.sequentials:
            yield f"sequential/{sequential.url_name}.xml", dump(_xml(
                "sequential", {"display_name": sequential.display_name},
                (_pointer("vertical", v.url_name) for v in sequential.verticals)))
            for vertical in sequential.verticals:
                yield f"vertical/{vertical.url_name}.xml", dump(_xml(
                    "vertical", {"display_name": vertical.display_name}, [_component_xml(plan, vertical.component)]))
    policy = {f"course/{plan.run}": {"start": _iso(plan.start), "end": _iso(plan.end), "course_image": "",
                                     "advanced_modules": [BLOCK_TYPE]}}
    grading = {"GRADER": [{"type": "SCORM", "short_label": "SCORM", "min_count": 1, "drop_count": 0, "weight": 1.0}],
               "GRADE_CUTOFFS": {"Pass": 0.5}}
    assets = {f"scorm_{plan.sha256}.zip": {"displayname": f"{plan.sha256}.zip", "contentType": "application/zip",
                                           "locked": True, "import_path": static_path(plan.sha256)}}
    for name, data in ((f"policies/{plan.run}/policy.json", policy),
                       (f"policies/{plan.run}/grading_policy.json", grading), ("policies/assets.json", assets)):
        yield name, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


class _HashingReader:
    """Read a binary stream through, hashing it and reporting progress."""

    def __init__(self, stream: BinaryIO, progress: Callable[[int], None] | None):
        self.stream, self.progress, self.digest = stream, progress, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size and size > 0 else CHUNK)
        self.digest.update(data)
        if self.progress and data:
            self.progress(len(data))
        return data


def write_archive(plan: CoursePlan, package_zip: Path, out_path: Path,
                  progress: Callable[[int], None] | None = None) -> Path:
    """Write ``plan`` and the zip ``package_zip`` (whose sha256 must be ``plan.sha256``) to ``out_path``.

    The zip is streamed (never held in memory). The archive is first written beside ``out_path`` under a
    temporary name and renamed into place at the end, so a failure leaves nothing behind. Raises
    :class:`OlxError` when the zip does not match its hash or the file cannot be written.
    """
    out_path = Path(out_path)
    mtime = int(time.time())
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
    except OSError as exc:
        raise OlxError("olx_write_failed", exit_code=2, name=str(out_path), detail=exc.strerror or exc) from exc
    try:
        with os.fdopen(handle, "wb") as raw, \
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=mtime) as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK) as tar:
            made: set[str] = set()
            for name, data in olx_files(plan):
                _add_dirs(tar, name, made, mtime)
                tar.addfile(_info(f"{ROOT_DIR}/{name}", len(data), mtime), BytesIO(data))
            name = f"static/{static_path(plan.sha256)}"
            _add_dirs(tar, name, made, mtime)
            with open(package_zip, "rb") as source:
                reader = _HashingReader(source, progress)
                tar.addfile(_info(f"{ROOT_DIR}/{name}", os.fstat(source.fileno()).st_size, mtime), reader)
            if reader.digest.hexdigest() != plan.sha256:
                raise OlxError("olx_package_changed")
        os.chmod(temp_name, 0o644)  # mkstemp made it private; the archive is an ordinary document
        os.replace(temp_name, out_path)
    except OlxError:
        _unlink(temp_name)
        raise
    except OSError as exc:
        _unlink(temp_name)
        raise OlxError("olx_write_failed", name=str(out_path), detail=exc.strerror or exc) from exc
    except BaseException:
        _unlink(temp_name)
        raise
    return out_path


def _info(name: str, size: int, mtime: int, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = (0 if directory else size), mtime
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.mode = 0o755 if directory else 0o644
    info.uname = info.gname = ""
    return info


def _add_dirs(tar: tarfile.TarFile, name: str, made: set[str], mtime: int) -> None:
    parts = f"{ROOT_DIR}/{name}".split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        folder = "/".join(parts[:depth])
        if folder not in made:
            made.add(folder)
            tar.addfile(_info(folder, 0, mtime, directory=True))


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


