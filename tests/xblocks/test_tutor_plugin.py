"""The Tutor plugin, rendered by the real ``tutor`` from PyPI in a temporary ``TUTOR_ROOT`` (no Docker, no network).

``tutor plugins enable mooc-bridge`` finds our ``tutor.plugin.v1`` entry point in this environment (the package is
installed editable); ``tutor config save`` renders the settings, the Dockerfile and docker-compose files. The init
task is what ``tutor local do init --limit mooc-bridge`` hands to Docker: a fake ``docker`` on ``PATH`` records it,
and the script is then run with ``sh -e`` against tests/fakes/openedx_manage.py as ``./manage.py``. The settings
fragments the plugin writes are executed, and what they set is fed to our own code (the SCORM store, the
resolver, the schedules), so a renamed key fails here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from adapters.openedx.refusals import WRITABLE_GRADEBOOK_FLAG
from adapters.openedx.settings import ENV_CLIENT_ID, ENV_CLIENT_SECRET
from xblocks import scorm_import
from xblocks.tutor.plugin import DEFAULTS

TUTOR = Path(sys.executable).with_name("tutor")
FAKE_MANAGE = Path(__file__).resolve().parents[1] / "fakes" / "openedx_manage.py"
FAKE_DOCKER = """#!/bin/sh
# records each call as one JSON list of its arguments; `docker compose ls` answers that nothing runs
"{python}" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@" >> "{log}"
case " $* " in *" ls "*) echo "[]";; esac
"""
SCHEDULES = [{"name": "jw-grades-nightly", "kind": "grades",
              "from": "openedx:http://lms:8000?course=course-v1:PKU+C101+2025_T1",
              "to": "xlsx:/openedx/data/教务/成绩 \"草稿\".xlsx?profile=zhengfang",
              "options": {"max_change": 60}, "crontab": "30 2 * * *"}]


class Tutor:
    """One temporary Tutor project; ``run`` calls the real ``tutor`` command in it."""

    def __init__(self, base: Path):
        self.root, self.base = base / "root", base
        bin_dir = base / "bin"
        bin_dir.mkdir()
        docker = bin_dir / "docker"
        docker.write_text(FAKE_DOCKER.format(python=sys.executable, log=base / "docker.log"), encoding="utf-8")
        docker.chmod(0o755)
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("TUTOR_")}
        self.env.update(TUTOR_ROOT=str(self.root), TUTOR_PLUGINS_ROOT=str(base / "plugins"),
                        PATH=f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}")

    def run(self, *args: str) -> str:
        done = subprocess.run([str(TUTOR), *args], env=self.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"tutor {' '.join(args)}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def file(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def config(self) -> dict:
        return yaml.safe_load(self.file("config.yml"))

    def init_script(self) -> str:
        """The script `tutor local do init --limit mooc-bridge` runs in the LMS job container."""
        log = self.base / "docker.log"
        log.unlink(missing_ok=True)
        self.run("local", "do", "init", "--limit", "mooc-bridge")
        calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        runs = [call for call in calls if "run" in call]
        assert len(runs) == 1, calls
        command = runs[0][runs[0].index("run"):]
        assert command[:4] == ["run", "--rm", "-T", "lms-job"] and command[4:7] == ["sh", "-e", "-c"], command
        return command[7]


def settings_fragment(source: str, which: str) -> str:
    """The text one of our settings patches rendered, between its start and end markers."""
    start, end = f"# mooc-bridge {which} settings: start", f"# mooc-bridge {which} settings: end"
    assert source.count(start) == 1 and source.count(end) == 1, which
    return source[source.index(start):source.index(end)]


def run_settings(source: str, monkeypatch, features=None) -> dict:
    """Execute our fragments of a rendered settings module as Django would; returns the names they set."""
    for name in (ENV_CLIENT_ID, ENV_CLIENT_SECRET, scorm_import.ENV_ID, scorm_import.ENV_SECRET):
        monkeypatch.setenv(name, "")  # so that monkeypatch restores the variable, which the fragment sets
        monkeypatch.delenv(name)
    namespace = {"XBLOCK_SETTINGS": {"other_block": {"KEEP": 1}}, "FEATURES": {} if features is None else features}
    exec(compile(settings_fragment(source, "common"), "common", "exec"), namespace)
    if "# mooc-bridge LMS settings: start" in source:
        exec(compile(settings_fragment(source, "LMS"), "lms", "exec"), namespace)
    return namespace


def fake_platform(base: Path) -> Path:
    """A folder whose ``./manage.py`` is tests/fakes/openedx_manage.py."""
    work = base / "edx-platform"
    work.mkdir(exist_ok=True)
    manage = work / "manage.py"
    manage.write_text(f"#!{sys.executable}\n" + FAKE_MANAGE.read_text(encoding="utf-8"), encoding="utf-8")
    manage.chmod(0o755)
    return work


def run_init(script: str, base: Path, **env: str) -> list[list[str]]:
    """Run the init task with ``sh -e`` against the fake ``manage.py``; returns its calls."""
    work = fake_platform(base)
    log = base / "manage.log"
    log.unlink(missing_ok=True)
    log.touch()
    done = subprocess.run(["sh", "-e", "-c", script], cwd=work, capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"], "FAKE_MANAGE_LOG": str(log), **env})
    assert done.returncode == 0, done.stderr
    return [json.loads(line)[1:] for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def enabled(tmp_path_factory):
    """A project with the plugin enabled and its configuration saved (the secret generated once)."""
    tutor = Tutor(tmp_path_factory.mktemp("tutor"))
    tutor.run("config", "save")
    assert "mooc-bridge" in tutor.run("plugins", "list")
    tutor.run("plugins", "enable", "mooc-bridge")
    tutor.run("config", "save")
    return tutor


def test_config_has_our_defaults_and_one_generated_secret(enabled):
    config = enabled.config()
    assert "mooc-bridge" in config["PLUGINS"]
    secret = config["MOOC_BRIDGE_OAUTH2_SECRET"]
    assert len(secret) == 24 and secret.isalnum()
    assert enabled.run("config", "printvalue", "MOOC_BRIDGE_SCORM_STORAGE_ROOT").strip() == \
        "/openedx/media-private/mooc-bridge/scorm"
    enabled.run("config", "save")
    assert enabled.config()["MOOC_BRIDGE_OAUTH2_SECRET"] == secret  # kept, not generated again


def test_the_image_installs_the_package_after_the_platform_requirements(enabled):
    dockerfile = enabled.file("env/build/openedx/Dockerfile")
    version = enabled.run("config", "printvalue", "MOOC_BRIDGE_VERSION").strip()
    install = f"$PIP_COMMAND install 'mooc-bridge=={version}'"
    assert dockerfile.count(install) == 1
    stage = dockerfile[dockerfile.index("AS python-requirements"):dockerfile.index("AS nodejs-requirements")]
    assert install in stage and stage.index("requirements/edx/base.txt") < stage.index(install)


@pytest.mark.parametrize("service", ["lms", "cms"])
def test_settings_give_both_blocks_their_buckets_and_the_sync_its_credentials(enabled, service, monkeypatch):
    from xblocks.embed.block import PlatformResourceBlock
    from xblocks.scorm.block import ScormPlayerBlock
    from xblocks.scorm.stores import LocalStore, package_store

    secret = enabled.config()["MOOC_BRIDGE_OAUTH2_SECRET"]
    for variant in ("production", "development"):
        source = enabled.file(f"env/apps/openedx/settings/{service}/{variant}.py")
        compile(source, variant, "exec")  # the whole rendered module is still Python
        names = run_settings(source, monkeypatch)
        bucket = names["XBLOCK_SETTINGS"][ScormPlayerBlock.block_settings_key]
        assert bucket == {"STORAGE_ROOT": "/openedx/media-private/mooc-bridge/scorm", "USE_CELERY": True}
        store = package_store(bucket)
        assert isinstance(store, LocalStore) and store.root == Path("/openedx/media-private/mooc-bridge/scorm")
        assert PlatformResourceBlock.block_settings_key not in names["XBLOCK_SETTINGS"]  # nothing to set by default
        assert names["XBLOCK_SETTINGS"]["other_block"] == {"KEEP": 1}
        for name in (ENV_CLIENT_ID, scorm_import.ENV_ID):
            assert os.environ[name] == DEFAULTS["OAUTH2_KEY"]
        for name in (ENV_CLIENT_SECRET, scorm_import.ENV_SECRET):
            assert os.environ[name] == secret


def test_the_lms_turns_on_bulk_enrollment_and_studio_does_not(enabled, monkeypatch):
    lms = run_settings(enabled.file("env/apps/openedx/settings/lms/production.py"), monkeypatch)
    assert lms["ENABLE_BULK_ENROLLMENT_VIEW"] is True and lms["FEATURES"] == {"ENABLE_BULK_ENROLLMENT_VIEW": True}
    assert "MOOC_BRIDGE_SYNC_SCHEDULES" not in lms  # sync/plugin_settings.py's default stands
    proxy = type("FeaturesProxy", (), {"__setitem__": lambda *_: pytest.fail("FEATURES proxy written")})()
    flat = run_settings(enabled.file("env/apps/openedx/settings/lms/production.py"), monkeypatch, features=proxy)
    assert flat["ENABLE_BULK_ENROLLMENT_VIEW"] is True  # Verawood: the flat setting, no deprecated FEATURES write
    cms = run_settings(enabled.file("env/apps/openedx/settings/cms/production.py"), monkeypatch)
    assert "ENABLE_BULK_ENROLLMENT_VIEW" not in cms


def test_init_task_creates_the_service_user_its_application_and_the_gradebook_flag(enabled, tmp_path):
    script = enabled.init_script()
    secret = enabled.config()["MOOC_BRIDGE_OAUTH2_SECRET"]
    calls = run_init(script, tmp_path)
    assert calls == [
        ["manage_user", "mooc_bridge_sync", "mooc_bridge_sync@openedx", "--staff", "--unusable-password"],
        ["create_dot_application", "--grant-type", "client-credentials", "--client-id", "mooc-bridge-sync",
         "--client-secret", secret, "--update", "mooc-bridge-sync", "mooc_bridge_sync"],
        ["waffle_flag", "--list"],
        ["waffle_flag", WRITABLE_GRADEBOOK_FLAG, "--everyone", "--create"],
    ]
    assert "cache_programs" not in script
    # a flag that exists (someone set it, on or off) is left as it is
    again = run_init(script, tmp_path, FAKE_WAFFLE_FLAGS=f"other.flag,{WRITABLE_GRADEBOOK_FLAG}")
    assert again[-1] == ["waffle_flag", "--list"]


def test_the_fake_manage_refuses_what_the_real_commands_refuse(tmp_path):
    bad = "./manage.py lms create_dot_application --grant-type client_credentials app user"
    done = subprocess.run(["sh", "-e", "-c", bad], cwd=fake_platform(tmp_path), capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "FAKE_MANAGE_LOG": str(tmp_path / "m.log")}, timeout=60)
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_configured_values_reach_the_settings_the_beat_and_the_init_task(tmp_path, monkeypatch):
    from adapters.platforms.config import ResolverConfig
    from sync.schedule import parse_schedules
    from xblocks.scorm.stores import DjangoStore, FallbackStore, package_store

    tutor = Tutor(tmp_path)
    tutor.run("plugins", "enable", "mooc-bridge")
    tutor.run("config", "save",
              "--set", f"MOOC_BRIDGE_SYNC_SCHEDULES={json.dumps(SCHEDULES, ensure_ascii=False)}",
              "--set", 'MOOC_BRIDGE_EMBED_IFRAME_ALLOWED_HOSTS=["player.example.edu.cn"]',
              "--set", "MOOC_BRIDGE_SCORM_STORAGE_ROOT=",
              "--set", f"MOOC_BRIDGE_SCORM_STORAGE={__name__}.memory_storage",
              "--set", "MOOC_BRIDGE_SCORM_STORAGE_PREFIX=scorm-packages",
              "--set", "MOOC_BRIDGE_BULK_ENROLLMENT=false",
              "--set", "MOOC_BRIDGE_WRITABLE_GRADEBOOK=false",
              "--set", "MOOC_BRIDGE_PROGRAMS=true",
              "--set", "MOOC_BRIDGE_PIP_REQUIREMENT=mooc-bridge @ https://files.example.edu.cn/mooc_bridge-1.0-py3-none-any.whl")
    names = run_settings(tutor.file("env/apps/openedx/settings/lms/production.py"), monkeypatch)
    assert names["MOOC_BRIDGE_SYNC_SCHEDULES"] == SCHEDULES  # quotes and 汉字 survive the round trip
    assert [schedule.name for schedule in parse_schedules(names["MOOC_BRIDGE_SYNC_SCHEDULES"])] == ["jw-grades-nightly"]
    assert "ENABLE_BULK_ENROLLMENT_VIEW" not in names
    bucket = names["XBLOCK_SETTINGS"]["mooc_bridge_scorm"]
    assert bucket == {"STORAGE": f"{__name__}.memory_storage", "STORAGE_PREFIX": "scorm-packages",
                      "USE_CELERY": True}
    store = package_store(bucket)  # the operator's bucket, under the per-deployment secret folder (ADR 0025)
    assert isinstance(store, FallbackStore) and isinstance(store.primary, DjangoStore)
    assert store.primary.prefix.startswith("scorm-packages/") and store.primary.prefix != "scorm-packages/"
    embed = names["XBLOCK_SETTINGS"]["mooc_bridge_embed"]
    assert embed == {"IFRAME_ALLOWED_HOSTS": ["player.example.edu.cn"]}
    ResolverConfig.from_settings(embed)  # our resolver accepts what the plugin wrote
    dockerfile = tutor.file("env/build/openedx/Dockerfile")
    assert "install 'mooc-bridge @ https://files.example.edu.cn/mooc_bridge-1.0-py3-none-any.whl'" in dockerfile

    compose = yaml.safe_load(tutor.file("env/local/docker-compose.prod.yml"))
    beat = compose["services"]["mooc-bridge-beat"]
    assert beat["command"][:3] == ["celery", "--app=lms.celery", "beat"]
    assert beat["environment"]["DJANGO_SETTINGS_MODULE"] == "lms.envs.tutor.production"
    assert beat["image"] == compose["services"]["lms-worker"]["image"]

    script = tutor.init_script()
    calls = run_init(script, tmp_path)
    assert [call[0] for call in calls] == ["manage_user", "create_dot_application", "cache_programs"]
    assert run_init(script, tmp_path, FAKE_CACHE_PROGRAMS_FAILS="1")[-1] == ["cache_programs"]  # init goes on


def memory_storage():
    """A storage that is not on a disk (so the SCORM store copies file by file), for the test above."""
    from django.core.files.storage import InMemoryStorage

    return InMemoryStorage()


def test_no_beat_without_schedules_and_disabling_removes_everything(tmp_path):
    tutor = Tutor(tmp_path)
    tutor.run("plugins", "enable", "mooc-bridge")
    tutor.run("config", "save")
    assert "mooc-bridge-beat" not in yaml.safe_load(tutor.file("env/local/docker-compose.prod.yml"))["services"]
    rendered = ["env/apps/openedx/settings/lms/production.py", "env/apps/openedx/settings/cms/production.py",
                "env/build/openedx/Dockerfile"]
    assert all("mooc" in tutor.file(path) for path in rendered)
    secret = tutor.config()["MOOC_BRIDGE_OAUTH2_SECRET"]
    tutor.run("plugins", "disable", "mooc-bridge")
    assert "mooc-bridge" not in tutor.config().get("PLUGINS", [])
    # Tutor keeps generated values of a disabled plugin, so enabling it again keeps the DOT application's secret
    assert {key for key in tutor.config() if key.startswith("MOOC_BRIDGE_")} == {"MOOC_BRIDGE_OAUTH2_SECRET"}
    for path in rendered:
        assert "mooc" not in tutor.file(path).lower(), path
    shutil.rmtree(tmp_path / "root" / "env")
    tutor.run("config", "save")  # a fresh render of the disabled plugin writes none of it either
    assert all("mooc" not in tutor.file(path).lower() for path in rendered)
    tutor.run("plugins", "enable", "mooc-bridge")
    assert tutor.config()["MOOC_BRIDGE_OAUTH2_SECRET"] == secret
