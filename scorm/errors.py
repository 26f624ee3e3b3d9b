"""Issue codes, their sentences, and the one typed error the library raises.

Every finding has a stable ``code`` (tools match on it), a severity, and an English sentence with
``{named}`` fields, marked for translation here and translated when shown (:class:`scorm.model.Issue`).
The full list with explanations is in docs/decisions/0006-scorm-safe-import.md.

:class:`ScormError` is the only exception that leaves the public API of ``scorm`` (inspect, import,
extraction, parsing): :class:`UnsafePackage` for a package refused for safety or limits (exit code 1),
:class:`UnreadablePackage` for input that is not a readable package at all (exit code 2).
"""

from __future__ import annotations

from typing import Any

from adapters.i18n import gettext_noop as N_
from scorm.model import Issue, Severity, Where

__all__ = ["CODES", "ScormError", "UnreadablePackage", "UnsafePackage", "make_issue"]

E, W = "error", "warning"

CODES: dict[str, tuple[Severity, str]] = {
    # -- input that is not a readable package (exit 2) --------------------------------------------
    "source_missing": (E, N_("The file or folder {name} does not exist.")),
    "source_unreadable": (E, N_("The package {name} cannot be read: {detail}.")),
    "not_a_zip": (E, N_("{name} is not a zip file or a folder, so it cannot be a SCORM package.")),
    "truncated": (E, N_("The zip file {name} is cut short or damaged (was the upload or download complete?).")),
    # -- refused for safety (exit 1) -------------------------------------------------------------
    "path_absolute": (E, N_("The package contains a file with an absolute path ({name}). It was refused.")),
    "path_traversal": (E, N_("The package contains a file whose path leaves the package folder ({name}). "
                             "It was refused.")),
    "path_drive": (E, N_("The package contains a file with a Windows drive letter in its path ({name}). "
                         "It was refused.")),
    "path_control": (E, N_("The package contains a file name with control characters ({name}). It was refused.")),
    "path_invalid": (E, N_("The package contains a file with an empty or invalid path ({name}). It was refused.")),
    "path_too_long": (E, N_("The package contains a file path longer than {limit} characters ({name}).")),
    "symlink": (E, N_("The package contains a symbolic link ({name}). Links are refused because they can "
                      "point outside the package.")),
    "special_file": (E, N_("The package contains a device, pipe or other special file ({name}). It was refused.")),
    "encrypted": (E, N_("The package contains a password-protected file ({name}). Export the package again "
                        "without a password.")),
    "unsupported_compression": (E, N_("The file {name} uses a compression method that cannot be read. "
                                      "Zip the package again with ordinary (deflate) compression.")),
    "name_collision": (E, N_("Two files in the package would get the same name on a server ({name} and "
                             "{other}): names differing only in upper/lower case or accents clash.")),
    "too_many_entries": (E, N_("The package has more than {limit} files and folders, which is more than this "
                               "site allows.")),
    "entry_too_large": (E, N_("The file {name} is larger than {limit} once unpacked, which is more than this "
                              "site allows for one file.")),
    "total_too_large": (E, N_("The package is larger than {limit} once unpacked, which is more than this "
                              "site allows.")),
    "ratio_too_high": (E, N_("The file {name} expands more than {limit} times when unpacked, like a zip bomb. "
                             "It was refused.")),
    "total_ratio_too_high": (E, N_("The package expands more than {limit} times when unpacked, like a zip bomb. "
                                   "It was refused.")),
    "size_mismatch": (E, N_("The file {name} does not have the size the zip says it has. The zip is damaged "
                            "or was built to deceive; it was refused.")),
    "overlapping_entries": (E, N_("The zip reuses the same data for several files ({name}), a trick of zip "
                                  "bombs. It was refused.")),
    "corrupt_entry": (E, N_("The file {name} in the zip is damaged ({detail}).")),
    "storage_failed": (E, N_("The package could not be stored on this server: {detail}.")),
    # -- finding the manifest --------------------------------------------------------------------
    "manifest_missing": (E, N_("The package has no imsmanifest.xml, so it is not a SCORM package.")),
    "manifest_ambiguous": (E, N_("The package has several manifests ({names}); it must have exactly one "
                                 "imsmanifest.xml at its top or in its single top folder.")),
    "manifest_not_at_root": (E, N_("The manifest is at {name}, but it must be at the top of the zip or in its "
                                   "single top folder. Zip the folder that contains imsmanifest.xml.")),
    "manifest_name_case": (W, N_("The manifest is named {name}; the standard name is imsmanifest.xml in lower "
                                 "case.")),
    "manifest_too_large": (E, N_("The manifest {name} is larger than {limit}, which is more than this site "
                                 "allows.")),
    # -- XML -------------------------------------------------------------------------------------
    "xml_malformed": (E, N_("{file} is not well-formed XML (line {line}): {detail}")),
    "xml_external_entity": (E, N_("{file} declares an external entity, which could read files from the server. "
                                  "It was refused.")),
    "xml_entity_declaration": (E, N_("{file} declares entities, which can be used to blow up memory (the "
                                     "\"billion laughs\" attack). It was refused.")),
    "xml_attribute_too_long": (E, N_("{file} has an attribute longer than {limit} characters (line {line}). "
                                     "It was refused.")),
    "not_a_manifest": (E, N_("{file} is not a content package manifest: its top element is <{element}>, not "
                             "<manifest>.")),
    # -- the manifest's content ------------------------------------------------------------------
    "version_guessed": (W, N_("The manifest does not say which SCORM version it follows (schemaversion); "
                              "from its namespaces it looks like SCORM {version}.")),
    "version_unknown": (W, N_("The manifest says schemaversion \"{value}\", which is not a SCORM version this "
                              "site knows; from its namespaces it looks like SCORM {version}.")),
    "version_undetermined": (W, N_("The SCORM version of this package could not be determined.")),
    "no_organization": (E, N_("The manifest has no organization (table of contents), so there is nothing to "
                              "launch.")),
    "organization_no_identifier": (W, N_("An organization has no identifier; it was given the identifier {name}.")),
    "default_org_missing": (W, N_("The default organization \"{name}\" does not exist; the first organization, "
                                  "\"{fallback}\", is used instead.")),
    "default_org_unset": (W, N_("The manifest does not name a default organization; the first organization, "
                                "\"{fallback}\", is used.")),
    "item_no_identifier": (W, N_("An item has no identifier; it was given the identifier {name}.")),
    "duplicate_identifier": (E, N_("The identifier \"{name}\" is used more than once in the manifest.")),
    "title_missing": (W, N_("The item or organization \"{name}\" has no title.")),
    "item_resource_missing": (E, N_("The item \"{item}\" points at the resource \"{name}\", which the manifest "
                                    "does not define.")),
    "item_launch_missing": (E, N_("The item \"{item}\" points at the resource \"{name}\", which has no launch "
                                  "page (href).")),
    "item_not_leaf": (W, N_("The item \"{item}\" has sub-items and also launches a resource; in SCORM 2004 "
                            "only items without sub-items launch content.")),
    "resource_no_identifier": (E, N_("A resource has no identifier (line {line}).")),
    "sco_no_href": (E, N_("The SCO resource \"{name}\" has no launch page (href).")),
    "scormtype_missing": (W, N_("The resource \"{name}\" does not say whether it is a SCO or an asset "
                                "(adlcp:scormType); it is treated as an asset.")),
    "launch_file_missing": (E, N_("The launch page {file} of \"{name}\" is not in the package.")),
    "file_missing": (W, N_("The file {file} listed by resource \"{name}\" is not in the package.")),
    "href_outside": (E, N_("The path {file} in the manifest points outside the package.")),
    "launch_external": (W, N_("The resource \"{name}\" launches an external address ({file}); it will not be "
                              "able to report progress from another site.")),
    "dependency_missing": (E, N_("The resource \"{name}\" depends on \"{other}\", which the manifest does not "
                                 "define.")),
    "bad_value": (W, N_("The value \"{value}\" of {field} is not valid; it was ignored.")),
    "sequencing_idref_missing": (W, N_("The item or organization \"{name}\" refers to the shared sequencing "
                                       "\"{other}\", which the sequencingCollection does not define.")),
    "metadata_missing": (W, N_("The metadata file {file} named by the manifest is not in the package.")),
    "metadata_unreadable": (W, N_("The metadata file {file} could not be read: {detail}")),
    "submanifest_ignored": (W, N_("The manifest contains a sub-manifest ({name}); sub-manifests are not imported.")),
    "nothing_to_launch": (E, N_("No item of the default organization launches a page, so there is nothing to "
                                "play.")),
    # -- other package types ---------------------------------------------------------------------
    "type_cmi5": (E, N_("This is a cmi5 course ({title}). Only SCORM packages can be imported for now.")),
    "type_xapi": (E, N_("This is an xAPI (Tin Can) course ({title}). Only SCORM packages can be imported for now.")),
    "type_aicc": (E, N_("This is an AICC course ({title}). Only SCORM packages can be imported for now.")),
}

UNREADABLE_CODES = frozenset({"source_missing", "source_unreadable", "not_a_zip", "truncated"})


def make_issue(code: str, where: Where | None = None, severity: Severity | None = None, **params: Any) -> Issue:
    """Build the :class:`Issue` for ``code`` with its registered sentence and severity (overridable)."""
    default_severity, template = CODES[code]
    return Issue(code=code, severity=severity or default_severity, template=template, params=params,
                 where=where or Where())


class ScormError(Exception):
    """A package refused or unreadable; ``issue`` says why, for a person and for a tool.

    ``exit_code`` is what the command line returns: 2 for input that is not a readable package, 1 otherwise.
    """

    def __init__(self, code: str, where: Where | None = None, **params: Any):
        self.issue = make_issue(code, where, **params)
        super().__init__(self.issue.message)

    @property
    def code(self) -> str:
        """The issue code, e.g. ``path_traversal``."""
        return self.issue.code

    @property
    def exit_code(self) -> int:
        """2 when the input is not a readable package, 1 when it was refused."""
        return 2 if self.code in UNREADABLE_CODES else 1

    def __str__(self) -> str:
        return self.issue.message


class UnsafePackage(ScormError):
    """The package breaks a safety rule or a limit; nothing was written."""


class UnreadablePackage(ScormError):
    """The input is not a zip or folder that can be read."""
