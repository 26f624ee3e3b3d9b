"""Build the zips the SCORM tests need, hostile ones included, in memory or in a temporary folder."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="test.pkg" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org"><title>Test course</title>
      <item identifier="i1" identifierref="r1"><title>Lesson 1</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="{href}">
      <file href="{href}"/>
    </resource>
  </resources>
</manifest>
"""


def manifest(href: str = "index.html") -> str:
    """A small valid SCORM 1.2 manifest launching ``href``."""
    return MANIFEST_12.replace("{href}", href)


def build(files: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """Return zip bytes with ``files`` (name -> content) written in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def package(extra: dict[str, bytes | str] | None = None, href: str = "index.html", prefix: str = "") -> bytes:
    """A valid package (manifest + launch page), plus ``extra`` entries."""
    files: dict[str, bytes | str] = {prefix + "imsmanifest.xml": manifest(href), prefix + href: "<html>hi</html>"}
    files.update(extra or {})
    return build(files)


def with_info(files: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """Return zip bytes written from explicit ZipInfo objects (for modes, create_system...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, content in files:
            archive.writestr(info, content)
    return buffer.getvalue()


def unix_entry(name: str, mode: int) -> zipfile.ZipInfo:
    """A ZipInfo made on Unix with ``mode`` (e.g. ``stat.S_IFLNK | 0o777``)."""
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def symlink_zip(target: str = "/etc/passwd") -> bytes:
    """A package with a symbolic link entry."""
    return with_info([(zipfile.ZipInfo("imsmanifest.xml"), manifest().encode()),
                      (unix_entry("index.html", stat.S_IFLNK | 0o777), target.encode())])


def _records(data: bytes, signature: bytes):
    start = 0
    while (index := data.find(signature, start)) >= 0:
        yield index
        start = index + 4


def patch_entry(data: bytes, name: str, *, flags_or: int = 0, file_size: int | None = None,
                compress_type: int | None = None, offset: int | None = None) -> bytes:
    """Change header fields of entry ``name`` in both the local and the central header."""
    raw = bytearray(data)
    encoded = name.encode()
    for index in _records(data, b"PK\x03\x04"):
        name_len = struct.unpack_from("<H", raw, index + 26)[0]
        if bytes(raw[index + 30:index + 30 + name_len]) != encoded:
            continue
        if flags_or:
            struct.pack_into("<H", raw, index + 6, struct.unpack_from("<H", raw, index + 6)[0] | flags_or)
        if compress_type is not None:
            struct.pack_into("<H", raw, index + 8, compress_type)
        if file_size is not None:
            struct.pack_into("<L", raw, index + 22, file_size)
    for index in _records(data, b"PK\x01\x02"):
        name_len = struct.unpack_from("<H", raw, index + 28)[0]
        if bytes(raw[index + 46:index + 46 + name_len]) != encoded:
            continue
        if flags_or:
            struct.pack_into("<H", raw, index + 8, struct.unpack_from("<H", raw, index + 8)[0] | flags_or)
        if compress_type is not None:
            struct.pack_into("<H", raw, index + 10, compress_type)
        if file_size is not None:
            struct.pack_into("<L", raw, index + 24, file_size)
        if offset is not None:
            struct.pack_into("<L", raw, index + 42, offset)
    return bytes(raw)


def rename_raw(data: bytes, placeholder: str, raw_name: bytes) -> bytes:
    """Replace an ASCII placeholder name by raw bytes of the same length (no UTF-8 flag), as old zippers wrote."""
    assert len(placeholder.encode()) == len(raw_name), (placeholder, raw_name)
    return data.replace(placeholder.encode(), raw_name)


def placeholder_for(raw_name: bytes, suffix: str = "") -> str:
    """An ASCII name as long as ``raw_name`` (ending in ``suffix``)."""
    return "x" * (len(raw_name) - len(suffix)) + suffix


def write(tmp: Path, data: bytes, name: str = "package.zip") -> Path:
    """Write ``data`` to ``tmp/name`` and return the path."""
    path = tmp / name
    path.write_bytes(data)
    return path


def tree(root: Path) -> list[str]:
    """Every path under ``root`` (relative, sorted), to prove nothing was written."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*"))
