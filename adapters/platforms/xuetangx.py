"""学堂在线 (www.xuetangx.com): courses are ``/course/<sign>/<classroom id>``; learning pages need enrolment.

Learning pages (``/learn/<sign>/<sign>/<classroom>/video/<leaf>``, ``/learn/space/…``) open only for
enrolled learners, so they carry a warning naming the public course page. Old edX-style
``/courses/<key>/about`` pages still resolve as courses.
"""

from __future__ import annotations

from . import notices
from .rules import Found, Platform, Rule, build_url

SIGN = r"[A-Za-z0-9_.-]{2,64}"
CLASSROOM = r"(?P<classroom_id>[0-9]{1,15})"
LEAF = r"[0-9]{1,15}"


def _course_url(found: Found) -> str:
    return build_url("www.xuetangx.com", f"/course/{found.ids['sign']}/{found.ids['classroom_id']}")


def _learning_page(found: Found) -> list:
    return [notices.warning(notices.ENROLMENT_SPECIFIC, notices.XUETANGX_LEARN, suggestion=_course_url(found))]


def _as_linked(found: Found) -> str:
    return build_url("www.xuetangx.com", found.url.path)


PLATFORM = Platform(
    id="xuetangx",
    name_zh="学堂在线",
    name_en="XuetangX",
    hosts=("*.xuetangx.com",),
    family="mooc",
    rules=(
        Rule("course", rf"/course/(?P<sign>{SIGN})/{CLASSROOM}/?", canonical=_course_url),
        Rule("video", rf"/learn/(?P<sign>{SIGN})/(?P<course_sign>{SIGN})/{CLASSROOM}/video/(?P<leaf_id>{LEAF})/?",
             canonical=_as_linked, warn=_learning_page),
        Rule("course", rf"/learn/space/(?P<sign>{SIGN})/(?P<course_sign>{SIGN})/{CLASSROOM}(?:/.*)?",
             canonical=_as_linked, warn=_learning_page),
        Rule("course", rf"/learn/(?P<sign>{SIGN})/(?P<course_sign>{SIGN})/{CLASSROOM}(?:/.*)?",
             canonical=_as_linked, warn=_learning_page),
        Rule("live", rf"/live/(?P<sign>{SIGN})/(?:[^/]+/)*?{CLASSROOM}/(?P<live_id>[0-9]{{1,15}})/?",
             canonical=_as_linked),
        Rule("course", rf"/training/(?P<sign>{SIGN})/(?P<training_id>[0-9]{{1,15}})/?", canonical=_as_linked),
        Rule("course", r"/courses/(?P<course_key>course-v1:[^/]{1,200}|[^/]{1,100}/[^/]{1,100}/[^/]{1,100})/about/?",
             canonical=_as_linked),
    ),
    examples=(
        "https://www.xuetangx.com/course/THU08091000384/10322765?channel=i.area.manual_search",
        "https://www.xuetangx.com/learn/THU08091000384/THU08091000384/10322765/video/17403384",
    ),
)
