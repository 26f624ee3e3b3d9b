"""Package storage that Studio, the LMS and the workers all see: Django's storage unless a folder is named.

In Tutor ``/openedx/data`` is a separate volume per container while ``/openedx/media`` (``MEDIA_ROOT``, Django's
default storage) is mounted in the LMS, Studio and both workers (``tutor/templates/local/docker-compose.yml``);
S3, OSS and MinIO come through django-storages. Here a Django ``InMemoryStorage`` (no local paths, as a bucket)
stands for the bucket, and separate block runtimes stand for Studio and the LMS: they share nothing else.
"""

from __future__ import annotations

import json
import zipfile

import pytest
from django.core.files.storage import InMemoryStorage
from django.urls import reverse

from xblocks.scorm import links
from xblocks.scorm.hidden import current_secret
from xblocks.scorm.stores import DjangoStore, FallbackStore, LocalStore, package_store

BUCKET = InMemoryStorage()


def bucket_storage():
    """``STORAGE`` as an operator gives it: a callable returning the storage (here one shared bucket)."""
    return BUCKET


@pytest.fixture
def bucket(settings):
    global BUCKET
    BUCKET = InMemoryStorage()  # an empty bucket for each test
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {"STORAGE": bucket_storage, "STORAGE_PREFIX": "scorm-pkgs"}}
    return BUCKET


def test_without_a_folder_the_default_storage_is_used(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    store = package_store({})
    assert isinstance(store, FallbackStore)
    # FileSystemStorage: its folder, so imports stay one atomic rename; new packages go to the hidden folder
    assert isinstance(store.primary, LocalStore)
    assert store.primary.root == tmp_path / "media" / "mooc-bridge" / "scorm" / current_secret({})
    assert store.older[-1].root == tmp_path / "media" / "mooc-bridge" / "scorm"  # where earlier versions wrote
    assert package_store({"STORAGE_ROOT": str(tmp_path / "data")}).root == tmp_path / "data"


def test_a_storage_without_local_paths_is_used_through_the_storage_api():
    store = package_store({"STORAGE": "tests.xblocks.scorm.test_stores.bucket_storage"})
    primary = store.primary
    assert isinstance(primary, DjangoStore) and primary.storage is bucket_storage()
    assert primary.prefix == f"mooc-bridge/scorm/{current_secret({})}"


def test_a_studio_upload_is_served_to_learners_from_the_shared_storage(scorm, bucket, client, shared_fixtures):
    zip_path = shared_fixtures / "scorm" / "valid" / "RuntimeBasicCalls_SCORM12.zip"
    sha = scorm.shas["12"]
    author = scorm.block("staff-1")
    response = scorm.call(author, "upload_package", method="POST",
                          POST={"package": ("课程 包.zip", zip_path.read_bytes())})
    status = json.loads(response.body)
    assert response.status_code == 200 and status["valid"] and status["sha256"] == sha
    # the layout: <prefix>/<secret>/<sha256>/<path>, the manifest among them; the upload is gone
    hidden = f"scorm-pkgs/{current_secret({})}"
    assert bucket.exists(f"{hidden}/{sha}/imsmanifest.xml") and not bucket.exists(f"scorm-pkgs/{sha}")
    assert not bucket.listdir(f"{hidden}/.uploads")[1]
    # the job status lives in the storage too, so a worker elsewhere could write it
    _code, polled = scorm.json(author, "upload_status", method="GET", query=f"job={status['job']}")
    assert polled["state"] == "done" and polled["sha256"] == sha

    learner = scorm.block("alice", package_sha256=sha)
    assert scorm.call(learner, "player", method="GET").status_code == 200
    with zipfile.ZipFile(zip_path) as archive:
        name = max((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.file_size).filename
        data = archive.read(name)
    url = reverse("mooc_bridge_scorm:asset", kwargs={"course": links.NO_COURSE, "sha256": sha, "path": name,
                                                     "signature": links.signature(links.NO_COURSE, sha)})
    served = client.get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == data
    ranged = client.get(url, HTTP_RANGE="bytes=5-20")
    assert ranged.status_code == 206 and b"".join(ranged.streaming_content) == data[5:21]
    # the handler (Studio's preview) reads the same storage
    handled = scorm.call(learner, "asset", method="GET", suffix=f"{sha}/{name}")
    assert handled.status_code == 200 and b"".join(handled.app_iter) == data
    # the full report of an imported package, from the storage
    checked = scorm.json(author, "check_package", {"sha256": sha})[1]
    assert checked["valid"] is True and checked["sha256"] == sha


def test_a_worker_imports_into_the_same_storage(scorm, bucket, settings, monkeypatch, shared_fixtures):
    from xblocks.scorm import tasks

    queued = []
    monkeypatch.setattr(tasks.import_package_task, "delay", lambda *args: queued.append(args))
    settings.XBLOCK_SETTINGS = {"mooc_bridge_scorm": {**settings.XBLOCK_SETTINGS["mooc_bridge_scorm"],
                                                      "USE_CELERY": True, "CELERY_MIN_BYTES": 1}}
    author = scorm.block("staff-1")
    zip_bytes = (shared_fixtures / "scorm" / "valid" / "RuntimeBasicCalls_SCORM20043rdEdition.zip").read_bytes()
    response = scorm.call(author, "upload_package", method="POST", POST={"package": ("p.zip", zip_bytes)})
    job = json.loads(response.body)["job"]
    assert response.status_code == 202
    tasks.import_package_task.run(*queued[0])  # the worker: no STORAGE_ROOT, so it reads its own settings
    _code, polled = scorm.json(author, "upload_status", method="GET", query=f"job={job}")
    assert polled["state"] == "done" and polled["sha256"] == scorm.shas["2004"]
    assert bucket.exists(f"scorm-pkgs/{current_secret({})}/{scorm.shas['2004']}/imsmanifest.xml")


def test_a_refused_package_leaves_nothing_in_the_storage(scorm, bucket):
    author = scorm.block("staff-1")
    response = scorm.call(author, "upload_package", method="POST", POST={"package": ("x.zip", b"not a zip")})
    assert response.status_code == 400
    hidden = f"scorm-pkgs/{current_secret({})}"
    folders, _files = bucket.listdir(hidden)
    assert set(folders) <= {".jobs", ".uploads"}
    assert not bucket.listdir(f"{hidden}/.uploads")[1]
