"""国家智慧教育公共服务平台 (*.smartedu.cn): 中小学 (basic.), 高等 (higher.), 职业 (vocational.) and the portal.

Shapes: 电子教材 ``/tchMaterial/detail?contentType=…&contentId=<UUID>``; 同步课堂 lessons
``/syncClassroom/classActivity?activityId=<UUID>…``; prepared resources and papers ``?resourceId=<UUID>``;
精品课 ``/qualityCourse?courseId=…``; higher-education courses ``higher.smartedu.cn/course/<24 hex>``;
vocational ``vocational.smartedu.cn/Details?id=…``. Provincial mirrors (``basic.cq.smartedu.cn``) share the
paths. Assets are served from ``*.ykt.cbern.com.cn``. Most resources need a sign-in.
"""

from __future__ import annotations

from .rules import Param, Platform, Rule

UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
OPTIONAL_UUID = r"[0-9A-Za-z-]{1,64}"


def _uuid(name: str, key: str) -> Param:
    return Param(name, (key,), UUID)


def _optional(name: str, key: str) -> Param:
    return Param(name, (key,), OPTIONAL_UUID, required=False)


PLATFORM = Platform(
    id="smartedu",
    name_zh="国家智慧教育公共服务平台",
    name_en="National Smart Education Platform",
    hosts=("*.smartedu.cn", "*.ykt.cbern.com.cn"),
    family="public",
    rules=(
        Rule("textbook", r"/tchMaterial/detail/?",
             (Param("content_type", ("contentType",), r"[A-Za-z_]{1,32}", required=False),
              _uuid("content_id", "contentId"))),
        Rule("video", r"/syncClassroom/classActivity/?",
             (_uuid("activity_id", "activityId"), _optional("chapter_id", "chapterId"),
              _optional("teachingmaterial_id", "teachingmaterialId"), _optional("class_hour_id", "classHourId"))),
        Rule("resource", r"/syncClassroom/(?:prepare/detail|examinationpapers)/?",
             (_uuid("resource_id", "resourceId"),)),
        Rule("course", r"/qualityCourse[^?#]*", (Param("course_id", ("courseId",), OPTIONAL_UUID),
                                                  _optional("chapter_id", "chapterId"))),
        Rule("course", r"/course/(?P<course_id>[0-9a-f]{24})/?", hosts=("higher.smartedu.cn",)),
        Rule("course", r"/Details/?", (Param("course_id", ("id",), r"[0-9A-Za-z_-]{1,64}"),),
             hosts=("vocational.smartedu.cn",)),
    ),
    examples=(
        "https://basic.smartedu.cn/tchMaterial/detail?contentType=assets_document&contentId=b8e9a3fe-dae7-49c0-86cb-d146f883fd8e",
        "https://basic.smartedu.cn/syncClassroom/classActivity?activityId=3b3b2c5e-6a55-4f1c-8f8a-2f7f2b6c9d10",
        "https://higher.smartedu.cn/course/62388da5b3e1a7a0b0f33c5f",
    ),
)
