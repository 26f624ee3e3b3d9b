"""A fake OneRoster 1.1 / 1.2 provider on 127.0.0.1 for end-to-end tests and benchmarks.

    with FakeOneRoster(version="1.2") as sis:
        sis.add_user("u1", identifier="2025001", given="三", family="张")
        sis.add_class("c1", title="Python")
        sis.add_enrollment("e1", "u1", "c1")
        ...  # point the adapter at sis.url with client sis.client_id / sis.client_secret

Follows the specification, not our client: service roots (``/ims/oneroster/v1p1``; 1.2
``/ims/oneroster/rostering/v1p2`` and ``/ims/oneroster/gradebook/v1p2``), ``limit``/``offset`` paging
with ``X-Total-Count`` and ``Link`` (``next``, ``last``, ``first``, ``prev``), the filter grammar
(:mod:`.oneroster_store`), ``sort``/``orderBy``, ``fields``, ``imsx_StatusInfo`` errors, OAuth2 client
credentials at ``POST /oauth/token`` or OAuth 1.0a signatures, scopes per operation (:mod:`.oneroster_auth`:
``strict_scopes``, ``client_auth``, ``oauth1``), gradebook ``PUT`` (1.1 and 1.2) and 1.2
``POST /lineItems/{id}/results`` answering ``sourcedIdPairs``.

Optional paths: ``missing_paths`` (e.g. ``{"classes/{id}/students"}``) answer 404 as an unknown route, and
``refused_filters`` (e.g. ``{"class.sourcedId"}``) answer 400 ``invalid_data``, as the Ed-Fi Alliance's
OneRoster API does: it routes no ``/classes/:id/students`` or ``/teachers`` (``src/routes/oneRoster.js``), and
filters enrollments only on ``sourcedId, status, dateLastModified, role, primary, beginDate, endDate``
(``oneRosterController.js`` ``allowedFilterFields``; any other field: 400 with ``imsx_codeMinor`` ``invalid_data``).
Masterjx9/oneroster (1.1) has no ``/classes/{id}/students`` either, only ``/schools/{s}/classes/{c}/students``.

Knobs while running: ``tokens_ttl`` and ``expire_tokens()``; ``inject(status, times, path=…, retry_after=…)``
(429 comes with ``server_busy``); the paging knobs of :mod:`.oneroster_paging` (``max_page_size``,
``total_header``, ``link_headers``, ``drop_next_link_at``, ``offset_past_end``; :meth:`FakeOneRoster.like_edfi`
sets them as the Ed-Fi Alliance's OneRoster API behaves); ``touch()`` (change a record now); ``remove()``
(hard delete). ``requests`` logs every request; ``token_forms`` every token request's form and header.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .oneroster_auth import SCOPE, FakeAuth, needs
from .oneroster_paging import listing, selected_fields
from .oneroster_store import HttpError, LazyTable, Table, field_value, project

__all__ = ["FakeOneRoster"]

ROOTS = {"1.1": {"rostering": "/ims/oneroster/v1p1", "gradebook": "/ims/oneroster/v1p1"},
         "1.2": {"rostering": "/ims/oneroster/rostering/v1p2", "gradebook": "/ims/oneroster/gradebook/v1p2"}}
BASE_FIELDS = {"sourcedId", "status", "dateLastModified", "metadata"}
FIELDS = {
    "users": BASE_FIELDS | {"username", "userIds", "enabledUser", "givenName", "familyName", "middleName", "role",
                            "roles", "orgs", "primaryOrg", "identifier", "email", "sms", "phone", "agents", "grades"},
    "classes": BASE_FIELDS | {"title", "classCode", "classType", "location", "grades", "subjects", "course",
                              "school", "terms", "subjectCodes", "periods"},
    "enrollments": BASE_FIELDS | {"user", "class", "school", "role", "primary", "beginDate", "endDate"},
    "lineItems": BASE_FIELDS | {"title", "description", "assignDate", "dueDate", "class", "school", "category",
                                "gradingPeriod", "academicSession", "resultValueMin", "resultValueMax", "scoreScale"},
    "results": BASE_FIELDS | {"lineItem", "student", "class", "scoreScale", "scoreStatus", "score", "textScore",
                              "scoreDate", "comment", "inProgress", "incomplete", "late", "missing"},
    "categories": BASE_FIELDS | {"title", "weight"},
}
SERVICE = {"users": "rostering", "classes": "rostering", "enrollments": "rostering", "lineItems": "gradebook",
           "results": "gradebook", "categories": "gradebook"}
SINGULAR = {"users": "user", "classes": "class", "enrollments": "enrollment", "lineItems": "lineItem",
            "results": "result", "categories": "category"}
OLD = "2024-01-01T00:00:00.000Z"


def now_iso() -> str:
    """Now, as the specification writes dateLastModified."""
    stamp = datetime.now(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def imsx(minor: str, description: str = "") -> dict:
    """An imsx_StatusInfo error body."""
    return {"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": description,
            "imsx_CodeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem",
                                                        "imsx_codeMinorFieldValue": minor}]}}


class FakeOneRoster(FakeAuth):
    """The provider: tables, tokens, faults and the HTTP server (see the module docstring)."""

    def __init__(self, version: str = "1.2", *, client_id: str = "or-client", client_secret: str = "or-secret-123",
                 scopes: tuple[str, ...] | None = None, tokens_ttl: float = 3600.0):
        self.version = version
        self.client_id, self.client_secret = client_id, client_secret
        short = scopes or ("roster.readonly", "roster-core.readonly", "gradebook.readonly", "gradebook.createput",
                           "gradebook.createpost", "gradebook.delete")
        self.allowed_scopes = {SCOPE[version] + s for s in short}
        self.tokens_ttl = tokens_ttl
        self.tokens: dict[str, tuple[set[str], float]] = {}
        self.tables: dict[str, Table] = {name: Table(fields) for name, fields in FIELDS.items()}
        self.faults: list[dict] = []
        self.drop_next_link_at: int | None = None
        self.link_headers = True
        self.total_header = True
        self.max_page_size: int | None = None
        self.offset_past_end: int | None = None
        self.requests: list[tuple[str, str, int]] = []
        self.token_forms: list[tuple[dict[str, str], str | None]] = []
        self.missing_paths: set[str] = set()
        self.refused_filters: set[str] = set()
        self.token_requests = 0
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> FakeOneRoster:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop the server."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOneRoster:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def like_edfi(self, max_page_size: int = 100) -> FakeOneRoster:
        """Page as the Ed-Fi Alliance's OneRoster API does: ``limit`` capped at ``MAX_PAGE_SIZE`` without a word,
        no ``X-Total-Count``, no ``Link`` (see :mod:`.oneroster_paging` for the sources); and route no
        ``/classes/{id}/students`` or ``/teachers`` nor filter on ``class.sourcedId`` (see the module docstring)."""
        self.max_page_size, self.total_header, self.link_headers = max_page_size, False, False
        self.missing_paths = {"classes/{id}/students", "classes/{id}/teachers"}
        self.refused_filters = {"class.sourcedId"}
        return self

    def root(self, service: str) -> str:
        """The service root URL (``rostering`` or ``gradebook``)."""
        return self.url + ROOTS[self.version][service]

    # -- data -----------------------------------------------------------------------------------------

    def ref(self, collection: str, sid: str, kind: str) -> dict:
        """A GUIDRef to ``sid``."""
        return {"href": f"{self.root(SERVICE.get(collection, 'rostering'))}/{collection}/{sid}", "sourcedId": sid,
                "type": kind}

    def user_json(self, sid: str, *, identifier: str | None = None, username: str | None = None,
                  given: str = "Given", family: str = "Family", email: str | None = None, role: str = "student",
                  user_ids: list[dict] | None = None, status: str = "active", modified: str = OLD,
                  org: str = "school-1") -> dict:
        """A user in this version's shape (1.1: role, orgs; 1.2: roles, primaryOrg)."""
        user: dict[str, Any] = {"sourcedId": sid, "status": status, "dateLastModified": modified,
                                "enabledUser": "true", "username": username or sid, "userIds": user_ids or [],
                                "givenName": given, "familyName": family, "identifier": identifier,
                                "email": email, "phone": None}
        if self.version == "1.1":
            user.update(role=role, orgs=[self.ref("orgs", org, "org")])
        else:
            user.update(roles=[{"roleType": "primary", "role": role, "org": self.ref("orgs", org, "org")}],
                        primaryOrg=self.ref("orgs", org, "org"))
        return user

    def add_user(self, sid: str, **kwargs) -> dict:
        """Add a user (see :meth:`user_json`)."""
        user = self.user_json(sid, **kwargs)
        self.tables["users"].put(user)
        return user

    def add_class(self, sid: str, title: str = "Class", *, school: str = "school-1", term: str = "term-1",
                  course: str = "course-1", status: str = "active", modified: str = OLD) -> dict:
        """Add a class."""
        klass = {"sourcedId": sid, "status": status, "dateLastModified": modified, "title": title,
                 "classCode": sid.upper(), "classType": "scheduled", "course": self.ref("courses", course, "course"),
                 "school": self.ref("orgs", school, "org"), "terms": [self.ref("academicSessions", term,
                                                                                "academicSession")]}
        self.tables["classes"].put(klass)
        return klass

    def enrollment_json(self, sid: str, user: str, klass: str, role: str = "student", *, status: str = "active",
                        modified: str = OLD, school: str = "school-1") -> dict:
        """An enrollment."""
        return {"sourcedId": sid, "status": status, "dateLastModified": modified,
                "user": self.ref("users", user, "user"), "class": self.ref("classes", klass, "class"),
                "school": self.ref("orgs", school, "org"), "role": role,
                "primary": "true" if role == "teacher" else "false"}

    def add_enrollment(self, sid: str, user: str, klass: str, role: str = "student", **kwargs) -> dict:
        """Add an enrollment."""
        row = self.enrollment_json(sid, user, klass, role, **kwargs)
        self.tables["enrollments"].put(row)
        return row

    def add_line_item(self, sid: str, klass: str, title: str = "Item", maximum: float = 100.0,
                      modified: str = OLD) -> dict:
        """Add a line item shaped as a PUT must be (:func:`_validate`; 1.2 OpenAPI gradebookservice.yaml 4782-4795)."""
        item = {"sourcedId": sid, "status": "active", "dateLastModified": modified, "title": title,
                "assignDate": "2025-09-01T00:00:00.000Z", "dueDate": "2025-12-31T23:59:59.000Z",
                "class": self.ref("classes", klass, "class"), "category": self.ref("categories", "cat-1", "category"),
                "resultValueMin": 0.0, "resultValueMax": maximum}
        item.update({"school": self.ref("orgs", "school-1", "org")} if self.version == "1.2" else
                    {"gradingPeriod": self.ref("academicSessions", "term-1", "academicSession")})
        self.tables["lineItems"].put(item)
        return item

    def touch(self, collection: str, sid: str, **changes) -> dict:
        """Change a record now (its dateLastModified becomes the current time)."""
        table = self.tables[collection]
        record = dict(table.get(sid) or {})
        record.update(changes, dateLastModified=now_iso())
        table.put(record)
        return record

    def remove(self, collection: str, sid: str) -> bool:
        """Hard-delete a record (no tobedeleted marker: the provider just forgets it)."""
        return self.tables[collection].remove(sid)

    def set_lazy(self, collection: str, size: int, make, index_of) -> LazyTable:
        """Serve ``size`` generated records for ``collection`` (benchmarks)."""
        table = LazyTable(FIELDS[collection], size, make, index_of)
        self.tables[collection] = table
        return table

    # -- tokens and faults ----------------------------------------------------------------------------

    def inject(self, status: int, times: int = 1, *, path: str = "", retry_after: float | None = None,
               minor: str | None = None) -> None:
        """Answer the next ``times`` matching requests with ``status`` (429 → server_busy)."""
        defaults = {429: "server_busy", 500: "internal_server_error", 503: "server_busy"}
        minor = minor or defaults.get(status, "invaliddata")
        self.faults.append({"status": status, "times": times, "path": path, "retry_after": retry_after,
                            "minor": minor})

    def take_fault(self, path: str) -> dict | None:
        """The fault for this request, if one is pending."""
        with self.lock:
            for fault in self.faults:
                if fault["times"] > 0 and fault["path"] in path:
                    fault["times"] -= 1
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOneRoster
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _send(self, status: int, body: Any, headers: dict | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status = 500
        try:
            fault = fake.take_fault(parts.path)
            if fault is not None:
                headers = {"Retry-After": str(fault["retry_after"])} if fault["retry_after"] is not None else {}
                raise HttpError(fault["status"], fault["minor"], "injected fault", headers)
            if method == "POST" and parts.path == "/oauth/token":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                fake.token_forms.append((form, self.headers.get("Authorization")))
                status, body, headers = 200, fake.issue_token(form, self.headers.get("Authorization")), {}
            else:
                status, body, headers = _route(fake, method, self.path, raw, self.headers.get("Authorization"))
        except HttpError as exc:
            status = exc.status
            body = {"error": exc.minor} if parts.path == "/oauth/token" else imsx(exc.minor, exc.description)
            if exc.minor == "no_route":
                body = {"message": f"Cannot {method} {parts.path}"}  # a web framework's 404, not OneRoster's
            headers = exc.headers
        except Exception as exc:
            status, body, headers = 500, imsx("internal_server_error", repr(exc)), {}
        fake.requests.append((method, self.path, status))
        self._send(status, body, headers)


# -- routing ----------------------------------------------------------------------------------------------

def _route(fake: FakeOneRoster, method: str, target: str, raw: bytes, auth: str | None):
    path, _sep, query = target.partition("?")
    for service in ("rostering", "gradebook"):
        root = ROOTS[fake.version][service]
        if path.startswith(root + "/"):
            rest = [unquote(p) for p in path[len(root) + 1:].split("/") if p]
            break
    else:
        raise HttpError(404, "unknownobject", "no such service")
    template = "/".join("{id}" if n % 2 else part for n, part in enumerate(rest))
    if template in fake.missing_paths:
        raise HttpError(404, "no_route", template)
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    refused = [f for f in fake.refused_filters if f + "=" in (params.get("filter") or "").replace(" ", "")]
    if refused:
        raise HttpError(400, "invalid_data", f"Field '{refused[0]}' is not allowed for filtering")
    service = "gradebook" if {"lineItems", "results", "categories"} & set(rest) else "rostering"
    fake.check_request(method, fake.url + target, auth, needs(fake.version, method, rest, service))
    if method == "GET":
        return _get(fake, rest, params, path)
    body = json.loads(raw or b"{}")
    if method == "PUT" and len(rest) == 2 and rest[0] in ("lineItems", "results", "categories"):
        return _put(fake, rest[0], rest[1], body)
    if (method == "POST" and fake.version == "1.2" and len(rest) == 3 and rest[0] == "lineItems"
            and rest[2] == "results"):
        return _post_results(fake, rest[1], body)
    if method == "DELETE" and len(rest) == 2 and rest[0] in ("lineItems", "results", "categories"):
        if not fake.tables[rest[0]].remove(rest[1]):
            raise HttpError(404, "unknownobject", rest[1])
        return 204, None, {}
    raise HttpError(405 if method != "GET" else 404, "unknownobject", f"{method} {path}")


def _get(fake: FakeOneRoster, rest: list[str], params: dict, path: str):
    top = rest[0] if rest else ""
    if len(rest) == 2 and top in fake.tables:
        record = fake.tables[top].get(rest[1])
        if record is None:
            raise HttpError(404, "unknownobject", f"{top}/{rest[1]}")
        return 200, {SINGULAR[top]: project(record, selected_fields(params, FIELDS[top]))}, {}
    if len(rest) == 1 and top in fake.tables:
        return listing(fake, top, params, None, path)
    if top == "classes" and len(rest) == 3 and rest[2] in ("students", "teachers"):
        if fake.tables["classes"].get(rest[1]) is None:
            raise HttpError(404, "unknownobject", f"classes/{rest[1]}")
        role = "student" if rest[2] == "students" else "teacher"
        users = {field_value(e, "user.sourcedId") for e in fake.tables["enrollments"].all()
                 if field_value(e, "class.sourcedId") == rest[1] and e["role"] == role}
        return listing(fake, "users", params, lambda r: r["sourcedId"] in users, path)
    if top == "classes" and len(rest) == 3 and rest[2] in ("lineItems", "results"):
        return listing(fake, rest[2], params, lambda r: field_value(r, "class.sourcedId") == rest[1]
                        if rest[2] == "lineItems" else _class_of_result(fake, r) == rest[1], path)
    if top == "classes" and len(rest) == 5 and rest[2] == "lineItems" and rest[4] == "results":
        return listing(fake, "results", params, lambda r: field_value(r, "lineItem.sourcedId") == rest[3], path)
    raise HttpError(404, "unknownobject", "/".join(rest))


def _class_of_result(fake: FakeOneRoster, result: dict) -> str | None:
    if isinstance(result.get("class"), dict):
        return result["class"]["sourcedId"]
    item = fake.tables["lineItems"].get(field_value(result, "lineItem.sourcedId"))
    return field_value(item, "class.sourcedId") if item else None


def _put(fake: FakeOneRoster, collection: str, sid: str, body: dict):
    key = SINGULAR[collection]
    record = body.get(key)
    if not isinstance(record, dict):
        raise HttpError(400, "invaliddata", f"the body must be {{{key!r}: {{...}}}}")
    record = {**record, "sourcedId": sid}
    _validate(fake, collection, record)
    existed = fake.tables[collection].get(sid) is not None
    record.setdefault("status", "active")
    record["dateLastModified"] = record.get("dateLastModified") or now_iso()
    fake.tables[collection].put(record)
    return (200 if existed else 201), ({key: record} if fake.version == "1.1" else None), {}


def _post_results(fake: FakeOneRoster, item_sid: str, body: dict):
    if fake.tables["lineItems"].get(item_sid) is None:
        raise HttpError(404, "unknownobject", f"lineItems/{item_sid}")
    rows = body.get("results")
    if not isinstance(rows, list) or not rows:
        raise HttpError(400, "invaliddata", "the body must be {'results': [...]}")
    pairs = []
    for row in rows:
        supplied = row.get("sourcedId") or secrets.token_hex(8)
        record = {**row, "sourcedId": supplied}
        if field_value(record, "lineItem.sourcedId") != item_sid:
            raise HttpError(400, "invaliddata", "lineItem does not match the path")
        _validate(fake, "results", record)
        record.setdefault("status", "active")
        fake.tables["results"].put(record)
        pairs.append({"suppliedSourcedId": supplied, "allocatedSourcedId": supplied})
    return 201, {"sourcedIdPairs": pairs}, {}


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _validate(fake: FakeOneRoster, collection: str, record: dict) -> None:
    unknown = set(record) - FIELDS[collection]
    if unknown:
        raise HttpError(400, "invaliddata", f"unknown fields {sorted(unknown)}")
    if collection == "results":
        for name in ("lineItem", "student", "scoreStatus", "scoreDate"):
            if not record.get(name):
                raise HttpError(400, "invaliddata", f"{name} is required")
        if record["scoreStatus"] not in ("exempt", "fully graded", "not submitted", "partially graded", "submitted"):
            raise HttpError(400, "invaliddata", "bad scoreStatus")
        if not _DATE.match(str(record["scoreDate"])):
            raise HttpError(400, "invaliddata", "scoreDate must be a date (YYYY-MM-DD)")
        if fake.tables["lineItems"].get(field_value(record, "lineItem.sourcedId")) is None:
            raise HttpError(404, "unknownobject", "no such line item")
        if fake.tables["users"].get(field_value(record, "student.sourcedId")) is None:
            raise HttpError(404, "unknownobject", "no such student")
    if collection == "lineItems":
        needed = ("title", "assignDate", "dueDate", "class", "category") + (
            ("school",) if fake.version == "1.2" else ("gradingPeriod",))
        missing = [n for n in needed if not record.get(n)]
        if missing:
            raise HttpError(400, "invaliddata", f"missing {missing}")
        for name in ("assignDate", "dueDate"):  # 1.2 OpenAPI gradebookservice.yaml: format: date-time (422 else,
            if not _DATETIME.match(str(record[name])):  # as Prism answers a body that breaks the schema)
                raise HttpError(422, "invaliddata", f"{name} must be a date-time (ISO 8601), not {record[name]!r}")
