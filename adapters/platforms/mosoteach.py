"""蓝墨云班课 and 蓝墨云教材 (*.mosoteach.cn, *.mosobooks.cn).

Class pages ``/web/index.php?c=interaction|res|clazzcourse&m=…&clazz_course_id=<UUID>`` open only for the
class's members (who join with a class code in the app); they are warned about.
"""

from __future__ import annotations

from . import notices
from .rules import Found, Param, Platform, Rule, build_url

UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"


def _class_page(found: Found) -> str:
    params = [(name, found.url.param(name) or "") for name in ("c", "m")]
    params.append(("clazz_course_id", found.ids["clazz_course_id"]))
    return build_url(found.host, found.url.path, params)


def _class_only(found: Found) -> list:
    return [notices.warning(notices.ENROLMENT_SPECIFIC, notices.MOSOTEACH_CLASS)]


PLATFORM = Platform(
    id="mosoteach",
    name_zh="蓝墨云班课",
    name_en="Mosoteach",
    hosts=("*.mosoteach.cn", "*.mosobooks.cn"),
    family="mooc",
    rules=(
        Rule("class", r"/web/index\.php",
             (Param("section", ("c",), r"interaction|res|clazzcourse"), Param("view", ("m",), r"[A-Za-z_]{1,32}"),
              Param("clazz_course_id", ("clazz_course_id",), UUID)),
             hosts=("*.mosoteach.cn",), canonical=_class_page, warn=_class_only),
    ),
    examples=(
        "https://www.mosoteach.cn/web/index.php?c=res&m=index&clazz_course_id=0D7C2A1E-3B4F-11E9-8E7B-7CD30AD3A6D8",
    ),
)
