"""Packages in a public Django storage are not reachable by a URL guessed from their sha256 (#11, /media/ leak).

Tutor serves ``MEDIA_ROOT`` (``/openedx/media``, ``tutor/templates/apps/openedx/settings/partials/common_all.py``)
at ``/media/`` with no login; ``django.views.static.serve`` over ``MEDIA_ROOT`` stands for that here. Packages go
under an unguessable folder derived from ``SECRET_KEY`` (or ``STORAGE_SECRET``); older places stay readable
and ``manage.py … mooc_bridge_scorm_storage --move`` moves them.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InMemoryStorage
from django.core.management import call_command
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.views.static import serve

from scorm.inspect import import_package
from xblocks.scorm import links
from xblocks.scorm.hidden import current_secret, derive
from xblocks.scorm.stores import DjangoStore, LocalStore, package_store

ZIP = "RuntimeBasicCalls_SCORM12.zip"


@pytest.fixture
def media(settings, tmp_path):
    """Django's default storage on a folder, as Tutor's /openedx/media; the block uses it (no STORAGE_ROOT)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {}}
    return tmp_path / "media"


def public_media(path: str) -> int:
    """What the unauthenticated /media/ server answers for ``path`` (uWSGI's static map in Tutor)."""
    from django.conf import settings

    try:
        response = serve(RequestFactory().get(f"/media/{path}"), path, document_root=settings.MEDIA_ROOT)
    except Http404:
        return 404
    response.close()
    return response.status_code


def served(client, sha: str, name: str) -> tuple[int, bytes]:
    """What the plugin view gives a signed-in user: (status, body)."""
    url = reverse("mooc_bridge_scorm:asset", kwargs={"course": links.NO_COURSE, "sha256": sha, "path": name,
                                                     "signature": links.signature(links.NO_COURSE, sha)})
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return response.status_code, body


def largest_file(zip_path):
    with zipfile.ZipFile(zip_path) as archive:
        info = max((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.file_size)
        return info.filename, archive.read(info.filename)


def test_a_studio_upload_is_not_at_a_url_guessed_from_its_sha256(scorm, media, client, shared_fixtures):
    zip_path = shared_fixtures / "scorm" / "valid" / ZIP
    response = scorm.call(scorm.block("staff-1"), "upload_package", method="POST",
                          POST={"package": ("p.zip", zip_path.read_bytes())})
    sha = json.loads(response.body)["sha256"]
    name, data = largest_file(zip_path)
    assert public_media(f"mooc-bridge/scorm/{sha}/imsmanifest.xml") == 404
    assert public_media(f"mooc-bridge/scorm/{sha}/{name}") == 404
    secret = current_secret({})
    assert len(secret) == 32 and secret not in sha and (media / "mooc-bridge/scorm" / secret / sha).is_dir()
    # the plugin view, with its access check, is the way learners get the file
    assert served(client, sha, name) == (200, data)


def test_the_folder_is_one_per_deployment(settings):
    settings.SECRET_KEY = "the key of one deployment, as Tutor gives the LMS and Studio"
    first = current_secret({})
    assert current_secret({}) == first and first == derive(settings.SECRET_KEY)
    settings.SECRET_KEY = "the key of another deployment"
    assert current_secret({}) != first
    assert current_secret({"STORAGE_SECRET": "Z" * 40}) == "Z" * 40  # the operator's own, kept across key changes


@pytest.mark.parametrize("secret", ["short", "a/b" * 10, "../" * 10, 12345678901234567890123, ""])
def test_a_bad_storage_secret_is_refused_naming_the_setting(secret, media):
    with pytest.raises(ImproperlyConfigured, match="STORAGE_SECRET"):
        package_store({"STORAGE_SECRET": secret})
    assert not media.exists()  # nothing stored


def test_packages_of_earlier_versions_keep_working_and_move(scorm, media, client, shared_fixtures):
    zip_path = shared_fixtures / "scorm" / "valid" / ZIP
    old = import_package(zip_path, media / "mooc-bridge" / "scorm")  # where earlier versions stored it
    sha, (name, data) = old.sha256, largest_file(zip_path)
    assert public_media(f"mooc-bridge/scorm/{sha}/{name}") == 200  # the leak this fixes
    assert served(client, sha, name) == (200, data)  # still found
    assert scorm.call(scorm.block("alice", package_sha256=sha), "player", method="GET").status_code == 200

    out = io.StringIO()
    call_command("mooc_bridge_scorm_storage", stdout=out)
    assert sha in out.getvalue() and "--move" in out.getvalue()
    assert public_media(f"mooc-bridge/scorm/{sha}/{name}") == 200  # listing changes nothing

    out = io.StringIO()
    call_command("mooc_bridge_scorm_storage", "--move", stdout=out)
    assert f"{sha}: moved" in out.getvalue()
    assert public_media(f"mooc-bridge/scorm/{sha}/{name}") == 404
    assert served(client, sha, name) == (200, data)
    out = io.StringIO()
    call_command("mooc_bridge_scorm_storage", stdout=out)
    assert sha not in out.getvalue()


def test_a_rotated_secret_key_keeps_packages_readable(settings, media, client, shared_fixtures, db):
    zip_path = shared_fixtures / "scorm" / "valid" / ZIP
    stored = package_store({}).import_package(zip_path)
    name, data = largest_file(zip_path)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a new key after rotation", [old_key]
    assert served(client, stored.sha256, name) == (200, data)  # signed with the new key, read from the old folder
    store = package_store({})
    assert store.has_package(stored.sha256) and store.read(f"{stored.sha256}/{name}") == data
    call_command("mooc_bridge_scorm_storage", "--move", stdout=io.StringIO())
    assert isinstance(store.primary, LocalStore) and store.primary.has_package(stored.sha256)
    assert not store.older[0].has_package(stored.sha256)


def test_a_bucket_without_local_paths_moves_file_by_file(shared_fixtures):
    bucket = InMemoryStorage()
    zip_path = shared_fixtures / "scorm" / "valid" / ZIP
    older = DjangoStore(bucket, "mooc-bridge/scorm")
    sha = older.import_package(zip_path).sha256
    from xblocks.scorm.relocate import exposed_packages, move_package

    store = package_store({"STORAGE": lambda: bucket})
    assert [(where.prefix, found) for where, found in exposed_packages(store)] == [("mooc-bridge/scorm", sha)]
    name, data = largest_file(zip_path)
    assert store.read(f"{sha}/{name}") == data
    move_package(store, *exposed_packages(store)[0])
    assert not bucket.exists(f"mooc-bridge/scorm/{sha}/imsmanifest.xml")
    assert not bucket.exists(f"mooc-bridge/scorm/{sha}/{name}")
    assert store.primary.read(f"{sha}/{name}") == data and store.primary.has_package(sha)
    assert exposed_packages(store) == []


def test_the_operator_secret_stays_off_the_celery_broker(scorm, media, settings, monkeypatch, shared_fixtures):
    from xblocks.scorm import tasks

    queued = []
    monkeypatch.setattr(tasks.import_package_task, "delay", lambda *args: queued.append(args))
    secret = "operator-chosen-folder-0123456789"
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {"STORAGE_SECRET": secret, "STORAGE_PREFIX": "scorm",
                                                      "USE_CELERY": True, "CELERY_MIN_BYTES": 1}}
    zip_bytes = (shared_fixtures / "scorm" / "valid" / ZIP).read_bytes()
    author = scorm.block("staff-1")
    response = scorm.call(author, "upload_package", method="POST", POST={"package": ("p.zip", zip_bytes)})
    assert response.status_code == 202 and secret not in repr(queued)
    tasks.import_package_task.run(*queued[0])
    assert (media / "scorm" / secret / scorm.shas["12"] / "imsmanifest.xml").is_file()
