"""中国大学MOOC (www.icourse163.org): course pages by school code and number, ``?tid=`` picks the term (期次).

``/learn/<SCHOOL>-<n>`` (the enrolled learner's page) and ``/course/<SCHOOL>-<n>`` name the same course, so
the canonical URL is the public ``/course/`` page. ``/spoc/…`` courses are open only to one school.
"""

from __future__ import annotations

from . import notices
from .rules import Found, Param, Platform, Rule, build_url

COURSE = r"(?P<course>[A-Za-z0-9_%]{1,64}(?:-[A-Za-z0-9_%]{1,64}){0,3}-[0-9]{1,15})"
TERM = Param("tid", ("tid",), r"[0-9]{1,15}", required=False)
MAIN_HOSTS = ("www.icourse163.org", "icourse163.org")


def _course(prefix: str):
    def canonical(found: Found) -> str:
        params = [("tid", found.ids["tid"])] if "tid" in found.ids else []
        return build_url("www.icourse163.org", f"{prefix}/course/{found.ids['course']}", params)

    return canonical


def _spoc(found: Found) -> list:
    return [notices.warning(notices.SPOC_COURSE, notices.SPOC)]


PLATFORM = Platform(
    id="icourse163",
    name_zh="中国大学MOOC",
    name_en="China University MOOC (icourse163)",
    hosts=("*.icourse163.org",),
    family="mooc",
    rules=(
        Rule("course", rf"/spoc/(?:learn|course)/{COURSE}/?", (TERM,), MAIN_HOSTS, canonical=_course("/spoc"),
             warn=_spoc),
        Rule("course", rf"/(?:learn|course)/{COURSE}/?", (TERM,), MAIN_HOSTS, canonical=_course("")),
        Rule("resource", r"/columns/(?P<column_id>[0-9]{1,15})\.htm", hosts=MAIN_HOSTS),
        Rule("resource", r"/column/learn/(?P<column_id>[0-9]{1,15})/?", hosts=MAIN_HOSTS),
        Rule("live", r"/live/(?:[^/]+/)*?(?P<live_id>[0-9]{1,15})\.htm", hosts=MAIN_HOSTS),
    ),
    examples=(
        "https://www.icourse163.org/course/ZJU-199001",
        "https://www.icourse163.org/learn/NUDT-42001?tid=488001#/learn/announce",
    ),
)
