"""The record of published events, as JSON (for tests and tools) or as a page (for people)."""

from django.http import JsonResponse
from django.shortcuts import render

from .models import PublishedEvent

MAX_EVENTS = 500


def events(request):
    """List published events, newest last; filter with ``?student=``, ``?usage=`` and ``?type=``."""
    queryset = PublishedEvent.objects.all()
    if request.GET.get("student"):
        queryset = queryset.filter(student_id=request.GET["student"])
    if request.GET.get("usage"):
        queryset = queryset.filter(usage_id__startswith=request.GET["usage"])
    if request.GET.get("type"):
        queryset = queryset.filter(event_type=request.GET["type"])
    rows = [event.as_dict() for event in queryset.order_by("-id")[:MAX_EVENTS]][::-1]
    if request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"events": rows})
    return render(request, "mooc_bridge/events.html", {"events": rows})
