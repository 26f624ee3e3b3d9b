"""What the OneRoster 1.1 and 1.2 specifications fix: base paths, scopes, vocabularies and CSV headers.

Everything here is copied from the specification (REST binding, the official 1.2 OpenAPI files and the
CSV binding / CSV tables), not from any implementation, so the client, the CSV reader and writer and the
test server all agree on one source:

- 1.1: one service root ``/ims/oneroster/v1p1`` for rostering and gradebook; scopes
  ``https://purl.imsglobal.org/spec/or/v1p1/scope/…``.
- 1.2: separate services ``/ims/oneroster/rostering/v1p2`` and ``/ims/oneroster/gradebook/v1p2``; scopes
  ``https://purl.imsglobal.org/spec/or/v1p2/scope/…``; bulk ``POST /lineItems/{id}/results``.
- Media type ``application/json`` for requests and answers; errors are ``imsx_StatusInfo`` objects.
- CSV: ``manifest.csv`` (``propertyName,value``) and data files whose headers must match exactly, in
  order; extension columns are allowed only after them and must start with ``metadata.``.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "BASE_PATHS",
    "CSV_FILES",
    "CSV_HEADERS",
    "ENROLLMENT_ROLES",
    "MEDIA_TYPE",
    "SCOPES",
    "SCOPE_PREFIX",
    "SCORE_STATUSES",
    "Version",
    "scope_uri",
]

Version = Literal["1.1", "1.2"]

MEDIA_TYPE = "application/json"

BASE_PATHS: dict[str, dict[str, str]] = {
    "1.1": {"rostering": "/ims/oneroster/v1p1", "gradebook": "/ims/oneroster/v1p1"},
    "1.2": {"rostering": "/ims/oneroster/rostering/v1p2", "gradebook": "/ims/oneroster/gradebook/v1p2"},
}
"""Service roots per version, appended to the provider's server URL."""

SCOPE_PREFIX = {"1.1": "https://purl.imsglobal.org/spec/or/v1p1/scope/",
                "1.2": "https://purl.imsglobal.org/spec/or/v1p2/scope/"}

SCOPES: dict[str, dict[str, tuple[str, ...]]] = {
    "1.1": {"rostering": ("roster-core.readonly", "roster.readonly"), "gradebook": ("gradebook.readonly",),
            "PUT": ("gradebook.createput",), "DELETE": ("gradebook.delete",)},
    "1.2": {"rostering": ("roster.readonly",), "gradebook": ("gradebook.readonly",),
            "PUT": ("gradebook.createput",), "POST": ("gradebook.createpost",), "DELETE": ("gradebook.delete",)},
}
"""Short scope names asked for, per version: for reading a service (``rostering``, ``gradebook``) and for
writing with a method. 1.2 (official OpenAPI, ``rostersservice.yaml`` / ``gradebookservice.yaml``): every GET
we send accepts ``roster.readonly`` / ``gradebook.readonly`` (the ``-core`` scopes cover only whole collections
and single objects, not ``/classes/{id}/students``); ``PUT`` needs ``gradebook.createput``, the bulk
``POST /lineItems/{id}/results`` ``gradebook.createpost``. 1.1 providers check ``roster-core.readonly`` on the
collections (``/classes``, ``/users``, ``/enrollments``) and ``roster.readonly`` on the paths below a class
(Masterjx9/oneroster, ``app/routes/rostering.py``), so both are asked for; 1.1 has no ``createpost``."""

def scope_uri(version: str, short: str) -> str:
    """The full scope URI of ``short`` (``roster.readonly``) in ``version``; full URIs are kept."""
    return short if short.startswith("https://") else SCOPE_PREFIX[version] + short


ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher", "aide")
"""Enrollment roles (1.2 lists administrator, proctor, student, teacher; 1.0/1.1 data also carries aide)."""

SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")

_BASE = ("sourcedId", "status", "dateLastModified")

CSV_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "1.1": {
        "academicSessions.csv": (*_BASE, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
        "categories.csv": (*_BASE, "title"),
        "classes.csv": (*_BASE, "title", "grades", "courseSourcedId", "classCode", "classType", "location",
                        "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
        "courses.csv": (*_BASE, "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId",
                        "subjects", "subjectCodes"),
        "enrollments.csv": (*_BASE, "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary",
                            "beginDate", "endDate"),
        "lineItems.csv": (*_BASE, "title", "description", "assignDate", "dueDate", "classSourcedId",
                          "categorySourcedId", "gradingPeriodSourcedId", "resultValueMin", "resultValueMax"),
        "orgs.csv": (*_BASE, "name", "type", "identifier", "parentSourcedId"),
        "results.csv": (*_BASE, "lineItemSourcedId", "studentSourcedId", "scoreStatus", "score", "scoreDate",
                        "comment"),
        "users.csv": (*_BASE, "enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName",
                      "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds",
                      "grades", "password"),
    },
    "1.2": {
        "academicSessions.csv": (*_BASE, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
        "categories.csv": (*_BASE, "title", "weight"),
        "classes.csv": (*_BASE, "title", "grades", "courseSourcedId", "classCode", "classType", "location",
                        "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
        "courses.csv": (*_BASE, "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId",
                        "subjects", "subjectCodes"),
        "enrollments.csv": (*_BASE, "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary",
                            "beginDate", "endDate"),
        "lineItems.csv": (*_BASE, "title", "description", "assignDate", "dueDate", "classSourcedId",
                          "categorySourcedId", "academicSessionSourcedId", "resultValueMin", "resultValueMax",
                          "schoolSourcedId"),
        "orgs.csv": (*_BASE, "name", "type", "identifier", "parentSourcedId"),
        "results.csv": (*_BASE, "lineItemSourcedId", "studentSourcedId", "scoreStatus", "score", "scoreDate",
                        "comment", "textScore", "classSourcedId", "inProgress", "incomplete", "late", "missing"),
        "roles.csv": (*_BASE, "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId",
                      "userProfileSourcedId"),
        "userProfiles.csv": (*_BASE, "userSourcedId", "profileType", "vendorId", "applicationId", "description",
                             "credentialType", "username", "password"),
        "users.csv": (*_BASE, "enabledUser", "username", "userIds", "givenName", "familyName", "middleName",
                      "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password",
                      "userMasterIdentifier", "preferredGivenName", "preferredMiddleName", "preferredFamilyName",
                      "primaryOrgSourcedId", "pronouns"),
    },
}
"""Exact headers, in order, of the data files we read and write, per version."""

CSV_FILES: dict[str, tuple[str, ...]] = {
    "1.1": ("academicSessions.csv", "categories.csv", "classes.csv", "classResources.csv", "courses.csv",
            "courseResources.csv", "demographics.csv", "enrollments.csv", "lineItems.csv", "orgs.csv",
            "resources.csv", "results.csv", "users.csv"),
    "1.2": ("academicSessions.csv", "categories.csv", "classes.csv", "classResources.csv", "courses.csv",
            "courseResources.csv", "demographics.csv", "enrollments.csv", "lineItemLearningObjectiveIds.csv",
            "lineItems.csv", "lineItemScoreScales.csv", "orgs.csv", "resources.csv",
            "resultLearningObjectiveIds.csv", "results.csv", "resultScoreScales.csv", "roles.csv",
            "scoreScales.csv", "userProfiles.csv", "userResources.csv", "users.csv"),
}
"""Every data file a bundle of each version may hold (each has a ``file.<name>`` row in the manifest)."""
