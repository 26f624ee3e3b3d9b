"""Small readers of manifest XML shared by :mod:`scorm.manifest`: href resolution, text, child lookup, LOM.

Element and attribute names are matched by local name within their namespace family (see
:func:`scorm.sequencing.family`), case-insensitively where SCORM 1.2 and 2004 spell them differently.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from scorm.sequencing import family
from scorm.xmlsafe import local_name

__all__ = ["XML_BASE", "attr", "base_of", "kid", "kids", "lom_values", "outline", "resolve_href", "text_of"]

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def resolve_href(base: str, href: str) -> tuple[str | None, str]:
    """Join an ``xml:base`` chain and an href; return ``(path, kind)``.

    ``kind`` is ``"local"`` (``path`` is relative to the package root, query and fragment kept),
    ``"external"`` (``path`` is the absolute URL) or ``"outside"`` (``path`` is None: it leaves the package).
    """
    href = href.strip()
    if _URL.match(href):
        return href, "external"
    if _URL.match(base):
        return base + href, "external"
    joined = base + href
    split = re.search(r"[?#]", joined)
    file_part, rest = (joined[:split.start()], joined[split.start():]) if split else (joined, "")
    file_part = file_part.replace("\\", "/")
    if file_part.startswith("/"):
        return None, "outside"
    clean = posixpath.normpath(file_part) if file_part else ""
    if clean == ".":
        clean = ""
    if clean == ".." or clean.startswith("../") or ".." in unquote(clean).replace("\\", "/").split("/"):
        return None, "outside"
    return clean + rest, "local"


def base_of(element) -> str:
    """Return an element's own ``xml:base`` as a folder prefix ("" or ending in "/")."""
    value = (element.get(XML_BASE) or "").strip().replace("\\", "/")
    if value and not value.endswith("/"):
        value += "/"
    return value


def text_of(element) -> str:
    """Return an element's text with whitespace collapsed ("" for None)."""
    if element is None:
        return ""
    if not len(element):
        return " ".join((element.text or "").split())
    return " ".join("".join(element.itertext()).split())


def kids(element, name: str, fam: str | None = None) -> list:
    """Return the children named ``name`` (case-insensitive, optionally in namespace family ``fam``)."""
    name = name.lower()
    return [child for child in element if isinstance(child.tag, str) and local_name(child).lower() == name
            and (fam is None or family(child) == fam)]


def kid(element, name: str, fam: str | None = None):
    """Return the first child named ``name`` (case-insensitive, optionally in namespace family ``fam``), or None."""
    found = kids(element, name, fam)
    return found[0] if found else None


def attr(element, name: str, fam: str | None = None) -> str | None:
    """Return the attribute named ``name`` (case-insensitive, optionally in namespace family ``fam``), or None."""
    name = name.lower()
    for key, value in element.attrib.items():
        if local_name(key).lower() == name and (fam is None or (family(key) == fam if "}" in key else fam == "cp")):
            return value
    return None


def outline(element, adlcp: Callable[[str, Any], None] | None = None) -> tuple[Any, list, Any, Any]:
    """One pass over an item's or organization's children: (title, items, imsss:sequencing, adlnav:presentation).

    ``adlcp(name, child)`` is called for each ``adlcp`` child, ``name`` in lower case. This runs for every
    item of big manifests, so it looks at each child once.
    """
    title = sequencing = presentation = None
    items = []
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        uri, _brace, name = tag[1:].partition("}") if tag[0] == "{" else ("", "", tag)
        if name == "item":
            items.append(child)
        elif name == "title":
            title = title if title is not None else child
        elif name == "sequencing" and "imsss" in uri.lower():
            sequencing = sequencing if sequencing is not None else child
        elif name == "presentation" and "adlnav" in uri.lower():
            presentation = child
        elif adlcp is not None and "adlcp" in uri.lower():
            adlcp(name.lower(), child)
    return title, items, sequencing, presentation


def lom_values(lom) -> dict[str, Any]:
    """Read title, description, keywords and language from a LOM (IEEE LOM or IMS MD 1.2) element."""
    def strings(element) -> list[str]:
        if element is None:
            return []
        found = [text_of(child) for child in element.iter() if isinstance(child.tag, str)
                 and local_name(child) in ("string", "langstring")]
        return [text for text in found if text] or ([text_of(element)] if text_of(element) else [])

    general = next((child for child in lom if isinstance(child.tag, str) and local_name(child) == "general"), None)
    if general is None:
        return {}
    values: dict[str, Any] = {}
    titles = strings(kid(general, "title"))
    descriptions = strings(kid(general, "description"))
    values["title"] = titles[0] if titles else None
    values["description"] = descriptions[0] if descriptions else None
    values["keywords"] = [word for keyword in kids(general, "keyword") for word in strings(keyword)]
    language = kid(general, "language")
    values["language"] = text_of(language) or None
    return values
