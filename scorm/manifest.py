"""``imsmanifest.xml`` → :class:`~scorm.model.Package`, for SCORM 1.2 and 2004 2nd, 3rd and 4th editions.

:func:`parse_manifest` parses hardened (:mod:`scorm.xmlsafe`) and returns the package with the issues
found while reading it (a broken default organization, an unknown version, a bad attribute value...).
A manifest that cannot be read at all raises :class:`~scorm.errors.ScormError`.

Rules worth knowing (docs/decisions/0006):

* The version comes from ``metadata/schemaversion`` ("1.2", "CAM 1.3" = 2004 2nd, "2004 3rd Edition",
  "2004 4th Edition"). Without it, from the namespaces, with a ``version_guessed`` warning: the 1.2
  namespaces mean 1.2; the 2004 ones mean the *oldest* 2004 edition that has every feature the
  manifest uses (4th-edition-only elements → 4th, ``completionThreshold`` → 3rd, else 2nd).
* Element and attribute names are matched by local name within their namespace family
  (``adlcp``, ``imsss``, ``adlseq``, ``adlnav``), case-insensitively for ``adlcp`` (1.2 writes
  ``adlcp:scormtype``, 2004 ``adlcp:scormType``), so slightly wrong namespace URIs still read.
* The default organization is the one ``organizations/@default`` names; when it is missing or names
  nothing, the first organization is used, with a warning.
* ``xml:base`` on ``manifest``, ``resources`` and ``resource`` are joined in that order before an href.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from lxml import etree

from scorm.errors import ScormError, make_issue
from scorm.limits import Limits
from scorm.manifest_xml import attr, base_of, kid, kids, lom_values, outline, resolve_href, text_of
from scorm.model import (
    CompletionThreshold,
    DataMap,
    Issue,
    Item,
    Metadata,
    Organization,
    Package,
    Presentation,
    Resource,
    ResourceFile,
    Version,
    Where,
)
from scorm.sequencing import family, is_sequencing_element, parse_sequencing
from scorm.sequencing_model import Sequencing, merge
from scorm.xmlsafe import local_name, parse_xml

__all__ = ["parse_manifest", "resolve_href"]

_SCHEMA_VERSIONS: dict[str, Version] = {
    "1.2": "1.2", "cam 1.3": "2004 2nd", "2004 2nd edition": "2004 2nd", "2004 3rd edition": "2004 3rd",
    "2004 4th edition": "2004 4th",
}
_BOOL = {"true": True, "1": True, "false": False, "0": False}


class _ManifestReader:
    def __init__(self, root, file: str, read_file: Callable[[str], bytes | None] | None, limits: Limits):
        self.root = root
        self.file = file
        self.read_file = read_file
        self.limits = limits
        self.issues: list[Issue] = []
        self.base = base_of(root)

    def warn(self, code: str, at: int | None = None, **params: Any) -> None:
        where = Where(line=at, item=params.get("item"), file=params.get("file_where"))
        params.pop("file_where", None)
        self.issues.append(make_issue(code, where, **params))

    # -- top level -------------------------------------------------------------------------------
    def read(self) -> Package:
        root = self.root
        if local_name(root) != "manifest":
            raise ScormError("not_a_manifest", Where(line=root.sourceline, file=self.file), file=self.file,
                             element=local_name(root)[:80])
        metadata = self.metadata(kid(root, "metadata"))
        collection = {}
        for element in root:
            if isinstance(element.tag, str) and local_name(element) == "sequencingCollection":
                for entry in element:
                    if is_sequencing_element(entry):
                        sequencing = parse_sequencing(entry, self.issues, Where(line=entry.sourceline))
                        if sequencing.id:
                            collection[sequencing.id] = sequencing
            elif isinstance(element.tag, str) and local_name(element) == "manifest" and element is not root:
                self.warn("submanifest_ignored", element.sourceline, name=element.get("identifier", "?"))
        self.collection = collection
        organizations, default = self.organizations(kid(root, "organizations"))
        resources = self.resources(kid(root, "resources"))
        version = self.version(metadata)
        package = Package(
            version=version, identifier=root.get("identifier", ""), metadata=metadata, base=self.base,
            organizations=organizations, default_organization=default, resources=resources,
            sequencing_collection=collection)
        organization = package.default_org()
        package.title = (organization.title if organization and organization.title else None) or \
            metadata.title or package.identifier
        package.description = metadata.description
        return package

    def version(self, metadata: Metadata) -> Version | None:
        written = (metadata.schemaversion or "").strip()
        known = _SCHEMA_VERSIONS.get(written.lower())
        if known:
            return known
        guessed = self.guess_version()
        if written:
            self.warn("version_unknown", None, value=written[:80], version=guessed or "?")
        elif guessed:
            self.warn("version_guessed", None, version=guessed)
        else:
            self.warn("version_undetermined")
        return guessed

    def guess_version(self) -> Version | None:
        uris = " ".join(uri or "" for uri in self.root.nsmap.values()).lower() + " " + (self.root.tag or "").lower()
        if "imscp_rootv1p1p2" in uris or "adlcp_rootv1p2" in uris:
            return "1.2"
        if not any(name in uris for name in ("imscp_v1p1", "adlcp_v1p3", "imsss", "adlseq", "adlnav")):
            return None
        fourth = third = False
        for element in self.root.iter():
            if not isinstance(element.tag, str):
                continue
            name, fam = local_name(element), family(element)
            if (fam == "adlcp" and name in ("data", "map")) or (fam == "adlseq" and name == "objectives") or \
                    (name == "completionThreshold" and len(element.attrib)) or \
                    attr(element, "sharedDataGlobalToSystem", "adlcp") is not None:
                fourth = True
            elif name == "completionThreshold" or attr(element, "objectivesGlobalToSystem", "adlseq") is not None:
                third = True
        return "2004 4th" if fourth else "2004 3rd" if third else "2004 2nd"

    def metadata(self, element) -> Metadata:
        if element is None:
            return Metadata()
        values: dict[str, Any] = {
            "schema_name": text_of(kid(element, "schema")) or None,
            "schemaversion": text_of(kid(element, "schemaversion")) or None,
        }
        lom = next((child for child in element.iter() if isinstance(child.tag, str) and local_name(child) == "lom"),
                   None)
        location = kid(element, "location", "adlcp")
        if lom is None and location is not None and text_of(location):
            path, kind = resolve_href(self.base, text_of(location))
            values["location"] = path if kind == "local" else None
            if kind == "local" and path:
                lom = self.external_metadata(path, location.sourceline)
        if lom is not None:
            values.update(lom_values(lom))
        return Metadata(**values)

    def external_metadata(self, path: str, line: int | None):
        if self.read_file is None:
            return None
        file_path = unquote(path.split("#")[0].split("?")[0])
        try:
            data = self.read_file(file_path)
        except ScormError as error:
            self.warn("metadata_unreadable", line, file=file_path, detail=error.issue.message, file_where=file_path)
            return None
        if data is None:
            self.warn("metadata_missing", line, file=file_path, file_where=file_path)
            return None
        try:
            root = parse_xml(data, file_path, self.limits.max_attribute_chars)
        except ScormError as error:
            self.warn("metadata_unreadable", line, file=file_path, detail=error.issue.message, file_where=file_path)
            return None
        if local_name(root) == "lom":
            return root
        return next((child for child in root.iter() if isinstance(child.tag, str) and local_name(child) == "lom"),
                    None)

    # -- organizations ---------------------------------------------------------------------------
    def organizations(self, element) -> tuple[list[Organization], str | None]:
        if element is None:
            return [], None
        self.item_ids: set[str] = set()
        organizations = []
        for index, child in enumerate(kids(element, "organization"), start=1):
            identifier = (child.get("identifier") or "").strip()
            if not identifier:
                identifier = f"organization-{index}"
                self.warn("organization_no_identifier", child.sourceline, name=identifier)
            self.check_unique(identifier, child.sourceline)
            title_element, items, found, _presentation = outline(child)
            title = text_of(title_element)
            if not title:
                self.warn("title_missing", child.sourceline, name=identifier)
            organization = Organization(
                identifier=identifier, title=title, line=child.sourceline,
                items=[self.item(item, f"{identifier}-{n}") for n, item in enumerate(items, 1)],
                sequencing=self.sequencing(child, identifier, found) if found is not None else None)
            for name, field in (("objectivesGlobalToSystem", "objectives_global_to_system"),
                                ("sharedDataGlobalToSystem", "shared_data_global_to_system")):
                value = attr(child, name)
                if value is not None:
                    setattr(organization, field, self.boolean(value, name, child.sourceline, True))
            organizations.append(organization)
        if not organizations:
            return [], None
        default = (element.get("default") or "").strip()
        identifiers = [organization.identifier for organization in organizations]
        if not default:
            self.warn("default_org_unset", element.sourceline, fallback=identifiers[0])
            return organizations, identifiers[0]
        if default not in identifiers:
            self.warn("default_org_missing", element.sourceline, name=default, fallback=identifiers[0])
            return organizations, identifiers[0]
        return organizations, default

    def check_unique(self, identifier: str, line: int | None) -> None:
        if identifier in self.item_ids:
            self.warn("duplicate_identifier", line, name=identifier)
        self.item_ids.add(identifier)

    def boolean(self, value: str, field: str, line: int | None, default: bool, item: str | None = None) -> bool:
        try:
            return _BOOL[value.strip().lower()]
        except KeyError:
            self.warn("bad_value", line, value=value[:80], field=field, item=item)
            return default

    def sequencing(self, element, name: str, found=None) -> Sequencing | None:
        if found is None:
            found = next((child for child in element if is_sequencing_element(child)), None)
        if found is None:
            return None
        sequencing = parse_sequencing(found, self.issues, Where(line=found.sourceline, item=name))
        if sequencing.idref:
            shared = self.collection.get(sequencing.idref)
            if shared is None:
                self.warn("sequencing_idref_missing", found.sourceline, name=name, other=sequencing.idref, item=name)
            else:
                sequencing = merge(shared, sequencing)
        return sequencing

    def item(self, element, fallback: str) -> Item:
        identifier = (element.get("identifier") or "").strip()
        line = element.sourceline
        if not identifier:
            identifier = fallback
            self.warn("item_no_identifier", line, name=identifier)
        self.check_unique(identifier, line)
        values: dict[str, Any] = {
            "identifier": identifier, "line": line,
            "identifierref": (element.get("identifierref") or "").strip() or None,
            "parameters": element.get("parameters"),
        }
        if element.get("isvisible") is not None:
            values["isvisible"] = self.boolean(element.get("isvisible"), "isvisible", line, True, identifier)
        title, children, sequencing, presentation = outline(element, self.adlcp_reader(identifier, values))
        values["title"] = text_of(title)
        if presentation is not None:
            hidden = [text_of(hide) for interface in kids(presentation, "navigationInterface")
                      for hide in kids(interface, "hideLMSUI")]
            values["presentation"] = Presentation(hide_lms_ui=[name for name in hidden if name])
        if not values["title"]:
            self.warn("title_missing", line, name=identifier, item=identifier)
        if sequencing is not None:
            values["sequencing"] = self.sequencing(element, identifier, sequencing)
        values["children"] = [self.item(child, f"{identifier}-{n}") for n, child in enumerate(children, 1)]
        return Item(**values)

    def adlcp_reader(self, identifier: str, values: dict[str, Any]) -> Callable[[str, Any], None]:
        return lambda name, child: self.adlcp(name, child, identifier, values)

    def adlcp(self, name: str, child, identifier: str, values: dict[str, Any]) -> None:
        if name in ("maxtimeallowed", "timelimitaction", "datafromlms"):
            values[name] = text_of(child)
        elif name == "masteryscore":
            try:
                values["masteryscore"] = float(text_of(child))
            except ValueError:
                self.warn("bad_value", child.sourceline, value=text_of(child)[:80], field="masteryscore",
                          item=identifier)
        elif name == "prerequisites":
            values["prerequisites"] = text_of(child)
            values["prerequisites_type"] = child.get("type")
        elif name == "completionthreshold":
            values["completion_threshold"] = self.threshold(child, identifier)
        elif name == "data":
            values["data"] = [DataMap(target_id=entry.get("targetID", ""), **{
                field: self.boolean(entry.get(attr), attr, entry.sourceline, default, identifier)
                for attr, field, default in (("readSharedData", "read_shared_data", True),
                                             ("writeSharedData", "write_shared_data", False))
                if entry.get(attr) is not None}) for entry in kids(child, "map", "adlcp")]

    def threshold(self, element, identifier: str) -> CompletionThreshold | None:
        values: dict[str, Any] = {}
        text = text_of(element)
        try:
            if text:
                values.update(completed_by_measure=True, min_progress_measure=float(text))
            for attr, field in (("minProgressMeasure", "min_progress_measure"), ("progressWeight", "progress_weight")):
                if element.get(attr) is not None:
                    values[field] = float(element.get(attr))
        except ValueError:
            self.warn("bad_value", element.sourceline, value=(text or "")[:80], field="completionThreshold",
                      item=identifier)
            return None
        if element.get("completedByMeasure") is not None:
            values["completed_by_measure"] = self.boolean(element.get("completedByMeasure"), "completedByMeasure",
                                                          element.sourceline, False, identifier)
        return CompletionThreshold(**values)

    # -- resources -------------------------------------------------------------------------------
    def resources(self, element) -> list[Resource]:
        if element is None:
            return []
        base = self.base + base_of(element)
        resources: list[Resource] = []
        seen: set[str] = set()
        for child in kids(element, "resource"):
            identifier = (child.get("identifier") or "").strip()
            line = child.sourceline
            if not identifier:
                self.warn("resource_no_identifier", line, line=line)
                continue
            if identifier in seen:
                self.warn("duplicate_identifier", line, name=identifier)
                continue
            seen.add(identifier)
            own_base = base + base_of(child)
            href = child.get("href")
            launch = None
            if href is not None and href.strip():
                launch, kind = resolve_href(own_base, href)
                if kind == "outside":
                    self.warn("href_outside", line, file=href[:200], file_where=href[:200])
                elif kind == "external":
                    self.warn("launch_external", line, name=identifier, file=href[:200])
            scormtype = (attr(child, "scormtype", "adlcp") or "").strip().lower() or None
            if scormtype not in (None, "sco", "asset"):
                self.warn("bad_value", line, value=scormtype[:80], field="adlcp:scormType")
                scormtype = None
            files = []
            for file in kids(child, "file"):
                file_href = (file.get("href") or "").strip()
                if not file_href:
                    continue
                path, kind = resolve_href(own_base, file_href)
                if kind == "outside":
                    self.warn("href_outside", file.sourceline, file=file_href[:200], file_where=file_href[:200])
                elif kind == "local" and path:
                    files.append(ResourceFile(href=file_href, path=path))
            dependencies = [dep.get("identifierref", "").strip() for dep in kids(child, "dependency")
                            if dep.get("identifierref", "").strip()]
            resources.append(Resource(
                identifier=identifier, type=child.get("type", "webcontent"), scormtype=scormtype, href=href,
                base=own_base, launch=launch, files=files, dependencies=dependencies, line=line))
        return resources


def parse_manifest(data: bytes, *, file: str = "imsmanifest.xml", limits: Limits | None = None,
                   read_file: Callable[[str], bytes | None] | None = None) -> tuple[Package, list[Issue]]:
    """Parse manifest bytes into a :class:`Package` and the issues found while reading it.

    ``read_file(path)`` returns another file of the package (for ``adlcp:location`` metadata), or
    ``None`` when it is absent; it may raise :class:`ScormError`. Raises :class:`ScormError` when the
    manifest is not safe or not well-formed XML, or is not a manifest; never anything else.
    """
    limits = limits or Limits()
    if len(data) > limits.max_manifest_bytes:
        from scorm.limits import human_size

        raise ScormError("manifest_too_large", Where(file=file), name=file, limit=human_size(limits.max_manifest_bytes))
    root = parse_xml(data, file, limits.max_attribute_chars)
    try:
        reader = _ManifestReader(root, file, read_file, limits)
        package = reader.read()
    except ScormError:
        raise
    except (ValueError, TypeError, etree.LxmlError) as error:  # pydantic ValidationError is a ValueError
        raise ScormError("xml_malformed", Where(line=1, file=file), file=file, line=1, detail=str(error)[:300]) \
            from None
    return package, reader.issues
