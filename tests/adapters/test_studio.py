"""Studio course import client: token, streamed upload, polling, errors; responses fixtures and a real socket."""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from adapters.errors import DataError, FatalError, RetriableError
from adapters.http import RetryPolicy
from adapters.studio import MultipartFile, StudioClient, parse_course_id
from tests.conftest import free_port

LMS = "https://lms.example.edu"
STUDIO = "https://studio.example.edu"
COURSE = "course-v1:PKU+CS101+2025_Fall"
IMPORT_URL = f"{STUDIO}/api/courses/v0/import/{COURSE}/"
TOKEN_URL = f"{LMS}/oauth2/access_token"
SECRET = "s3cr3t-client-secret"


def fast_policy() -> RetryPolicy:
    return RetryPolicy(sleep=lambda _s: None, random=lambda: 0.0, max_attempts=4)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def archive(tmp_path) -> Path:
    path = tmp_path / "course.tar.gz"
    path.write_bytes(bytes(range(256)) * 9000)  # > 2 MiB: several chunks
    return path


@pytest.fixture
def client():
    clock = FakeClock()
    with StudioClient(STUDIO, LMS, "client-id", SECRET, retry=fast_policy(), poll_interval=5, poll_timeout=60,
                      sleep=clock.sleep, clock=clock) as made:
        made.fake_clock = clock
        yield made


def token_ok(rsps, token="tok-1"):
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": token, "token_type": "JWT", "expires_in": 3600})


def multipart_parts(body_bytes: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body_bytes)
    return {part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_content())
            for part in message.iter_parts()}


def body_of(request) -> bytes:
    body = request.body
    return body if isinstance(body, bytes) else b"".join(body)


def states(rsps, *values):
    for value in values:
        rsps.add(responses.GET, IMPORT_URL, json={"state": value})


# -- success ------------------------------------------------------------------------------------------

def test_a_successful_import(client, archive):
    uploads = []

    def on_upload(request):
        uploads.append(request)
        return 200, {}, json.dumps({"task_id": "task-42"})

    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        rsps.add_callback(responses.POST, IMPORT_URL, callback=on_upload)
        states(rsps, "Pending", "Unpacking", "Updating", "Succeeded")
        seen = []
        result = client.import_course(COURSE, archive, filename="mooc-bridge-abc.tar.gz", on_state=seen.append)

        token_form = parse_qs(rsps.calls[0].request.body)
        assert token_form == {"grant_type": ["client_credentials"], "client_id": ["client-id"],
                              "client_secret": [SECRET], "token_type": ["jwt"]}
        (request,) = uploads
        assert request.headers["Authorization"] == "JWT tok-1"
        # streamed: the body is our iterable with a Content-Length, not bytes built in memory
        assert isinstance(request.body, MultipartFile)
        assert "Transfer-Encoding" not in request.headers
        body = body_of(request)
        assert int(request.headers["Content-Length"]) == len(body) == len(request.body)
        parts = multipart_parts(body, request.headers["Content-Type"])
        assert parts["course_data"] == ("mooc-bridge-abc.tar.gz", archive.read_bytes())
        polls = [call.request for call in rsps.calls if call.request.method == "GET"]
        assert {k: v for k, v in parse_qs(urlsplit(polls[0].url).query).items()} == {
            "task_id": ["task-42"], "filename": ["mooc-bridge-abc.tar.gz"]}
        assert all(p.headers["Authorization"] == "JWT tok-1" for p in polls)
    assert result.succeeded and result.state == "Succeeded" and result.polls == 4
    assert seen == ["Pending", "Unpacking", "Updating", "Succeeded"]
    assert client.fake_clock.now == 15  # three waits of poll_interval


def test_a_file_name_without_tar_gz_gets_it(client, archive):
    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        rsps.add(responses.POST, IMPORT_URL, json={"task_id": "t"})
        task_id, filename = client.start_import(COURSE, archive, filename="package")
        assert (task_id, filename) == ("t", "package.tar.gz")
        assert b'filename="package.tar.gz"' in body_of(rsps.calls[1].request)


@pytest.mark.parametrize("name", ['course "final".tar.gz', "back\\slash.tar.gz", "a/b.tar.gz", "A&amp;B.tar.gz",
                                  "tab\tname.tar.gz", "课程 包.tar.gz", "plain.tar.gz", "R&D.tar.gz"])
def test_the_status_asks_for_the_name_studio_stored(client, archive, name):
    """Studio names the task after ``request.FILES['course_data'].name`` (Django's ``MultiPartParser``, run here
    on our body) and finds it by the status request's ``filename`` (``cms/.../api/views/course_import.py``)."""
    from django.core.files.uploadhandler import MemoryFileUploadHandler
    from django.http.multipartparser import MultiPartParser

    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        rsps.add(responses.POST, IMPORT_URL, json={"task_id": "t"})
        states(rsps, "Succeeded")
        result = client.import_course(COURSE, archive, filename=name)
        upload = rsps.calls[1].request
        body = body_of(upload)
        meta = {"CONTENT_TYPE": upload.headers["Content-Type"], "CONTENT_LENGTH": str(len(body))}
        _post, files = MultiPartParser(meta, io.BytesIO(body), [MemoryFileUploadHandler()]).parse()
        stored = files["course_data"].name
        polled = parse_qs(urlsplit(rsps.calls[2].request.url).query)["filename"]
    assert polled == [stored] == [result.filename]
    assert stored.endswith(".tar.gz")
    if name in ("plain.tar.gz", "课程 包.tar.gz", "R&D.tar.gz"):
        assert stored == name  # nothing to change


# -- failures -------------------------------------------------------------------------------------------

def test_a_failed_import_is_reported_as_failed(client, archive):
    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        rsps.add(responses.POST, IMPORT_URL, json={"task_id": "t"})
        states(rsps, "Verifying", "Failed")
        result = client.import_course(COURSE, archive)
    assert not result.succeeded and result.state == "Failed" and result.polls == 2


def test_refused_client_credentials_stop_before_any_upload(client, archive):
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, TOKEN_URL, status=401, json={"error": "invalid_client", "client_secret": SECRET})
        with pytest.raises(FatalError) as caught:
            client.import_course(COURSE, archive)
        assert [call.request.url for call in rsps.calls] == [TOKEN_URL]
    error = caught.value
    assert error.code == "bad_credentials" and error.status == 401
    assert SECRET not in str(error) and SECRET not in (error.body or "") and SECRET not in json.dumps(error.to_dict())


def test_a_token_studio_refuses_is_renewed_once_then_fatal(client, archive):
    with responses.RequestsMock() as rsps:
        token_ok(rsps, "tok-1")
        rsps.add(responses.POST, IMPORT_URL, status=401, json={"detail": "expired"})
        token_ok(rsps, "tok-2")
        rsps.add(responses.POST, IMPORT_URL, status=401, json={"detail": "still no"})
        with pytest.raises(FatalError) as caught:
            client.start_import(COURSE, archive)
        uploads = [c.request for c in rsps.calls if c.request.url == IMPORT_URL]
        assert [u.headers["Authorization"] for u in uploads] == ["JWT tok-1", "JWT tok-2"]
    assert caught.value.code == "unauthorized" and caught.value.status == 401


def test_forbidden_course_is_fatal_with_the_reason(client, archive):
    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        rsps.add(responses.POST, IMPORT_URL, status=403,
                 json={"developer_message": "The requesting user does not have course author permissions.",
                       "error_code": "user_permissions"})
        with pytest.raises(FatalError) as caught:
            client.start_import(COURSE, archive)
    assert caught.value.code == "forbidden" and "course author" in caught.value.body


def test_server_errors_are_retried_and_the_whole_body_is_sent_again(client, archive):
    bodies = []

    def flaky(request):
        bodies.append(body_of(request))
        if len(bodies) < 3:
            return 503, {}, "unavailable"
        return 200, {}, json.dumps({"task_id": "t"})

    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        rsps.add_callback(responses.POST, IMPORT_URL, callback=flaky)
        rsps.add(responses.GET, IMPORT_URL, status=500, json={"developer_message": "boom"})
        rsps.add(responses.GET, IMPORT_URL, status=502)
        states(rsps, "Succeeded")
        result = client.import_course(COURSE, archive)
    assert result.succeeded
    assert len(bodies) == 3 and bodies[0] == bodies[1] == bodies[2]
    assert multipart_parts(bodies[2], "multipart/form-data; boundary=" + bodies[2][2:].split(b"\r\n")[0].decode()
                           )["course_data"][1] == archive.read_bytes()
    assert client.http.stats["retries"] == 4


def test_server_errors_that_persist_end_as_a_retriable_error(client, archive):
    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        for _ in range(4):
            rsps.add(responses.POST, IMPORT_URL, status=500, json={"developer_message": "disk full"})
        with pytest.raises(RetriableError) as caught:
            client.start_import(COURSE, archive)
    assert caught.value.status == 500 and "disk full" in caught.value.body


def test_a_timeout_while_polling_is_retried(client, archive):
    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        rsps.add(responses.POST, IMPORT_URL, json={"task_id": "t"})
        states(rsps, "Updating")
        rsps.add(responses.GET, IMPORT_URL, body=requests.exceptions.ReadTimeout("read timed out"))
        states(rsps, "Succeeded")
        result = client.import_course(COURSE, archive)
    assert result.succeeded and result.polls == 2


def test_polling_gives_up_after_the_poll_timeout(client, archive):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        token_ok(rsps)
        rsps.add(responses.POST, IMPORT_URL, json={"task_id": "t"})
        for _ in range(50):
            states(rsps, "Updating")
        with pytest.raises(RetriableError) as caught:
            client.import_course(COURSE, archive)
    assert caught.value.code == "import_timeout" and COURSE in caught.value.message
    assert client.fake_clock.now <= 60


def test_timeouts_that_persist_while_polling_end_as_a_retriable_error(client):
    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        for _ in range(4):
            rsps.add(responses.GET, IMPORT_URL, body=requests.exceptions.ReadTimeout("read timed out"))
        with pytest.raises(RetriableError) as caught:
            client.wait(COURSE, "t", "x.tar.gz")
    assert caught.value.code == "timeout"


@pytest.mark.parametrize("payload", [{}, {"task_id": ""}, {"task_id": 7}, ["task"]])
def test_an_answer_without_task_id_is_a_data_error(client, archive, payload):
    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        rsps.add(responses.POST, IMPORT_URL, json=payload)
        with pytest.raises(DataError) as caught:
            client.start_import(COURSE, archive)
    assert caught.value.code == "bad_import_response"


def test_a_status_without_state_is_a_data_error(client):
    with responses.RequestsMock() as rsps:
        token_ok(rsps)
        rsps.add(responses.GET, IMPORT_URL, json={"status": "?"})
        with pytest.raises(DataError):
            client.import_state(COURSE, "t", "x.tar.gz")


@pytest.mark.parametrize("course_id", ["", "PKU/CS101/2025", "course-v1:PKU+CS101", "course-v1:P K U+1+2",
                                       "course-v1:a+b+c/../../x", "library-v1:PKU+lib"])
def test_bad_course_ids_are_refused_before_any_request(client, archive, course_id):
    with responses.RequestsMock() as rsps, pytest.raises(FatalError) as caught:
        client.start_import(course_id, archive)
    assert caught.value.code == "bad_course_id" and not rsps.calls


def test_parse_course_id():
    assert parse_course_id(COURSE) == ("PKU", "CS101", "2025_Fall")


@pytest.mark.parametrize(("studio", "lms"), [("ftp://studio", LMS), (STUDIO, "lms.example.edu"), ("", LMS),
                                             (None, LMS), (STUDIO, "https://"), (STUDIO, "http://[::1")])
def test_urls_must_be_http(studio, lms):
    with pytest.raises(FatalError) as caught:
        StudioClient(studio, lms, "id", SECRET)
    assert caught.value.code == "invalid_url"
    assert caught.value.where["option"] == ("--studio" if studio != STUDIO else "--lms")


def test_urls_are_checked_and_normalised_as_in_a_spec():
    """The same rule as a SPEC's URLs (adapters.spec_settings.http_url): surrounding spaces and trailing slashes go."""
    with StudioClient(f"  {STUDIO}/ ", f" {LMS}// ", "id", SECRET) as client:
        assert client.http.base_url == STUDIO + "/"
        assert client.auth.token_url == LMS + "/oauth2/access_token"


def test_missing_credentials_are_fatal_before_any_request(archive):
    with responses.RequestsMock() as rsps, pytest.raises(FatalError) as caught:
        StudioClient(STUDIO, LMS, "id", "", retry=fast_policy()).start_import(COURSE, archive)
    assert caught.value.code == "missing_credentials" and not rsps.calls


# -- a real socket: the body really streams with a Content-Length --------------------------------------

class _FakeOpenedx(BaseHTTPRequestHandler):
    received: dict = {}

    def log_message(self, *args):  # keep test output quiet
        return None

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        if self.path == "/oauth2/access_token":
            self._send(200, {"access_token": "jwt-token", "token_type": "JWT", "expires_in": 60})
            return
        self.received.update(path=self.path, body=body, content_type=self.headers["Content-Type"],
                             chunked=self.headers.get("Transfer-Encoding"), auth=self.headers["Authorization"])
        self._send(200, {"task_id": "real-task"})

    def do_GET(self):
        query = parse_qs(urlsplit(self.path).query)
        self._send(200, {"state": "Succeeded" if query.get("task_id") == ["real-task"] else "Failed"})


def test_upload_to_a_real_server_on_loopback(archive):
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _FakeOpenedx)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}"
        progress = []
        with StudioClient(base, base, "id", SECRET, retry=fast_policy(), poll_interval=0) as client:
            result = client.import_course(COURSE, archive, progress=lambda done, total: progress.append((done, total)))
    finally:
        server.shutdown()
        server.server_close()
    got = _FakeOpenedx.received
    assert result.succeeded and got["auth"] == "JWT jwt-token" and got["chunked"] is None
    assert got["path"] == f"/api/courses/v0/import/{COURSE}/"
    assert multipart_parts(got["body"], got["content_type"])["course_data"] == ("course.tar.gz", archive.read_bytes())
    assert progress[-1][0] == archive.stat().st_size and len(progress) >= 2
