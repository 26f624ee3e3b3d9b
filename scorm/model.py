"""The SCORM package model: what a content package says, as pydantic v2 models that serialise to JSON.

Everything here is plain data, built by :mod:`scorm.manifest` from ``imsmanifest.xml`` and read by
validation, the OLX export and the XBlock. Nothing here touches the file system.

* :class:`Package` — the manifest as a whole: version, identifier, title, metadata, the default
  organization (already resolved, see :attr:`Package.default_organization`), the organizations with
  their nested :class:`Item` trees *in document order*, the :class:`Resource` list, the sequencing
  collection, and where the package lives (``sha256`` of the zip, ``root`` folder inside it).
* :class:`Item` — one entry of an organization's table of contents. SCORM 1.2 attributes
  (``masteryscore``, ``maxtimeallowed``, ``timelimitaction``, ``datafromlms``, ``prerequisites``) and
  SCORM 2004 ones (``completion_threshold``, ``sequencing``, ``presentation``, ``data``) side by side;
  an item only carries what its manifest gave.
* :class:`Resource` — ``href`` as written and ``launch`` with every ``xml:base`` applied (a path
  relative to the package root, URL query and fragment kept); ``files`` likewise resolved.
* :class:`~scorm.sequencing_model.Sequencing` — IMS Simple Sequencing (``imsss``) as parsed; an
  item's ``sequencing`` already has its ``IDRef`` into the collection merged in (the item's own
  elements win), ``idref`` says which.
* :class:`Issue` and :class:`ValidationReport` — what validation found. An issue keeps its message
  *template* and parameters, and :attr:`Issue.message` translates when read, so the same report
  shows in the learner's or the operator's language.

Paths in the model always use ``/``, are relative to the package root (the folder holding
``imsmanifest.xml``) and never start with ``/`` or contain ``..`` (the parser reports such hrefs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from adapters.i18n import Translator
from scorm.sequencing_model import Sequencing

_ = Translator.for_package("scorm").gettext

__all__ = [
    "CompletionThreshold",
    "DataMap",
    "Issue",
    "Item",
    "Metadata",
    "Organization",
    "Package",
    "PackageType",
    "Presentation",
    "Resource",
    "ResourceFile",
    "Sequencing",
    "Severity",
    "ValidationReport",
    "Version",
    "Where",
]

Version = Literal["1.2", "2004 2nd", "2004 3rd", "2004 4th"]
PackageType = Literal["scorm", "cmi5", "xapi", "aicc", "unknown"]
Severity = Literal["error", "warning"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=False)


class Metadata(_Model):
    """Manifest-level ``<metadata>``: schema, version string, and LOM title/description when present."""

    schema_name: str | None = None  # <schema>, usually "ADL SCORM"
    schemaversion: str | None = None  # as written: "1.2", "CAM 1.3", "2004 3rd Edition", ...
    title: str | None = None  # LOM general/title, inline or from ``location``
    description: str | None = None  # LOM general/description
    keywords: list[str] = Field(default_factory=list)
    location: str | None = None  # adlcp:location (a metadata file in the package), resolved path
    language: str | None = None


class CompletionThreshold(_Model):
    """SCORM 2004 ``adlcp:completionThreshold``: a number (3rd edition) or attributes (4th edition)."""

    completed_by_measure: bool = False
    min_progress_measure: float = 1.0
    progress_weight: float = 1.0


class Presentation(_Model):
    """``adlnav:presentation``: the LMS controls to hide while this item runs."""

    hide_lms_ui: list[str] = Field(default_factory=list)  # previous, continue, exit, exitAll, abandon, ...


class DataMap(_Model):
    """SCORM 2004 4th edition ``adlcp:data/adlcp:map``: shared data buckets."""

    target_id: str
    read_shared_data: bool = True
    write_shared_data: bool = False


class Item(_Model):
    """One ``<item>`` of an organization; ``children`` keep document order."""

    identifier: str
    identifierref: str | None = None
    title: str = ""
    isvisible: bool = True
    parameters: str | None = None
    children: list[Item] = Field(default_factory=list)
    # SCORM 1.2 (adlcp namespace, lower-case element names); some are also valid in 2004
    masteryscore: float | None = None
    maxtimeallowed: str | None = None
    timelimitaction: str | None = None
    datafromlms: str | None = None
    prerequisites: str | None = None
    prerequisites_type: str | None = None
    # SCORM 2004
    completion_threshold: CompletionThreshold | None = None
    sequencing: Sequencing | None = None
    presentation: Presentation | None = None
    data: list[DataMap] = Field(default_factory=list)
    line: int | None = None  # manifest line of the <item> element

    def iter_items(self, depth: int = 0) -> Iterator[tuple[Item, int]]:
        """Yield this item and every descendant, depth first in document order, with their depth."""
        yield self, depth
        for child in self.children:
            yield from child.iter_items(depth + 1)

    @property
    def is_leaf(self) -> bool:
        """Whether the item has no children (only leaves may launch content in SCORM 2004)."""
        return not self.children


class Organization(_Model):
    """One ``<organization>``: a table of contents over the resources."""

    identifier: str
    title: str = ""
    items: list[Item] = Field(default_factory=list)
    sequencing: Sequencing | None = None
    objectives_global_to_system: bool = True  # adlseq:objectivesGlobalToSystem
    shared_data_global_to_system: bool = True  # adlcp:sharedDataGlobalToSystem
    line: int | None = None

    def iter_items(self) -> Iterator[tuple[Item, int]]:
        """Yield every item of the tree, depth first in document order, with its depth (top level is 0)."""
        for item in self.items:
            yield from item.iter_items(0)

    def leaves(self) -> list[Item]:
        """Return the items without children, in order."""
        return [item for item, _depth in self.iter_items() if item.is_leaf]


class ResourceFile(_Model):
    """A ``<file>`` of a resource: ``href`` as written, ``path`` relative to the package root."""

    href: str
    path: str


class Resource(_Model):
    """One ``<resource>``: a SCO (talks to the runtime API) or an asset, with its files and dependencies."""

    identifier: str
    type: str = "webcontent"
    scormtype: Literal["sco", "asset"] | None = None  # None when the manifest does not say
    href: str | None = None  # as written in the manifest
    base: str = ""  # xml:base in effect for this resource ("" or a folder ending in "/")
    launch: str | None = None  # base + href, relative to the package root, query/fragment kept
    files: list[ResourceFile] = Field(default_factory=list)
    dependencies: list[str] = Field(default_factory=list)  # identifierrefs of other resources
    line: int | None = None

    @property
    def launch_path(self) -> str | None:
        """The file part of :attr:`launch` (no query or fragment), or ``None``."""
        if not self.launch:
            return None
        return self.launch.split("#", 1)[0].split("?", 1)[0]

    @property
    def is_sco(self) -> bool:
        """Whether this resource is a SCO. SCORM 1.2 and 2004 say so in ``adlcp:scormtype``."""
        return self.scormtype == "sco"


class Package(_Model):
    """A parsed content package. Build it with :func:`scorm.manifest.parse_manifest`."""

    version: Version | None = None
    identifier: str = ""
    title: str = ""
    description: str | None = None
    metadata: Metadata = Field(default_factory=Metadata)
    default_organization: str | None = None  # resolved identifier (fallback: the first organization)
    organizations: list[Organization] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    sequencing_collection: dict[str, Sequencing] = Field(default_factory=dict)
    base: str = ""  # manifest xml:base combined with resources' xml:base is in Resource.base
    sha256: str | None = None  # of the zip bytes, or a stable hash of a folder's tree
    root: str = ""  # folder inside the zip that holds imsmanifest.xml ("" or "name/")

    # -- lookups ---------------------------------------------------------------------------------
    def default_org(self) -> Organization | None:
        """Return the default organization (already resolved by the parser), or ``None`` when there is none."""
        for organization in self.organizations:
            if organization.identifier == self.default_organization:
                return organization
        return self.organizations[0] if self.organizations else None

    def resource(self, identifier: str | None) -> Resource | None:
        """Return the resource with ``identifier``, or ``None``."""
        if identifier is None:
            return None
        for resource in self.resources:
            if resource.identifier == identifier:
                return resource
        return None

    def resource_for(self, item: Item) -> Resource | None:
        """Return the resource an item launches, or ``None`` (a folder item, or a broken reference)."""
        return self.resource(item.identifierref)

    def iter_items(self, organization: Organization | None = None) -> Iterator[tuple[Item, int]]:
        """Yield ``(item, depth)`` of ``organization`` (default: the default one), depth first, in order."""
        organization = organization or self.default_org()
        if organization is not None:
            yield from organization.iter_items()

    def launchable_items(self, organization: Organization | None = None) -> list[Item]:
        """Return the items that launch a resource with an href, in table-of-contents order."""
        result = []
        for item, _depth in self.iter_items(organization):
            if self.launch_url(item) is not None:
                result.append(item)
        return result

    def scos(self) -> list[Resource]:
        """Return the resources marked ``sco``, in manifest order."""
        return [resource for resource in self.resources if resource.scormtype == "sco"]

    def assets(self) -> list[Resource]:
        """Return the resources that are not SCOs (``asset`` or unmarked), in manifest order."""
        return [resource for resource in self.resources if resource.scormtype != "sco"]

    def launch_url(self, item: Item) -> str | None:
        """Return the URL (relative to the package root) that launches ``item``, parameters appended.

        Follows the IMS CP rule for ``parameters``: a leading ``?`` or ``&`` is dropped and the rest is
        joined with ``?`` or ``&`` depending on whether the href already has a query; a parameters
        value starting with ``#`` replaces the fragment. ``None`` when the item launches nothing.
        """
        resource = self.resource_for(item)
        if resource is None or not resource.launch:
            return None
        return join_parameters(resource.launch, item.parameters)

    def first_launch(self) -> str | None:
        """Return the launch URL of the first launchable item of the default organization, or ``None``."""
        items = self.launchable_items()
        return self.launch_url(items[0]) if items else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_sequencing(self) -> bool:
        """Whether the package uses IMS Simple Sequencing anywhere (then one block plays it all)."""
        if self.sequencing_collection:
            return True
        for organization in self.organizations:
            if organization.sequencing is not None:
                return True
            for item, _depth in organization.iter_items():
                if item.sequencing is not None:
                    return True
        return False


def join_parameters(launch: str, parameters: str | None) -> str:
    """Append an item's ``parameters`` to a launch URL as IMS Content Packaging describes."""
    if not parameters:
        return launch
    parameters = parameters.strip()
    if parameters.startswith("#"):
        return launch.split("#", 1)[0] + parameters
    base, _sep, fragment = launch.partition("#")
    parameters = parameters.lstrip("?&")
    if not parameters:
        return launch
    joined = base + ("&" if "?" in base else "?") + parameters
    return joined + ("#" + fragment if fragment else "")


class Where(_Model):
    """Where an issue is: manifest line, item identifier, resource identifier, file path (any may be absent)."""

    line: int | None = None
    item: str | None = None
    resource: str | None = None
    file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the parts that are set (the shape of ``where`` in the inspect JSON)."""
        return self.model_dump(exclude_none=True)


class Issue(_Model):
    """One finding of validation or a refusal: a code for tools, a sentence for people, and where.

    ``template`` is the English message with ``{named}`` fields (a gettext msgid); :attr:`message`
    translates it into the current language and fills ``params`` in.
    """

    code: str
    severity: Severity = "error"
    template: str
    params: dict[str, Any] = Field(default_factory=dict)
    where: Where = Field(default_factory=Where)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def message(self) -> str:
        """The sentence for a course designer, in the current language."""
        try:
            return _(self.template).format(**self.params)
        except (KeyError, IndexError, ValueError):  # a translation with a wrong field must not break a report
            return self.template.format_map(_Missing(self.params))

    def as_dict(self) -> dict[str, Any]:
        """Return ``{"code", "message", "where"}`` as in the inspect JSON."""
        return {"code": self.code, "message": self.message, "where": self.where.as_dict()}


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class ValidationReport(_Model):
    """What :func:`scorm.inspect.inspect_package` found: the type, the package (if one parsed) and the issues."""

    type: PackageType = "unknown"
    package: Package | None = None
    issues: list[Issue] = Field(default_factory=list)
    sha256: str | None = None
    source: str | None = None  # the file or folder name, for reports
    detail: str | None = None  # for cmi5/xAPI/AICC: what the package is (e.g. its course title)

    @property
    def errors(self) -> list[Issue]:
        """The issues of severity ``error``."""
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """The issues of severity ``warning``."""
        return [issue for issue in self.issues if issue.severity == "warning"]

    @property
    def valid(self) -> bool:
        """Whether this is a SCORM package with no errors (warnings allowed)."""
        return self.type == "scorm" and self.package is not None and not self.errors

    def to_contract(self) -> dict[str, Any]:
        """Return the JSON object ``mooc-bridge scorm inspect --json`` prints (docs/decisions/0006)."""
        package = self.package
        organization = package.default_org() if package else None
        return {
            "type": self.type,
            "version": package.version if package else None,
            "title": (package.title or None) if package else self.detail,
            "default_organization": organization.identifier if organization else None,
            "items": sum(1 for _ in package.iter_items()) if package else 0,
            "scos": len(package.scos()) if package else 0,
            "assets": len(package.assets()) if package else 0,
            "sequencing": bool(package and package.has_sequencing),
            "launch": package.first_launch() if package else None,
            "sha256": self.sha256,
            "errors": [issue.as_dict() for issue in self.errors],
            "warnings": [issue.as_dict() for issue in self.warnings],
        }


Item.model_rebuild()
