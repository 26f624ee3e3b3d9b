"""What kind of package this is, and where its root is.

SCORM: ``imsmanifest.xml`` at the top of the zip or inside its single top folder (``__MACOSX`` and
desktop litter ignored). Several candidates at that level are an error that names them; a manifest
only deeper down is an error that says where it is. Without a manifest the package may be cmi5
(``cmi5.xml``), xAPI/Tin Can (``tincan.xml``) or AICC (``.crs`` and ``.au`` files): those are named,
with their course title when it can be read, and reported as not importable yet.
"""

from __future__ import annotations

import configparser
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scorm.errors import ScormError, make_issue
from scorm.model import Issue, PackageType, Where
from scorm.safezip import Entry
from scorm.xmlsafe import local_name, parse_xml

__all__ = ["Detected", "detect"]

MANIFEST = "imsmanifest.xml"
_JUNK_TOP = {"__macosx", ".ds_store", "thumbs.db", "desktop.ini"}


@dataclass
class Detected:
    """The outcome of detection: the package type, its root folder (``""`` or ``"name/"``) and key entry."""

    type: PackageType
    prefix: str = ""
    entry: Entry | None = None  # imsmanifest.xml, cmi5.xml, tincan.xml or the .crs file
    title: str | None = None
    issues: list[Issue] | None = None


def _candidates(entries: Sequence[Entry], filename: str) -> list[Entry]:
    found = []
    for entry in entries:
        if entry.is_dir or entry.path.rsplit("/", 1)[-1].lower() != filename:
            continue
        if entry.path.split("/", 1)[0].lower() in _JUNK_TOP:
            continue
        found.append(entry)
    return found


def _at_root(entries: Sequence[Entry], filename: str) -> tuple[Entry | None, list[Entry]]:
    """Return the one candidate at depth 0 or 1 (or None) and the list of all shallow candidates."""
    candidates = _candidates(entries, filename)
    top = [entry for entry in candidates if "/" not in entry.path]
    if top:
        return top[0], top
    level_one = [entry for entry in candidates if entry.path.count("/") == 1]
    if len(level_one) == 1:
        return level_one[0], level_one
    return None, level_one or candidates


def detect(entries: Sequence[Entry], read: Callable[[Entry], bytes]) -> Detected:
    """Detect the package type and root from the (already checked) entries; ``read`` returns a small entry's bytes.

    Raises :class:`ScormError` only for an ambiguous SCORM root (``manifest_ambiguous``).
    """
    manifest, shallow = _at_root(entries, MANIFEST)
    if manifest is not None:
        issues = []
        prefix = manifest.path[: -len(MANIFEST)]
        if manifest.path.rsplit("/", 1)[-1] != MANIFEST:
            issues.append(make_issue("manifest_name_case", Where(file=manifest.path), name=manifest.path))
        return Detected("scorm", prefix, manifest, issues=issues)
    if len(shallow) > 1 and all(entry.path.count("/") <= 1 for entry in shallow):
        names = ", ".join(entry.path for entry in shallow[:10])
        raise ScormError("manifest_ambiguous", names=names)
    for filename, kind, reader in (("cmi5.xml", "cmi5", _xml_title), ("tincan.xml", "xapi", _xml_title)):
        entry, _others = _at_root(entries, filename)
        if entry is not None:
            title = reader(entry, read)
            code = "type_cmi5" if kind == "cmi5" else "type_xapi"
            issue = make_issue(code, Where(file=entry.path), title=title or entry.path)
            return Detected(kind, entry.path[: -len(filename)], entry, title, [issue])  # type: ignore[arg-type]
    crs = [entry for entry in entries if not entry.is_dir and entry.path.lower().endswith(".crs")]
    has_au = any(not entry.is_dir and entry.path.lower().endswith(".au") for entry in entries)
    if crs and has_au:
        title = _aicc_title(crs[0], read)
        issue = make_issue("type_aicc", Where(file=crs[0].path), title=title or crs[0].path)
        prefix = crs[0].path.rsplit("/", 1)[0] + "/" if "/" in crs[0].path else ""
        return Detected("aicc", prefix, crs[0], title, [issue])
    deeper = _candidates(entries, MANIFEST)
    if deeper:
        shallowest = min(deeper, key=lambda entry: entry.path.count("/"))
        issue = make_issue("manifest_not_at_root", Where(file=shallowest.path), name=shallowest.path)
        return Detected("unknown", issues=[issue])
    return Detected("unknown", issues=[make_issue("manifest_missing")])


def _xml_title(entry: Entry, read: Callable[[Entry], bytes]) -> str | None:
    """Return the first title/name text of a cmi5.xml or tincan.xml, or None (never raises)."""
    try:
        root = parse_xml(read(entry), entry.path)
    except ScormError:
        return None
    for element in root.iter():
        if isinstance(element.tag, str) and local_name(element) in ("title", "name"):
            text = " ".join("".join(element.itertext()).split())
            if text:
                return text[:200]
    return None


def _aicc_title(entry: Entry, read: Callable[[Entry], bytes]) -> str | None:
    """Return ``Course_Title`` from an AICC ``.crs`` file, or None (never raises)."""
    try:
        text = read(entry).decode("utf-8", errors="replace")
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read_string(text)
        for section in parser.sections():
            for key, value in parser.items(section):
                if key.lower() == "course_title":
                    return value.strip()[:200] or None
    except (ScormError, configparser.Error, ValueError):
        return None
    return None
