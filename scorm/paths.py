"""Entry names: decoding them the way their zipper meant, and normalising them or refusing them.

Zip entry names without the UTF-8 flag (bit 11) are decoded by :mod:`zipfile` as cp437. Most such
names in our users' packages are really UTF-8 (macOS, Java tools) or GBK/GB18030 (Chinese Windows'
"Send to compressed folder", WinRAR): :func:`decode_name` takes the bytes back and tries the
Info-ZIP Unicode Path extra field, UTF-8, GB18030, then cp437.

:func:`normalise` turns a name into a clean relative POSIX path or raises :class:`UnsafePackage`
with a code saying what was wrong: absolute paths, ``..``, drive letters, control characters, and
the same tricks spelt with backslashes (which are read as separators). :func:`collision_key` gives
the key under which two names clash on a case-insensitive or normalising file system.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zipfile
import zlib

from scorm.errors import UnsafePackage

__all__ = ["collision_key", "decode_name", "normalise"]

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_UTF8_FLAG = 0x800
_UNICODE_PATH_EXTRA = 0x7075
MAX_COMPONENT_BYTES = 255


def _unicode_path_extra(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    extra = info.extra or b""
    offset = 0
    while offset + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, offset)
        body = extra[offset + 4:offset + 4 + size]
        offset += 4 + size
        if tag == _UNICODE_PATH_EXTRA and len(body) > 5 and body[0] == 1:
            (crc,) = struct.unpack_from("<L", body, 1)
            if crc == zlib.crc32(raw):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


def decode_name(info: zipfile.ZipInfo) -> str:
    """Return the entry name as its creator meant it (UTF-8 flag, Unicode Path field, UTF-8, GB18030, cp437)."""
    name = info.orig_filename  # before zipfile cuts the name at a NUL (a NUL must be seen and refused)
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:  # zipfile decoded it with another codec (metadata_encoding): trust it
        return name
    from_extra = _unicode_path_extra(info, raw)
    if from_extra is not None:
        return from_extra
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return name


def normalise(name: str, max_chars: int = 1024) -> tuple[str, bool]:
    """Return ``(path, is_dir)`` for an entry name, or raise :class:`UnsafePackage`.

    The path is relative, uses ``/``, has no empty, ``.`` or ``..`` parts, and is in Unicode NFC.
    Backslashes count as separators (Windows zippers write them), so ``..\\x`` is refused like ``../x``.
    A name that reduces to nothing (``./``) is returned as ``("", True)``.
    """
    shown = name if len(name) <= 200 else name[:200] + "…"
    if _CONTROL.search(name):
        raise UnsafePackage("path_control", name=ascii(shown))
    path = name.replace("\\", "/")
    if _DRIVE.match(path):
        raise UnsafePackage("path_drive", name=shown)
    if path.startswith("/"):
        raise UnsafePackage("path_absolute", name=shown)
    is_dir = path.endswith("/")
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafePackage("path_traversal", name=shown)
    if any(_DRIVE.match(part) for part in parts):  # a drive letter further in: a/C:/x
        raise UnsafePackage("path_drive", name=shown)
    if not parts:
        if is_dir:
            return "", True
        raise UnsafePackage("path_invalid", name=shown)
    clean = unicodedata.normalize("NFC", "/".join(parts))
    if len(clean) > max_chars or any(len(part.encode("utf-8")) > MAX_COMPONENT_BYTES for part in parts):
        raise UnsafePackage("path_too_long", name=shown, limit=max_chars)
    return clean, is_dir


def collision_key(path: str) -> str:
    """Return the key two paths share when a case-insensitive, normalising file system would confuse them."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", path).casefold())
