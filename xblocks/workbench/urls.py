"""The SDK's workbench URLs plus the page of what the LMS would record."""

from django.urls import path
from workbench.urls import urlpatterns as sdk_urlpatterns

from . import views

urlpatterns = [
    path("mooc-bridge/events/", views.events, name="mooc_bridge_events"),
    *sdk_urlpatterns,
]
