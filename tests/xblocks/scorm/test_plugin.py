"""The SCORM block's plugin app: declared for Studio and the LMS, and its import task known to Celery."""

import configparser
from pathlib import Path

from celery import current_app
from django.apps import apps

ROOT = Path(__file__).resolve().parents[3]


def entry_points(group):
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options.entry_points"][group].strip().splitlines()
    return dict(line.replace(" ", "").split("=", 1) for line in lines)


def test_declared_for_studio_and_the_lms():
    for group in ("cms.djangoapp", "lms.djangoapp"):
        assert entry_points(group)["mooc_bridge_scorm"] == "xblocks.scorm.apps:ScormPlayerConfig"


def test_installed_app_registers_the_import_task():
    config = apps.get_app_config("mooc_bridge_scorm")
    assert config.name == "xblocks.scorm"
    assert "mooc_bridge.scorm.import_package" in current_app.tasks
