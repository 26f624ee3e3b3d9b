"""The operator's separate content origin (ADR 0031), through Django's test client and the block's handlers:
package files, the launch page and scorm-again's CrossFrameAPI only on the content host and only with a valid,
unexpired token; the cookie-based view never on that host; handlers refuse requests from another origin's page;
without the setting nothing changes."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from xblocks.scorm import content_origin, links

CONTENT = "http://scorm-content.example.edu"
HOST = "scorm-content.example.edu"


@pytest.fixture
def remote(scorm, settings):
    bucket = settings.XBLOCK_SETTINGS["mooc_bridge_scorm"]
    settings.XBLOCK_SETTINGS = {**settings.XBLOCK_SETTINGS, "mooc_bridge_scorm": {**bucket, "CONTENT_ORIGIN": CONTENT}}
    settings.ALLOWED_HOSTS = ["*"]
    return scorm


def config_of(page: str) -> dict:
    return json.loads(re.search(r'id="mb-scorm-config" type="application/json">(.*?)</script>', page, re.S).group(1))


def test_tokens_are_signed_and_expire():
    signed = content_origin.token("-", "a" * 64, "2004", "http://lms.example.edu")
    assert content_origin.read_token(signed, 60) == {"c": "-", "s": "a" * 64, "v": "2004", "o": "http://lms.example.edu"}
    assert content_origin.read_token(signed[:-2] + "xx", 60) is None
    assert content_origin.read_token(signed, -1) is None  # expired
    assert content_origin.configured({"CONTENT_ORIGIN": "https://Content.Example.edu/path"}) == "https://content.example.edu"
    assert content_origin.configured({"CONTENT_ORIGIN": "javascript:alert(1)"}) is None
    assert content_origin.configured({}) is None


def test_player_points_items_at_the_content_origin(remote, client):
    block = remote.block(package_sha256=remote.shas["2004"])
    page = remote.call(block, "player", method="GET").text
    config = config_of(page)
    assert config["contentOrigin"] == CONTENT
    url = config["items"][0]["url"]
    assert url.startswith(f"{CONTENT}/mooc-bridge/scorm/content/") and "/launch?sco=" in url
    assert "cross-frame-lms.min.js" in page

    path = url[len(CONTENT):]
    launch = client.get(path, HTTP_HOST=HOST)
    assert launch.status_code == 200
    assert launch["Content-Security-Policy"] == "frame-ancestors http://localhost"  # the launcher's origin only
    assert b"CrossFrameAPI" in launch.content and b"API_1484_11" in launch.content
    assert client.get(path, HTTP_HOST="localhost").status_code == 404  # never on the LMS's own origin
    base = path.split("/launch?")[0]
    assert client.get(base + "/api.js", HTTP_HOST=HOST).status_code == 200
    sco = launch.wsgi_request.GET["sco"].split("?")[0]
    served = client.get(f"{base}/f/{sco}", HTTP_HOST=HOST)
    assert served.status_code == 200 and served["Cache-Control"].startswith("private")
    assert b"".join(served.streaming_content)
    served.close()
    assert client.get(f"{base}/f/{sco}", HTTP_HOST="localhost").status_code == 404
    assert client.get(f"{base}/f/../{sco}", HTTP_HOST=HOST).status_code == 404
    forged = base.replace("/content/", "/content/x")
    assert client.get(f"{forged}/f/{sco}", HTTP_HOST=HOST).status_code == 404


def test_cookie_view_is_not_served_on_the_content_host(remote, client):
    sha = remote.shas["12"]
    url = reverse("mooc_bridge_scorm:asset", kwargs={"course": links.NO_COURSE, "sha256": sha,
                                                     "signature": links.signature(links.NO_COURSE, sha),
                                                     "path": "imsmanifest.xml"})
    ours = client.get(url, HTTP_HOST="localhost")
    assert ours.status_code == 200 and b"".join(ours.streaming_content)
    ours.close()
    assert client.get(url, HTTP_HOST=HOST).status_code == 404


def test_without_the_setting_nothing_changes(scorm, client):
    block = scorm.block(package_sha256=scorm.shas["2004"])
    page = scorm.call(block, "player", method="GET").text
    config = config_of(page)
    assert config["contentOrigin"] is None
    assert config["items"][0]["url"].startswith("/mooc-bridge/scorm/assets/")
    assert "cross-frame-lms" not in page
    signed = content_origin.token("-", scorm.shas["2004"], "2004", "http://localhost")
    url = reverse("mooc_bridge_scorm:content_launch", kwargs={"token": signed})
    assert client.get(url, HTTP_HOST=HOST).status_code == 404


def test_handlers_refuse_a_page_of_another_origin(scorm):
    block = scorm.block(package_sha256=scorm.shas["12"])
    config = config_of(scorm.call(block, "player", method="GET").text)
    body = {"sco": config["sco"], "attempt": config["attempt"], "token": config["token"], "seq": 1,
            "data": {"cmi.core.lesson_location": "forged"}}
    refused = scorm.call(block, "commit", body, headers={"Origin": CONTENT})
    assert refused.status_code == 403
    assert scorm.call(block, "commit", body, headers={"Origin": "null"}).status_code == 403
    assert scorm.call(block, "staff_reset", {"learner": "alice"}, headers={"Origin": CONTENT}).status_code == 403
    record = block.record["attempts"][0]["scos"].get(config["sco"], {})
    assert record.get("values", {}).get("cmi.core.lesson_location") != "forged"
    same = scorm.call(block, "commit", body, headers={"Origin": "http://localhost"})
    assert same.status_code == 200 and json.loads(same.body)["result"] is True
