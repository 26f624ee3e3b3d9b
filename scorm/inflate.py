"""One stored or deflated zip member read straight from the file: its local header checked, inflated with zlib.

:func:`member_chunks` does what ``zipfile.ZipFile.open(...).read`` does for the two methods real packages
use, minus the layers in between (a lock, a seek and a tell per read, and joining each read's leftovers
into the next): it checks the local header (signature, name equal to the central directory's, no
"compressed patched data" flag), reads the member's compressed bytes through ``reader`` in order (so the
hashing reader hashes exactly them), inflates them never more than ``chunk`` bytes of output at a time,
and checks the CRC-32 of everything produced. Errors are the ones ``zipfile`` raises
(``BadZipFile``, ``EOFError``, ``zlib.error``, ``UnicodeDecodeError``); the caller turns them into
refusals. Other methods (bzip2, lzma) stay with ``zipfile`` (:meth:`scorm.safezip.ZipSource.stream`).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["FAST_METHODS", "member_chunks"]

FAST_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # APPNOTE 4.3.7: the local file header, 30 bytes
_SIGNATURE = b"PK\x03\x04"
_UTF8_NAME = 0x800  # APPNOTE 4.4.4, bit 11
_PATCHED = 0x20  # bit 5: compressed patched data, which zipfile refuses too


def _read_exactly(reader: BinaryIO, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise EOFError("truncated zip member")
    return data


def member_chunks(reader: BinaryIO, info: zipfile.ZipInfo, chunk: int) -> Iterator[bytes]:
    """Yield the bytes of member ``info`` (stored or deflated), at most ``chunk`` at a time, CRC-checked at the end.

    More output than the central directory claims is yielded too (the caller refuses it by size); fewer
    bytes, a bad CRC or a damaged stream raise before the last chunk is followed by nothing.
    """
    if info.compress_type not in FAST_METHODS:
        raise NotImplementedError("compression method not read here")
    if info.flag_bits & _PATCHED:
        raise NotImplementedError("compressed patched data (flag bit 5)")
    reader.seek(info.header_offset)
    header = _LOCAL.unpack(_read_exactly(reader, _LOCAL.size))
    if header[0] != _SIGNATURE:
        raise zipfile.BadZipFile("Bad magic number for file header")
    name_size, extra_size = header[10], header[11]
    name = _read_exactly(reader, name_size).decode("utf-8" if header[3] & _UTF8_NAME else "cp437")
    if name != info.orig_filename:
        raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header {name!r} differ.")
    _read_exactly(reader, extra_size)  # read, not skipped: the hash covers every byte of the zip in order
    left = info.compress_size
    crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        while left > 0:
            data = _read_exactly(reader, min(chunk, left))
            left -= len(data)
            crc = zlib.crc32(data, crc)
            yield data
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pending = b""
        while not inflater.eof:
            if not pending and left > 0:
                pending = _read_exactly(reader, min(chunk, left))
                left -= len(pending)
            data = inflater.decompress(pending, chunk)  # never more than chunk bytes out: a bomb stays small
            pending = inflater.unconsumed_tail
            if data:
                crc = zlib.crc32(data, crc)
                yield data
            elif not pending and left <= 0:
                break  # input used up and nothing more comes out: a stream without its last block, as zipfile
    if crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
