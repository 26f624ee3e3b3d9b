"""爱课程 (www.icourses.cn): 资源共享课 and 视频公开课 pages, identified by ``course_<n>`` or ``cId``/``courseId``."""

from __future__ import annotations

from .rules import Param, Platform, Rule

COURSE_ID = r"[0-9A-Za-z_-]{1,64}"

PLATFORM = Platform(
    id="icourses",
    name_zh="爱课程",
    name_en="iCourses",
    hosts=("*.icourses.cn",),
    family="mooc",
    login_required=False,
    rules=(
        Rule("course", r"/sCourse/course_(?P<course_id>[0-9]{1,15})\.html"),
        Rule("course", r"/web/sword/portal/shareDetails", (Param("course_id", ("cId",), COURSE_ID),)),
        Rule("course", r"/web/sword/portal/videoDetail", (Param("course_id", ("courseId",), COURSE_ID),)),
        Rule("course", r"(?:/[^?#]*)?/(?:shareCourseDetail|videoCourseDetail)(?:\.html)?",
             (Param("course_id", ("courseId",), COURSE_ID),)),
        Rule("video", r"(?:/[^?#]*)?/videoCoursePlayer(?:\.html)?", (Param("course_id", ("courseId",), COURSE_ID),)),
    ),
    examples=("https://www.icourses.cn/sCourse/course_3166.html",),
)
