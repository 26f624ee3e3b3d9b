"""Send an OLX course archive to a running Open edX Studio through its course import REST API.

The calls, as Studio implements them (``cms/djangoapps/contentstore/api/views/course_import.py``):

- a JWT from the LMS: ``POST {lms}/oauth2/access_token`` with ``grant_type=client_credentials`` and
  ``token_type=jwt`` (:meth:`adapters.http.ClientCredentials.openedx`), sent as ``Authorization: JWT …``.
  The OAuth application's user must have course author (staff) access to the course;
- ``POST {studio}/api/courses/v0/import/{course_id}/``, multipart field ``course_data`` holding the
  ``.tar.gz`` (its file name must end in ``.tar.gz``), answers ``{"task_id": "…"}``. The import replaces the
  course's outline and settings with the archive's;
- ``GET {studio}/api/courses/v0/import/{course_id}/?task_id=…&filename=…`` (the same file name as uploaded)
  answers ``{"state": "…"}``: ``Pending``, ``Unpacking``, ``Verifying``, ``Updating``, ``Retrying`` … until
  ``Succeeded``, ``Failed`` or ``Canceled``. The API gives no failure detail; Studio's Import page has it.

The archive is streamed from disk with a known ``Content-Length`` (never read whole into memory) and is
re-read from the start if the upload has to be retried. Every call goes through
:class:`adapters.http.HttpClient`: one retry policy, typed errors, secrets masked.
"""

from __future__ import annotations

import html
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from adapters.errors import DataError, FatalError, RetriableError
from adapters.http import ClientCredentials, HttpClient, RetryPolicy, json_body
from adapters.i18n import Translator
from adapters.spec_settings import http_url

__all__ = ["COURSE_ID", "FINAL_STATES", "ImportResult", "MultipartFile", "StudioClient", "parse_course_id",
           "upload_name"]

_ = Translator.for_package("adapters").gettext

COURSE_ID = re.compile(r"^course-v1:([A-Za-z0-9_.~-]+)\+([A-Za-z0-9_.~-]+)\+([A-Za-z0-9_.~-]+)$")
FINAL_STATES = frozenset({"Succeeded", "Failed", "Canceled"})
IMPORT_PATH = "api/courses/v0/import/{course_id}/"
CHUNK = 1 << 20


def parse_course_id(course_id: str) -> tuple[str, str, str]:
    """Return ``(org, number, run)`` of a ``course-v1:ORG+NUMBER+RUN`` id; raise :class:`FatalError` otherwise."""
    match = COURSE_ID.match(course_id or "")
    if not match:
        raise FatalError(_("\"{course_id}\" is not a course id of the form course-v1:ORG+NUMBER+RUN.").format(
            course_id=(course_id or "")[:200]), code="bad_course_id", where={"course_id": (course_id or "")[:200]})
    return match.group(1), match.group(2), match.group(3)


def upload_name(filename: str) -> str:
    """The file name to upload as, chosen so that Studio stores and looks the import up by this very name.

    Studio names the import task after ``request.FILES['course_data'].name`` and finds it again by the
    ``filename`` of the status request (``course_import.py``). Django's ``MultiPartParser`` turns the
    name we send into that one (``sanitize_file_name``: HTML entities unescaped, everything up to the last
    ``/`` or ``\\`` dropped, unprintable characters removed), after unquoting ``\\"`` and ``\\\\``. A name
    without quotes, backslashes, slashes, unprintable characters or entities comes through unchanged, so
    those are replaced by ``_`` here, once, and the same name is sent and polled.
    """
    name = "".join(char if char.isprintable() and char not in '"\\/' else "_" for char in filename)
    if html.unescape(name) != name:
        name = name.replace("&", "_")
    return name


class MultipartFile:
    """A ``multipart/form-data`` body with one file field, streamed from disk.

    ``len()`` is the exact body size (so ``requests`` sends a ``Content-Length``, not chunks); each
    iteration starts again from the first byte, so a retried request sends the whole body again.
    ``progress(done, total)`` is called as bytes go out.
    """

    def __init__(self, field: str, path: str | os.PathLike[str], filename: str,
                 content_type: str = "application/gzip", progress: Callable[[int, int], None] | None = None):
        self.path = Path(path)
        self.boundary = f"mooc-bridge-{uuid.uuid4().hex}"
        self.filename = upload_name(filename)
        self.head = (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                     f"filename=\"{self.filename}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.size = self.path.stat().st_size
        self.progress = progress

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value, with the boundary."""
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        total, done = len(self), 0
        yield self.head
        with self.path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                done += len(chunk)
                if self.progress:
                    self.progress(done, total)
                yield chunk
        yield self.tail


@dataclass(frozen=True)
class ImportResult:
    """How an import ended: ``state`` is Succeeded, Failed or Canceled; ``polls`` counts status requests."""

    course_id: str
    task_id: str
    filename: str
    state: str
    polls: int

    @property
    def succeeded(self) -> bool:
        """Whether Studio reports the import done."""
        return self.state == "Succeeded"


def _url(option: str, url: str | None) -> str:
    """``url`` as :func:`adapters.spec_settings.http_url` normalises it; ``FatalError`` (``invalid_url``) naming
    ``option`` unless it is an http(s) address."""
    try:
        checked = http_url(url)
    except ValueError:
        checked = None
    if not checked:
        raise FatalError(_("{option} must be an http(s) address, not \"{url}\".").format(
            option=option, url=(url or "")[:200]), code="invalid_url", where={"option": option})
    return checked


class StudioClient:
    """Course import through Studio's REST API, authenticated with the LMS's OAuth2 client credentials."""

    def __init__(self, studio_url: str, lms_url: str, client_id: str, client_secret: str, *,
                 retry: RetryPolicy | None = None, upload_timeout: tuple[float, float] = (10.0, 600.0),
                 poll_interval: float = 2.0, poll_timeout: float = 3600.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        """``poll_timeout`` bounds the wait for the import task; ``sleep``/``clock`` are injectable for tests."""
        studio_url, lms_url = _url("--studio", studio_url), _url("--lms", lms_url)
        self.auth = ClientCredentials.openedx(lms_url, client_id, client_secret)
        self.http = HttpClient(studio_url, auth=self.auth, retry=retry)
        self.http.secrets.add(client_secret)
        self.upload_timeout = upload_timeout
        self.poll_interval = poll_interval
        self.poll_timeout = poll_timeout
        self.sleep = sleep
        self.clock = clock

    def close(self) -> None:
        """Close the HTTP sessions."""
        self.http.close()

    def __enter__(self) -> StudioClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _path(self, course_id: str) -> str:
        parse_course_id(course_id)
        return IMPORT_PATH.format(course_id=quote(course_id, safe=":+~"))

    def start_import(self, course_id: str, archive: str | os.PathLike[str], filename: str | None = None,
                     progress: Callable[[int, int], None] | None = None) -> tuple[str, str]:
        """Upload ``archive`` (streamed) and return ``(task_id, filename)``; raise an ``AdapterError`` on failure.

        The upload may be sent again after a server error: importing the same archive twice leaves the
        course as importing it once.
        """
        filename = filename or Path(archive).name
        if not filename.endswith(".tar.gz"):
            filename += ".tar.gz"
        body = MultipartFile("course_data", archive, filename, progress=progress)
        filename = body.filename  # what Studio names the task after, so what the status request must give
        response = self.http.request("POST", self._path(course_id), data=body, idempotent=True,
                                     headers={"Content-Type": body.content_type}, timeout=self.upload_timeout)
        payload = json_body(response, self.http.secrets)
        task_id = payload.get("task_id") if isinstance(payload, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise DataError(_("Studio accepted the upload but returned no import task id."), code="bad_import_response",
                            status=response.status_code, where={"course_id": course_id})
        return task_id, filename

    def import_state(self, course_id: str, task_id: str, filename: str) -> str:
        """Return the state of import task ``task_id`` (e.g. ``"Updating"``, ``"Succeeded"``)."""
        payload = self.http.get_json(self._path(course_id), params={"task_id": task_id, "filename": filename})
        state = payload.get("state") if isinstance(payload, dict) else None
        if not isinstance(state, str) or not state:
            raise DataError(_("Studio's import status has no state."), code="bad_import_response",
                            where={"course_id": course_id, "task_id": task_id})
        return state

    def wait(self, course_id: str, task_id: str, filename: str,
             on_state: Callable[[str], None] | None = None) -> ImportResult:
        """Poll until the task ends; raise :class:`RetriableError` ``import_timeout`` after ``poll_timeout``."""
        deadline = self.clock() + self.poll_timeout
        polls = 0
        while True:
            state = self.import_state(course_id, task_id, filename)
            polls += 1
            if on_state:
                on_state(state)
            if state in FINAL_STATES:
                return ImportResult(course_id, task_id, filename, state, polls)
            if self.clock() + self.poll_interval > deadline:
                raise RetriableError(
                    _("Studio has not finished importing into {course_id} after {minutes} minutes (last state: "
                      "{state}). It may still finish: see the course's Import page in Studio.").format(
                        course_id=course_id, minutes=round(self.poll_timeout / 60), state=state),
                    code="import_timeout", where={"course_id": course_id, "task_id": task_id})
            self.sleep(self.poll_interval)

    def import_course(self, course_id: str, archive: str | os.PathLike[str], *, filename: str | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      on_state: Callable[[str], None] | None = None) -> ImportResult:
        """Upload ``archive`` into ``course_id`` and wait for the import to end; return how it ended."""
        task_id, filename = self.start_import(course_id, archive, filename=filename, progress=progress)
        return self.wait(course_id, task_id, filename, on_state=on_state)
