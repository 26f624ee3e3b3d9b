"""Checking a parsed :class:`~scorm.model.Package` against the files the package really contains.

:func:`validate_package` adds to the parser's issues what only the whole package can tell: items that
point at missing resources, SCOs without a launch page, launch pages and listed files that are not in
the package, dependencies on resources that do not exist, and an organization with nothing to play.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from urllib.parse import unquote

from scorm.errors import make_issue
from scorm.model import Issue, Package, Resource, Where

__all__ = ["has_file", "validate_package"]


def has_file(names: Collection[str], path: str) -> bool:
    """Whether ``path`` (an href's file part, maybe percent-encoded) names a file in ``names``."""
    path = path.split("#", 1)[0].split("?", 1)[0]
    for candidate in (path, unquote(path)):
        if unicodedata.normalize("NFC", candidate) in names:
            return True
    return False


def validate_package(package: Package, names: Collection[str] | None) -> list[Issue]:
    """Return the issues of ``package`` given the set of file ``names`` relative to its root.

    With ``names=None`` the file checks are skipped (only the manifest's own consistency is checked).
    """
    issues: list[Issue] = []
    if not package.organizations:
        issues.append(make_issue("no_organization"))
    resources = {resource.identifier: resource for resource in package.resources}
    launched: set[str] = set()
    for organization in package.organizations:
        for item, _depth in organization.iter_items():
            if item.identifierref is None:
                continue
            where = Where(line=item.line, item=item.identifier)
            resource = resources.get(item.identifierref)
            if resource is None:
                issues.append(make_issue("item_resource_missing", where, item=item.identifier,
                                         name=item.identifierref))
                continue
            launched.add(resource.identifier)
            if item.children and package.version and package.version.startswith("2004"):
                issues.append(make_issue("item_not_leaf", where, item=item.identifier))
            if not resource.launch and resource.scormtype != "sco" and not resource.href:
                issues.append(make_issue("item_launch_missing", where, item=item.identifier, name=resource.identifier))
            if resource.scormtype is None and resource.identifier not in _warned_type(issues):
                issues.append(make_issue("scormtype_missing", Where(line=resource.line, resource=resource.identifier),
                                         name=resource.identifier))
    for resource in package.resources:
        where = Where(line=resource.line, resource=resource.identifier)
        if resource.scormtype == "sco" and not (resource.href or "").strip():
            issues.append(make_issue("sco_no_href", where, name=resource.identifier))
        for dependency in resource.dependencies:
            if dependency not in resources:
                issues.append(make_issue("dependency_missing", where, name=resource.identifier, other=dependency))
        if names is not None:
            issues.extend(_file_issues(resource, names, resource.identifier in launched))
    organization = package.default_org()
    if organization is not None and not package.launchable_items(organization):
        issues.append(make_issue("nothing_to_launch", Where(line=organization.line)))
    return issues


def _warned_type(issues: list[Issue]) -> set[str]:
    return {issue.where.resource or "" for issue in issues if issue.code == "scormtype_missing"}


def _file_issues(resource: Resource, names: Collection[str], launched: bool) -> list[Issue]:
    issues: list[Issue] = []
    launch = resource.launch_path
    reported: set[str] = set()
    external = bool(resource.launch and resource.launch != resource.launch_path and "://" in resource.launch)
    if launch and not external and "://" not in launch and not has_file(names, launch):
        where = Where(line=resource.line, resource=resource.identifier, file=launch)
        code = "launch_file_missing" if launched or resource.scormtype == "sco" else "file_missing"
        issues.append(make_issue(code, where, file=launch, name=resource.identifier))
        reported.add(launch)
    for file in resource.files:
        if file.path in reported or has_file(names, file.path):
            continue
        reported.add(file.path)
        issues.append(make_issue("file_missing", Where(line=resource.line, resource=resource.identifier,
                                                       file=file.path), file=file.path, name=resource.identifier))
    return issues
