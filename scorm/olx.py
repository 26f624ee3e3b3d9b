"""Turn a validated SCORM package into an OLX course archive (``.tar.gz``) that Studio imports.

The archive holds a course (or, with ``section=True``, a course of exactly one chapter) whose outline
follows the package's default organization, one ``mooc_bridge_scorm`` component per launchable item,
or a single component with its own table of contents when the package uses sequencing (or
``single=True``). The original zip travels inside it as ``static/scorm/<sha256>.zip``, so the package
survives course export and import. docs/decisions/0008-olx-export.md gives the mapping and the reasons.

:func:`build_plan` decides the outline (pure data, no I/O); :func:`scorm.olx_write.write_archive` streams the plan and
the zip into the archive, atomically: the output appears complete or not at all.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.i18n import gettext_noop as N_
from scorm.model import Issue, Item, Package, Where

__all__ = [
    "BLOCK_TYPE", "Chapter", "Component", "CoursePlan", "OlxError", "OlxOptions", "Sequential", "Vertical",
    "build_plan", "clean_text",  "static_path",
]

BLOCK_TYPE = "mooc_bridge_scorm"  # the XBlock entry point name (registered by the SCORM player)
ROOT_DIR = "course"  # the folder inside the tar, as Studio's own exports name it
KEY_PART = re.compile(r"^[A-Za-z0-9_.~-]{1,64}$")  # course key parts that are also safe file names
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_DROPPED = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}  # bidi overrides, isolates
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_TITLE = 255
MAX_URL_NAME = 80
CHUNK = 1 << 20
GZIP_LEVEL = 0  # the bulk is an already-compressed zip: deflating it again is ~15x slower and saves <1%

NOTES = {
    "olx_item_hidden": N_("The item \"{item}\" is hidden (isvisible=\"false\"), so it gets no unit of its own."),
    "olx_item_empty": N_("The item \"{item}\" launches nothing and contains nothing that does; it was left out."),
    "olx_all_hidden": N_("Every item that launches content is hidden from the table of contents, so the package "
                         "is imported as one component that plays it as a whole."),
}
ERRORS = {
    "olx_bad_key_part": N_("{field} \"{value}\" may only use letters, digits and . _ ~ - (at most 64)."),
    "olx_bad_dates": N_("The course end ({end}) must be after its start ({start})."),
    "olx_package_changed": N_("The package changed while the archive was being written; nothing was written."),
    "olx_write_failed": N_("The archive {name} could not be written: {detail}."),
    "olx_nothing": N_("The package has no organization to import."),
}


class OlxError(Exception):
    """The archive cannot be written; ``issue`` says why. ``exit_code`` is 2 for usage, 1 otherwise."""

    def __init__(self, code: str, exit_code: int = 1, **params: Any):
        self.issue = Issue(code=code, template=ERRORS[code], params=params)
        self.exit_code = exit_code
        super().__init__(self.issue.message)

    @property
    def code(self) -> str:
        """The stable code, e.g. ``olx_bad_key_part``."""
        return self.issue.code


@dataclass(frozen=True)
class OlxOptions:
    """What kind of archive to write. Unset course key parts get defaults from the package hash."""

    section: bool = False
    single: bool = False
    org: str | None = None
    number: str | None = None
    run: str | None = None
    title: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass
class Component:
    """One ``mooc_bridge_scorm`` block: it launches ``launch_item``, or the whole package with a TOC."""

    url_name: str
    display_name: str
    launch_item: str | None = None
    toc: bool = False


@dataclass
class Vertical:
    """A unit holding exactly one component."""

    url_name: str
    display_name: str
    component: Component


@dataclass
class Sequential:
    """A subsection."""

    url_name: str
    display_name: str
    verticals: list[Vertical] = field(default_factory=list)


@dataclass
class Chapter:
    """A section."""

    url_name: str
    display_name: str
    sequentials: list[Sequential] = field(default_factory=list)


@dataclass
class CoursePlan:
    """The whole outline and the course settings the archive will carry."""

    org: str
    number: str
    run: str
    title: str
    sha256: str
    start: datetime
    end: datetime
    chapters: list[Chapter] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)
    toc: bool = False

    def components(self) -> list[Component]:
        """Every component, in outline order."""
        return [v.component for c in self.chapters for s in c.sequentials for v in s.verticals]

    def counts(self) -> dict[str, int]:
        """``{"chapters", "sequentials", "verticals", "components"}`` for reports and tests."""
        sequentials = [s for c in self.chapters for s in c.sequentials]
        verticals = [v for s in sequentials for v in s.verticals]
        return {"chapters": len(self.chapters), "sequentials": len(sequentials), "verticals": len(verticals),
                "components": len(verticals)}


def static_path(sha256: str) -> str:
    """The package's path under the course's ``static/`` folder (Studio names the asset ``scorm_<sha256>.zip``)."""
    return f"scorm/{sha256}.zip"


def clean_text(value: str | None, limit: int = MAX_TITLE) -> str:
    """Return ``value`` made safe for an XML attribute and a one-line title.

    Characters XML 1.0 forbids (C0 controls, lone surrogates, U+FFFE/U+FFFF) and bidirectional
    overrides are dropped; other whitespace and controls become one space; the result is NFC,
    stripped and cut to ``limit`` characters.
    """
    if not value:
        return ""
    out = []
    for char in unicodedata.normalize("NFC", _xml_safe(value)):
        if char in _DROPPED:
            continue
        if char.isspace() or unicodedata.category(char) == "Cc":
            out.append(" ")
        else:
            out.append(char)
    return " ".join("".join(out).split())[:limit].strip()


def _xml_safe(value: str) -> str:
    """Drop the characters XML 1.0 cannot carry at all: C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF."""
    return _XML_ILLEGAL.sub("", value)


class _UrlNames:
    """Hands out url_names: ``<sha8>_<kind>_<identifier>``, sanitised, unique even without regard to case."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.used: set[str] = set()

    def __call__(self, kind: str, identifier: str) -> str:
        safe = _UNSAFE_NAME.sub("_", identifier).strip("_")
        if safe != identifier:  # keep names apart that only differed in the characters replaced
            safe = f"{safe}_{hashlib.sha1(identifier.encode(), usedforsecurity=False).hexdigest()[:6]}".lstrip("_")
        base = f"{self.prefix}_{kind}_{safe}"[:MAX_URL_NAME].rstrip("_-")
        name, number = base, 1
        while name.casefold() in self.used:
            number += 1
            name = f"{base}_{number}"
        self.used.add(name.casefold())
        return name


@dataclass
class _Node:
    item: Item
    launches: bool
    children: list[_Node]

    @property
    def height(self) -> int:
        return 1 + max(child.height for child in self.children) if self.children else 0

    def flatten(self) -> Iterator[Item]:
        """The items of this subtree that launch something, depth first, this one first."""
        if self.launches:
            yield self.item
        for child in self.children:
            yield from child.flatten()


def _visible(items: Iterable[Item], package: Package, notes: list[Issue]) -> list[_Node]:
    """The outline as learners see it: hidden items' visible descendants move up, empty folders go."""
    nodes: list[_Node] = []
    for item in items:
        children = _visible(item.children, package, notes)
        launches = package.launch_url(item) is not None
        if not item.isvisible:
            if launches:
                notes.append(_note("olx_item_hidden", item))
            nodes.extend(children)
        elif launches or children:
            nodes.append(_Node(item, launches, children))
        else:
            notes.append(_note("olx_item_empty", item))
    return nodes


def _note(code: str, item: Item | None = None) -> Issue:
    where = Where(item=item.identifier, line=item.line) if item else Where()
    params = {"item": clean_text(item.title) or item.identifier} if item else {}
    return Issue(code=code, severity="warning", template=NOTES[code], params=params, where=where)


def _runs(nodes: list[_Node]) -> Iterator[_Node | list[_Node]]:
    """Group consecutive leaves into lists; yield folders on their own."""
    run: list[_Node] = []
    for node in nodes:
        if node.children:
            if run:
                yield run
                run = []
            yield node
        else:
            run.append(node)
    if run:
        yield run


def _title(item: Item) -> str:
    return clean_text(item.title) or clean_text(item.identifier) or "-"


def build_plan(package: Package, sha256: str, options: OlxOptions | None = None, fallback_title: str = "SCORM",
               today: datetime | None = None) -> CoursePlan:
    """Decide the course outline for ``package`` (see docs/decisions/0008-olx-export.md); no I/O.

    Raises :class:`OlxError` for bad options (exit code 2) or a package without organization.
    """
    options = options or OlxOptions()
    organization = package.default_org()
    if organization is None:
        raise OlxError("olx_nothing")
    org, number, run = _course_key(options, sha256)
    start = options.start or (today or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = options.end or start + timedelta(days=365)
    if end <= start:
        raise OlxError("olx_bad_dates", exit_code=2, start=_iso(start), end=_iso(end))
    package_title = (clean_text(organization.title) or clean_text(package.title)
                     or clean_text(package.metadata.title) or clean_text(fallback_title) or "SCORM")
    title = clean_text(options.title) or package_title
    org_title = title if options.section else (clean_text(organization.title) or package_title)
    plan = CoursePlan(org=org, number=number, run=run, title=title, sha256=sha256, start=start, end=end)
    names = _UrlNames(sha256[:8])
    org_id = organization.identifier or "organization"
    notes: list[Issue] = []
    nodes = _visible(organization.items, package, notes)
    if options.single or package.has_sequencing:
        nodes = []  # one component plays the whole package, hidden items included
    elif not nodes:
        plan.notes.append(_note("olx_all_hidden"))
    else:
        plan.notes = notes
    if not nodes:
        plan.toc = True
        component = Component(names(BLOCK_TYPE, org_id), org_title, toc=True)
        vertical = Vertical(names("vertical", org_id), org_title, component)
        plan.chapters = [Chapter(names("chapter", org_id), org_title,
                                 [Sequential(names("sequential", org_id), org_title, [vertical])])]
        return plan
    levels = 1 + max(node.height for node in nodes)
    if options.section or levels <= 2:
        plan.chapters = [_chapter(names, org_id, org_title, nodes)]
    else:
        for group in _runs(nodes):
            if isinstance(group, list):
                plan.chapters.append(_chapter(names, org_id, org_title, group))
            else:
                own = [_Node(group.item, True, [])] if group.launches else []
                plan.chapters.append(_chapter(names, group.item.identifier, _title(group.item), own + group.children))
    return plan


def _chapter(names: _UrlNames, identifier: str, title: str, nodes: list[_Node]) -> Chapter:
    chapter = Chapter(names("chapter", identifier), title)
    for group in _runs(nodes):
        if isinstance(group, list):
            sequential = Sequential(names("sequential", identifier), title)
            items: Iterable[Item] = (node.item for node in group)
        else:
            sequential = Sequential(names("sequential", group.item.identifier), _title(group.item))
            items = group.flatten()
        for item in items:
            component = Component(names(BLOCK_TYPE, item.identifier), _title(item), launch_item=item.identifier)
            sequential.verticals.append(Vertical(names("vertical", item.identifier), _title(item), component))
        chapter.sequentials.append(sequential)
    return chapter


def _course_key(options: OlxOptions, sha256: str) -> tuple[str, str, str]:
    parts = (("org", options.org or "MoocBridge"), ("number", options.number or f"SCORM_{sha256[:8]}"),
             ("run", options.run or "scorm"))
    for name, value in parts:
        if not KEY_PART.match(value):
            raise OlxError("olx_bad_key_part", exit_code=2, field=f"--course-{name}", value=clean_text(value, 80))
    return parts[0][1], parts[1][1], parts[2][1]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
