"""Package files served by full path, streamed, cached right, with Range; nothing outside the package."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st
from webob import Request

from xblocks.scorm import assets

SHA = "a" * 64


@pytest.fixture
def package(tmp_path):
    root = tmp_path / "store" / SHA
    (root / "shared").mkdir(parents=True)
    (root / "lesson1").mkdir()
    (root / "lesson2").mkdir()
    (root / "index.html").write_text("<html>top</html>")
    (root / "lesson1" / "index.html").write_text("<html>one</html>")
    (root / "lesson2" / "index.html").write_text("<html>two</html>")
    (root / "shared" / "video.mp4").write_bytes(bytes(range(256)) * 40)
    (root / "空格 文件.js").write_text("var x = 1;")
    (tmp_path / "store" / "secret.txt").write_text("outside the package")
    return root


def get(package, path, **headers):
    request = Request.blank("/", headers=headers)
    response = assets.serve(request, package, path, sha256=SHA)
    body = b"".join(response.app_iter) if response.status_code in (200, 206) else b""
    return response, body


def test_same_basename_in_different_folders_is_served_by_full_path(package):
    assert get(package, "lesson1/index.html")[1] == b"<html>one</html>"
    assert get(package, "lesson2/index.html")[1] == b"<html>two</html>"
    assert get(package, "index.html")[1] == b"<html>top</html>"


@pytest.mark.parametrize(
    "path",
    ["../secret.txt", "lesson1/../../secret.txt", "/etc/passwd", "C:/windows/win.ini", "lesson1\\index.html",
     "%2e%2e/secret.txt", "lesson1/%2e%2e/%2e%2e/secret.txt", "lesson1//index.html", "./index.html",
     "index.html\x00.png", "", "lesson1", "missing.html", "lesson1/"],
)
def test_nothing_outside_the_package_or_not_a_file(package, path):
    response, body = get(package, path)
    assert response.status_code == 404
    assert body == b""


def test_a_symlink_out_of_the_package_is_not_followed(package, tmp_path):
    os.symlink(tmp_path / "store" / "secret.txt", package / "link.txt")
    assert get(package, "link.txt")[0].status_code == 404


def test_types_caching_and_escaped_names(package):
    response, body = get(package, "%E7%A9%BA%E6%A0%BC%20%E6%96%87%E4%BB%B6.js")
    assert body == b"var x = 1;"
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == assets.IMMUTABLE
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert get(package, "shared/video.mp4")[0].headers["Content-Type"] == "video/mp4"


def test_conditional_requests(package):
    first, _ = get(package, "index.html")
    again, body = get(package, "index.html", **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and body == b""
    later, _ = get(package, "index.html", **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert later.status_code == 304
    other, body = get(package, "index.html", **{"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and body == b"<html>top</html>"


@pytest.mark.parametrize(
    ("header", "status", "start", "end"),
    [("bytes=0-99", 206, 0, 99), ("bytes=100-", 206, 100, 10239), ("bytes=-10", 206, 10230, 10239),
     ("bytes=10000-20000", 206, 10000, 10239), ("bytes=0-0", 206, 0, 0),
     ("bytes=0-1,5-6", 200, 0, 10239), ("items=0-5", 200, 0, 10239), ("bytes=abc", 200, 0, 10239)],
)
def test_ranges(package, header, status, start, end):
    data = (package / "shared" / "video.mp4").read_bytes()
    response, body = get(package, "shared/video.mp4", Range=header)
    assert response.status_code == status
    assert body == data[start:end + 1]
    assert int(response.headers["Content-Length"]) == end - start + 1
    if status == 206:
        assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(data)}"


def test_unsatisfiable_range(package):
    response, _ = get(package, "shared/video.mp4", Range="bytes=999999-")
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */10240"


def test_if_range_with_a_stale_etag_sends_the_whole_file(package):
    response, body = get(package, "shared/video.mp4", Range="bytes=0-9", **{"If-Range": '"stale"'})
    assert response.status_code == 200 and len(body) == 10240


def test_head_and_methods(package):
    head = assets.serve(Request.blank("/", method="HEAD"), package, "index.html", sha256=SHA)
    assert head.status_code == 200 and head.content_length == len("<html>top</html>")
    post = assets.serve(Request.blank("/", method="POST"), package, "index.html", sha256=SHA)
    assert post.status_code == 405


def test_large_files_are_streamed_in_chunks(package):
    (package / "big.bin").write_bytes(os.urandom(assets.CHUNK * 3 + 5))
    response = assets.serve(Request.blank("/"), package, "big.bin", sha256=SHA)
    chunks = list(response.app_iter)
    assert len(chunks) == 4 and max(len(c) for c in chunks) == assets.CHUNK


@given(st.text(max_size=60))
def test_clean_path_never_escapes(path):
    try:
        cleaned = assets.clean_path(path)
    except assets.BadAssetPath:
        return
    assert not cleaned.startswith("/") and ".." not in cleaned.split("/") and "\\" not in cleaned
