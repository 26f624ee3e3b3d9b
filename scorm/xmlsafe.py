"""Parsing untrusted XML (manifests, metadata files, cmi5.xml, tincan.xml) with lxml, hardened.

The parser expands no entities, loads no DTD, touches no network and keeps the default libxml2 limits
on depth and text size (``huge_tree=False``). On top of that, :func:`parse_xml` refuses documents that
*declare* entities at all, with their own codes: ``xml_external_entity`` (XXE: an entity pointing at a
file or URL) and ``xml_entity_declaration`` (internal entities, the "billion laughs" bomb), and any
attribute longer than the limit. Size is bounded by the caller, who reads at most
``Limits.max_manifest_bytes``. Everything else wrong is ``xml_malformed`` with the line.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from scorm.errors import ScormError, UnsafePackage
from scorm.model import Where

__all__ = ["local_name", "namespace", "parse_xml"]

_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(%\s*)?[^\s>]+\s+(SYSTEM|PUBLIC)?", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, recover=False)


def _ascii_view(data: bytes) -> bytes:
    """Return the document's markup in an ASCII-compatible form, whatever its (BOM-marked) encoding."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace").encode("utf-8", errors="replace")
    if data[:4] in (b"\x00<\x00?", b"<\x00?\x00", b"\x00\x00\x00<", b"<\x00\x00\x00"):
        codec = {b"\x00<\x00?": "utf-16-be", b"<\x00?\x00": "utf-16-le",
                 b"\x00\x00\x00<": "utf-32-be", b"<\x00\x00\x00": "utf-32-le"}[data[:4]]
        return data.decode(codec, errors="replace").encode("utf-8", errors="replace")
    return data


def parse_xml(data: bytes, file: str, max_attribute_chars: int = 8192) -> etree._Element:
    """Parse ``data`` (the bytes of ``file``) and return the root element, or raise :class:`ScormError`."""
    view = _ascii_view(data)
    for match in _ENTITY_DECL.finditer(view):
        line = view.count(b"\n", 0, match.start()) + 1
        code = "xml_external_entity" if match.group(2) else "xml_entity_declaration"
        raise UnsafePackage(code, Where(line=line, file=file), file=file)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno or (error.position[0] if error.position else 1) or 1
        detail = (error.msg or str(error)).strip()
        raise ScormError("xml_malformed", Where(line=line, file=file), file=file, line=line, detail=detail) from None
    except (etree.LxmlError, ValueError, TypeError) as error:
        raise ScormError("xml_malformed", Where(line=1, file=file), file=file, line=1, detail=str(error)) from None
    if root is None:
        raise ScormError("xml_malformed", Where(line=1, file=file), file=file, line=1, detail="empty document")
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    if dtd is not None:
        for entity in dtd.iterentities():
            code = "xml_external_entity" if entity.system_url else "xml_entity_declaration"
            raise UnsafePackage(code, Where(file=file), file=file)
    for entity in root.iter(etree.Entity):  # entity references left unexpanded, if any slipped through
        raise UnsafePackage("xml_entity_declaration", Where(line=entity.sourceline, file=file), file=file)
    long_values = root.xpath("//@*[string-length(.) > $limit]", limit=max_attribute_chars)
    if long_values:
        line = long_values[0].getparent().sourceline
        raise UnsafePackage("xml_attribute_too_long", Where(line=line, file=file), file=file, line=line,
                            limit=max_attribute_chars)
    return root


def local_name(element_or_name) -> str:
    """Return the local part of an element's tag or an attribute name (no namespace)."""
    name = element_or_name if isinstance(element_or_name, str) else element_or_name.tag
    if not isinstance(name, str):
        return ""
    return name.rsplit("}", 1)[-1]


def namespace(element_or_name) -> str:
    """Return the namespace URI of an element's tag or an attribute name ("" when none)."""
    name = element_or_name if isinstance(element_or_name, str) else element_or_name.tag
    if not isinstance(name, str) or not name.startswith("{"):
        return ""
    return name[1:].split("}", 1)[0]
