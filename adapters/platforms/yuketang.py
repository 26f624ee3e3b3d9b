"""雨课堂 (www.yuketang.cn and school hosts such as changjiang.yuketang.cn): every content page is a classroom's.

Classroom ids (``studentLog/<id>``, ``xcloud/video-student/<classroom>/<leaf>``, ``pro/lms/<sign>/<classroom>/…``,
``lms/<classroom>/graph/<id>``) are meaningful only to the class's members, so every such link is warned about.
The school's own host is kept in the canonical URL: it decides which sign-in the learner meets.
"""

from __future__ import annotations

from . import notices
from .rules import Found, Platform, Rule

CLASSROOM = r"(?P<classroom_id>[0-9]{1,15})"
LEAF = r"(?P<leaf_id>[0-9]{1,15})"


def _classroom(found: Found) -> list:
    return [notices.warning(notices.ENROLMENT_SPECIFIC, notices.YUKETANG_CLASSROOM,
                            fallback_id=notices.YUKETANG_PUBLIC)]


PLATFORM = Platform(
    id="yuketang",
    name_zh="雨课堂",
    name_en="Rain Classroom (Yuketang)",
    hosts=("*.yuketang.cn",),
    family="mooc",
    rules=(
        Rule("class", rf"/v2/web/studentLog/{CLASSROOM}/?", warn=_classroom),
        Rule("video", rf"/v2/web/xcloud/video-student/{CLASSROOM}/{LEAF}/?", warn=_classroom),
        Rule("video", rf"/pro/lms/(?P<sign>[A-Za-z0-9_-]{{1,64}})/{CLASSROOM}/video/{LEAF}/?", warn=_classroom),
        Rule("resource", rf"/pro/lms/(?P<sign>[A-Za-z0-9_-]{{1,64}})/{CLASSROOM}/studycontent/{LEAF}/?",
             warn=_classroom),
        Rule("resource", rf"/v2/web/lms/{CLASSROOM}/graph/(?P<graph_id>[0-9]{{1,15}})/?", warn=_classroom),
    ),
    examples=("https://changjiang.yuketang.cn/v2/web/xcloud/video-student/18949303/3346791",),
)
