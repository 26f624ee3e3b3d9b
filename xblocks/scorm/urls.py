"""URLs of the SCORM block's plugin app, mounted by edx-platform under ``mooc-bridge/scorm/`` (see ``apps.py``)."""

from django.urls import re_path

from . import views

app_name = "mooc_bridge_scorm"

urlpatterns = [
    re_path(r"^assets/(?P<course>[^/]+)/(?P<sha256>[0-9a-f]{64})/(?P<signature>[A-Za-z0-9_-]+)/(?P<path>.+)$",
            views.asset, name="asset"),
]
