"""Warnings the resolver gives authors: stable codes and translated sentences, built in one place."""

from __future__ import annotations

from adapters.i18n import Translator, current_language
from adapters.i18n import gettext_noop as N_

from .model import ResolveWarning

_ = Translator.for_package("adapters").gettext

ENROLMENT_SPECIFIC = "enrolment_specific"
SHORT_LINK = "short_link"
UNRECOGNISED_LINK = "unrecognised_link"
PUBLIC_PAGE_AVAILABLE = "public_page_available"
SPOC_COURSE = "spoc_course"
INTERNAL_PLAYER = "internal_player"

USE_INSTEAD = N_("Use the public page instead: {url}")

ZHIHUISHU_RECRUIT = N_(
    "This link is tied to one class's enrolment (recruitAndCourseId), so learners outside that class cannot open it."
)
ZHIHUISHU_HOME = N_("Use the course's public home page on coursehome.zhihuishu.com (courseHome/…) instead.")
ZHIHUISHU_STUDY = N_("This is a study page that opens only for enrolled learners.")
YUKETANG_CLASSROOM = N_(
    "Classroom pages belong to one class and open only for its members, so other learners cannot open this link."
)
YUKETANG_PUBLIC = N_(
    "If the course is also published on 学堂在线, link its public page (www.xuetangx.com/course/…) instead."
)
CHAOXING_CLASS = N_(
    "This link belongs to one class (clazzid/enc) and opens only for its members, so other learners cannot open it."
)
CHAOXING_PORTAL = N_("Use the course's public portal page (mooc1.chaoxing.com/course/….html) instead.")
CHAOXING_PLAYER = N_(
    "This is the platform's internal video player, which works only inside its own course pages. "
    "Link the course page instead."
)
MOSOTEACH_CLASS = N_(
    "Class pages open only for members of the class, who must first join it with the class code in the app."
)
XUETANGX_LEARN = N_("This is a learning page that opens only for enrolled learners.")
SPOC = N_("This is a SPOC: a course open only to the students of one school, who sign in with their school account.")
SHORT = N_(
    "Short b23.tv links cannot be followed here. Open the link in a browser and paste the full video address "
    "(www.bilibili.com/video/BV…) instead."
)
UNRECOGNISED = N_(
    "The link does not point to a course, video or other resource the catalog recognises; "
    "learners will open the page exactly as linked."
)


def sentences(*parts: str) -> str:
    """Join translated sentences the way the current language writes them (no spaces between Chinese sentences)."""
    joiner = "" if current_language().lower().startswith("zh") else " "
    return joiner.join(part for part in parts if part)


def warning(
    code: str, message_id: str, suggestion: str | None = None, fallback_id: str | None = None
) -> ResolveWarning:
    """Return a warning: ``message_id`` translated, then "use … instead" naming ``suggestion`` (or ``fallback_id``)."""
    if suggestion:
        tail = _(USE_INSTEAD).format(url=suggestion)
    else:
        tail = _(fallback_id) if fallback_id else ""
    return ResolveWarning(code=code, message=sentences(_(message_id), tail), suggestion=suggestion)
