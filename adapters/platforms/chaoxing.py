"""超星尔雅 / 学银在线 / 学习通 (*.chaoxing.com, *.xueyinonline.com).

Public course portals: ``/course/<id>.html`` (also under ``/mooc-ans/``) and ``xueyinonline.com/detail/<id>``.
Links carrying ``clazzid`` or ``enc`` belong to one class (and ``enc`` signs them for it): warned about, naming
the course portal when ``courseId`` is present. The ``ananas`` video player works only inside Chaoxing's pages.
"""

from __future__ import annotations

from . import notices
from .rules import Found, Param, Platform, Rule, build_url, page_url

COURSE = Param("course_id", ("courseId", "moocId"), r"[0-9]{1,15}", required=False)
CLASS = Param("clazz_id", ("clazzid", "classId"), r"[0-9]{1,15}")
KNOWLEDGE = Param("knowledge_id", ("knowledgeId",), r"[0-9]{1,15}", required=False)
CHAPTER = Param("chapter_id", ("chapterId",), r"[0-9]{1,15}", required=False)
SIGNATURE = Param("enc", ("enc",), r"[0-9A-Za-z]{1,128}")


def _portal(found: Found) -> str | None:
    course_id = found.ids.get("course_id")
    if not course_id:
        return None
    host = "mooc1.xueyinonline.com" if found.host.endswith("xueyinonline.com") else "mooc1.chaoxing.com"
    return build_url(host, f"/course/{course_id}.html")


def _class_link(found: Found) -> list:
    return [notices.warning(notices.ENROLMENT_SPECIFIC, notices.CHAOXING_CLASS, suggestion=_portal(found),
                            fallback_id=notices.CHAOXING_PORTAL)]


def _player(found: Found) -> list:
    return [notices.warning(notices.INTERNAL_PLAYER, notices.CHAOXING_PLAYER)]


def _as_linked(found: Found) -> str:
    return page_url(found.url)


PLATFORM = Platform(
    id="chaoxing",
    name_zh="超星学习通",
    name_en="Chaoxing (Xuexitong, Xueyin Online)",
    hosts=("*.chaoxing.com", "*.xueyinonline.com"),
    family="mooc",
    rules=(
        Rule("class", r"/.*", (CLASS, COURSE, KNOWLEDGE, CHAPTER), canonical=_as_linked, warn=_class_link),
        Rule("class", r"/.*", (SIGNATURE, COURSE, KNOWLEDGE, CHAPTER), canonical=_as_linked, warn=_class_link),
        Rule("video", r"/ananas/modules/video/index\.html",
             (Param("object_id", ("objectid",), r"[0-9A-Za-z]{1,64}", required=False),), warn=_player),
        Rule("course", r"/(?:mooc-ans/)?course/(?P<course_id>[0-9]{1,15})\.html"),
        Rule("course", r"/detail/(?P<course_id>[0-9]{1,15})/?", hosts=("*.xueyinonline.com",)),
        Rule("resource", r"/res/look/index\.html", (Param("uuid", ("uuid",), r"[0-9A-Za-z-]{8,64}"),),
             hosts=("k.chaoxing.com",)),
        Rule("course", r"/.*", (Param("course_id", ("courseId", "moocId"), r"[0-9]{1,15}"),), canonical=_as_linked),
    ),
    examples=(
        "https://mooc1.chaoxing.com/course/206778421.html",
        "https://mooc1.chaoxing.com/mycourse/studentstudy?chapterId=1&courseId=206778421&clazzid=3&enc=abc123",
    ),
)
