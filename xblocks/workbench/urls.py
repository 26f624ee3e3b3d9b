"""The SDK's workbench URLs plus the page of what the LMS would record.

XBlock handlers are CSRF-exempt here as they are in the LMS (``handle_xblock_callback`` is
``@csrf_exempt`` there): blocks rely on it for requests that cannot carry a header, such as the
SCORM player's last commit sent by ``navigator.sendBeacon`` when a page closes.
"""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from workbench import views as sdk_views
from workbench.urls import urlpatterns as sdk_urlpatterns

from . import views


def _handler(request, *args, **kwargs):
    # look the view up at call time: tests and the app's ready() may wrap the SDK's module
    return sdk_views.handler(request, *args, **kwargs)


urlpatterns = [
    path("mooc-bridge/events/", views.events, name="mooc_bridge_events"),
    # the SCORM plugin app's URLs, where the LMS mounts them (ScormPlayerConfig.plugin_app)
    path("mooc-bridge/scorm/", include("xblocks.scorm.urls")),
    re_path(r"^handler/(?P<usage_id>[^/]+)/(?P<handler_slug>[^/]*)(?:/(?P<suffix>.*))?$",
            csrf_exempt(_handler), {"authenticated": True}, name="handler"),
    *sdk_urlpatterns,
]
