"""The plugin app's view of package files, through Django's test client under the workbench settings.

What is asserted is what a learner's browser and the LMS see: the bytes of the file, ``206`` with the right
slice, ``private`` caching, a streamed body, ``403`` for a user the LMS would not show the course to, ``404``
for a URL that was not signed for that course and package.
"""

from __future__ import annotations

import sys
import types

import pytest
from django.urls import reverse

from xblocks.scorm import links
from xblocks.scorm.stores import LocalStore

COURSE = "course-v1:PKU+SCORM101+2025_Fall"


def view_url(course: str, sha256: str, path: str, signature: str | None = None) -> str:
    signature = signature or links.signature(course, sha256)
    return reverse("mooc_bridge_scorm:asset", kwargs={"course": course, "sha256": sha256,
                                                     "signature": signature, "path": path})


def largest_file(root, sha256: str) -> tuple[str, bytes]:
    folder = root / sha256
    path = max((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    return path.relative_to(folder).as_posix(), path.read_bytes()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_lms_mounts_the_view_through_edx_django_utils():
    """edx-platform adds ``get_plugin_url_patterns("lms.djangoapp")`` to its URLs (``lms/urls.py``)."""
    from edx_django_utils.plugins import get_plugin_url_patterns

    patterns = get_plugin_url_patterns("lms.djangoapp")
    ours = [p for p in patterns if getattr(p, "namespace", None) == "mooc_bridge_scorm"]
    assert len(ours) == 1
    assert ours[0].pattern.regex.pattern == r"^mooc-bridge/scorm/"
    studio = get_plugin_url_patterns("cms.djangoapp")
    assert not [p for p in studio if getattr(p, "namespace", "") == "mooc_bridge_scorm"]


def test_the_player_links_package_files_to_the_view(scorm, client):
    block = scorm.block(package_sha256=scorm.shas["12"])
    page = scorm.call(block, "player", method="GET").text
    url = block._asset_url("shared/launchpage.html?x=1#top")
    assert url.startswith(f"/mooc-bridge/scorm/assets/{links.NO_COURSE}/{scorm.shas['12']}/")
    assert url.endswith("/shared/launchpage.html?x=1#top")
    assert f"/mooc-bridge/scorm/assets/{links.NO_COURSE}/{scorm.shas['12']}/" in page


def test_whole_file_streamed_and_private(scorm, client):
    sha = scorm.shas["12"]
    path, data = largest_file(scorm.root, sha)
    response = client.get(view_url(links.NO_COURSE, sha, path))
    assert response.status_code == 200
    assert response.streaming  # a StreamingHttpResponse: never the whole body in memory
    assert body(response) == data
    assert int(response["Content-Length"]) == len(data)
    assert response["Cache-Control"].startswith("private")
    assert "public" not in response["Cache-Control"]
    assert response["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("header, first, last", [("bytes=0-99", 0, 99), ("bytes=100-", 100, None),
                                                 ("bytes=-50", -50, None), ("bytes=10-10", 10, 10)])
def test_range_answers_206_with_the_slice(scorm, client, header, first, last):
    sha = scorm.shas["12"]
    path, data = largest_file(scorm.root, sha)
    response = client.get(view_url(links.NO_COURSE, sha, path), HTTP_RANGE=header)
    assert response.status_code == 206
    wanted = data[first:] if last is None else data[first:last + 1]
    assert body(response) == wanted
    start = first if first >= 0 else len(data) + first
    assert response["Content-Range"] == f"bytes {start}-{start + len(wanted) - 1}/{len(data)}"
    assert response["Cache-Control"].startswith("private")


def test_conditional_and_unsatisfiable(scorm, client):
    sha = scorm.shas["12"]
    path, data = largest_file(scorm.root, sha)
    url = view_url(links.NO_COURSE, sha, path)
    first = client.get(url)
    etag = first["ETag"]
    first.close()  # as the WSGI server does: the unread file is closed
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_RANGE=f"bytes={len(data) + 5}-").status_code == 416
    head = client.head(url)
    assert head.status_code == 200 and int(head["Content-Length"]) == len(data) and head.content == b""


def test_urls_not_signed_for_that_course_and_package_are_404(scorm, client):
    sha, other = scorm.shas["12"], scorm.shas["2004"]
    path, _data = largest_file(scorm.root, sha)
    assert client.get(view_url(links.NO_COURSE, sha, path, signature="x" * 27)).status_code == 404
    # a signature made for one package does not open another
    forged = view_url(links.NO_COURSE, other, "imsmanifest.xml", signature=links.signature(links.NO_COURSE, sha))
    assert client.get(forged).status_code == 404
    assert client.get(view_url(links.NO_COURSE, sha, "../" + path)).status_code == 404
    assert client.get(view_url(links.NO_COURSE, sha, "missing.html")).status_code == 404
    assert client.post(view_url(links.NO_COURSE, sha, path)).status_code == 405
    # without the LMS, only course-less (workbench) URLs are served
    assert client.get(view_url(COURSE, sha, path)).status_code == 403


# -- in the LMS: the LMS's own enrollment and access functions decide ----------------------------------------

@pytest.fixture
def lms(monkeypatch):
    """Stand-ins for the three LMS functions the view asks, with the real signatures and meanings:

    ``CourseEnrollment.is_enrolled(user, course_key)`` (``common/djangoapps/student/models/course_enrollment.py``:
    a classmethod, True for an active enrollment); ``has_access(user, action, obj, course_key=None)``
    (``lms/djangoapps/courseware/access.py``: an ``AccessResponse`` that is truthy when granted; ``"staff"`` on a
    CourseKey grants global staff and course staff/instructors); ``CourseKey.from_string`` (edx-opaque-keys:
    ``InvalidKeyError`` for a malformed key).
    """
    enrolled: set[tuple[str, str]] = set()
    course_staff: set[tuple[str, str]] = set()

    class InvalidKeyError(Exception):
        pass

    class CourseKey(str):
        @classmethod
        def from_string(cls, value):
            if not value.startswith("course-v1:") or value.count("+") != 2:
                raise InvalidKeyError(value)
            return cls(value)

    class CourseEnrollment:
        @classmethod
        def is_enrolled(cls, user, course_key):
            return (user.username, str(course_key)) in enrolled

    def has_access(user, action, obj, course_key=None):
        assert action == "staff"
        return user.is_staff or (user.username, str(obj)) in course_staff

    modules = {
        "common": {}, "common.djangoapps": {}, "common.djangoapps.student": {},
        "common.djangoapps.student.models": {"CourseEnrollment": CourseEnrollment},
        "lms": {}, "lms.djangoapps": {}, "lms.djangoapps.courseware": {},
        "lms.djangoapps.courseware.access": {"has_access": has_access},
        "opaque_keys": {"InvalidKeyError": InvalidKeyError}, "opaque_keys.edx": {},
        "opaque_keys.edx.keys": {"CourseKey": CourseKey},
    }
    for name, attributes in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        monkeypatch.setitem(sys.modules, name, module)
    return types.SimpleNamespace(enrolled=enrolled, course_staff=course_staff)


@pytest.fixture
def users(db):
    from django.contrib.auth.models import User

    return {name: User.objects.create_user(name, password="pw", is_staff=(name == "global"))
            for name in ("learner", "outsider", "teacher", "global")}


def test_only_enrolled_learners_and_staff_of_the_course_read_it(scorm, client, lms, users):
    lms.enrolled.add(("learner", COURSE))
    lms.enrolled.add(("outsider", "course-v1:PKU+OTHER+2025_Fall"))
    lms.course_staff.add(("teacher", COURSE))
    sha = scorm.shas["12"]
    path, data = largest_file(scorm.root, sha)
    url = view_url(COURSE, sha, path)
    assert client.get(url).status_code == 403  # anonymous
    for name, status in (("learner", 200), ("teacher", 200), ("global", 200), ("outsider", 403)):
        client.force_login(users[name])
        response = client.get(url)
        assert response.status_code == status, name
        if status == 200:
            assert body(response) == data
        else:
            assert response["Cache-Control"] == "private, no-store"
    client.force_login(users["learner"])
    assert client.get(view_url("not-a-course", sha, path)).status_code == 403
    assert client.get(view_url(links.NO_COURSE, sha, path)).status_code == 403  # the LMS always has courses


def test_an_operator_rule_replaces_the_lms_check(scorm, client, settings, users):
    rule = "tests.xblocks.scorm.test_asset_view.only_learner"
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {**settings.XBLOCK_SETTINGS["mooc_bridge_scorm"],
                                                      "ASSET_ACCESS": rule}}
    sha = scorm.shas["12"]
    path, _data = largest_file(scorm.root, sha)
    client.force_login(users["outsider"])
    assert client.get(view_url(COURSE, sha, path)).status_code == 403
    client.force_login(users["learner"])
    response = client.get(view_url(COURSE, sha, path))
    response.close()  # as the WSGI server does
    assert response.status_code == 200


def only_learner(user, course):
    return getattr(user, "username", "") == "learner" and course == COURSE


def test_the_view_reads_the_store_the_settings_name(scorm, client, settings, tmp_path):
    """The same view serves from whichever store the block uses (here a second folder holding one package)."""
    other = LocalStore(tmp_path / "other")
    sha = scorm.shas["12"]
    result = other.import_package(scorm.root / sha)
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {"STORAGE_ROOT": str(other.root)}}
    path, data = largest_file(other.root, result.sha256)
    assert body(client.get(view_url(links.NO_COURSE, result.sha256, path))) == data
    assert client.get(view_url(links.NO_COURSE, sha, path)).status_code == 404  # not in this store
