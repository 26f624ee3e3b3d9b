"""URLs of the SCORM block's plugin app, mounted by edx-platform under ``mooc-bridge/scorm/`` (see ``apps.py``)."""

from django.urls import re_path

from . import views

app_name = "mooc_bridge_scorm"

urlpatterns = [
    re_path(r"^assets/(?P<course>[^/]+)/(?P<sha256>[0-9a-f]{64})/(?P<signature>[A-Za-z0-9_-]+)/(?P<path>.+)$",
            views.asset, name="asset"),
    # the operator's separate content origin (ADR 0031): a signed token in the path instead of the session
    re_path(r"^content/(?P<token>[A-Za-z0-9_:-]+)/launch$", views.content_launch, name="content_launch"),
    re_path(r"^content/(?P<token>[A-Za-z0-9_:-]+)/api\.js$", views.content_api, name="content_api"),
    re_path(r"^content/(?P<token>[A-Za-z0-9_:-]+)/f/(?P<path>.+)$", views.content_file, name="content_file"),
]
