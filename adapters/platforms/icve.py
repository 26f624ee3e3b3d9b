"""智慧职教 (*.icve.com.cn): course and resource pages on its several sites, identified by ``courseId``/``id``/``cid``.

国家职业教育智慧教育平台 (``vocational.smartedu.cn/Details?id=…``) hands over to icve, but its links live on the
smartedu host and resolve there.
"""

from __future__ import annotations

from .rules import Param, Platform, Rule

ID = r"[0-9A-Za-z_-]{1,64}"

PLATFORM = Platform(
    id="icve",
    name_zh="智慧职教",
    name_en="iCVE (Smart Vocational Education)",
    hosts=("*.icve.com.cn",),
    family="mooc",
    rules=(
        Rule("course", r"/(?:portal_new/courseinfo|study/directory|Portal/courseinfo)[^?#]*",
             (Param("course_id", ("courseId",), ID),), hosts=("www.icve.com.cn", "icve.com.cn")),
        Rule("course", r"/study/coursePreview/[^?#]*", (Param("course_id", ("courseId", "id"), ID),),
             hosts=("zjy2.icve.com.cn",)),
        Rule("resource", r"(?:/[^?#]*)?/materialDetailed[^/?#]*", (Param("resource_id", ("id",), ID),),
             hosts=("zyk.icve.com.cn",)),
        Rule("course", r"/cms/courseDetails/index\.htm", (Param("course_id", ("cid", "classId"), ID),),
             hosts=("mooc-old.icve.com.cn",)),
        Rule("course", r"/learnspace/learn/learn/templateeight/[^?#]*", (Param("course_id", ("courseId",), ID),),
             hosts=("course.icve.com.cn",)),
    ),
    examples=("https://www.icve.com.cn/portal_new/courseinfo/courseinfo.html?courseid=abc-1234",),
)
