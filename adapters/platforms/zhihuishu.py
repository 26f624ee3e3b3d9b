"""智慧树 / 知到 (*.zhihuishu.com): the public course home is ``coursehome.zhihuishu.com/courseHome/<id>``.

Study pages (``studyvideoh5…/stuStudy?recruitAndCourseId=…``) are tied to one class's enrolment: they are
warned about, naming the course home when the link also carries ``courseId``.
"""

from __future__ import annotations

from . import notices
from .rules import Found, Param, Platform, Rule, build_url

COURSE_ID = Param("course_id", ("courseId", "proCourseId"), r"[0-9]{1,15}", required=False)


def _home(course_id: str) -> str:
    return build_url("coursehome.zhihuishu.com", f"/courseHome/{course_id}")


def _recruit(found: Found) -> list:
    course_id = found.ids.get("course_id")
    return [notices.warning(notices.ENROLMENT_SPECIFIC, notices.ZHIHUISHU_RECRUIT,
                            suggestion=_home(course_id) if course_id else None, fallback_id=notices.ZHIHUISHU_HOME)]


def _study(found: Found) -> list:
    return [notices.warning(notices.PUBLIC_PAGE_AVAILABLE, notices.ZHIHUISHU_STUDY,
                            suggestion=_home(found.ids["course_id"]))]


def _course_home(found: Found) -> str:
    return build_url("coursehome.zhihuishu.com", found.url.path.rstrip("/"))


PLATFORM = Platform(
    id="zhihuishu",
    name_zh="智慧树",
    name_en="Zhihuishu",
    hosts=("*.zhihuishu.com",),
    family="mooc",
    rules=(
        Rule("course", r"/courseHome/(?P<course_id>[0-9]{1,15})(?P<_term>/[0-9]{1,15}/[0-9]{1,15})?/?",
             hosts=("coursehome.zhihuishu.com",), canonical=_course_home),
        Rule("course", r"/.*", (Param("recruit_and_course_id", ("recruitAndCourseId",), r"[0-9A-Za-z]{4,64}"),
                                COURSE_ID), warn=_recruit),
        Rule("live", r"/.*", (Param("live_id", ("liveId",), r"[0-9]{1,15}"),)),
        Rule("course", r"/.*", (Param("course_id", ("courseId", "proCourseId"), r"[0-9]{1,15}"),), warn=_study),
    ),
    examples=(
        "https://coursehome.zhihuishu.com/courseHome/1000007127#teachTeam",
        "https://studyvideoh5.zhihuishu.com/stuStudy?recruitAndCourseId=4b5a58515d5f4859454a585f5f445e5a",
    ),
)
