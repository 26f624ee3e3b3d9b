"""Workbench scenarios of the platform-resource block (``make demo``), one per platform family and more.

Each scenario is a list of blocks given as field dictionaries; :func:`workbench_scenarios` turns them into the
XML the workbench loads, quoting every attribute, so the hostile demo titles reach the block as plain text.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from adapters.i18n import gettext_noop as N_

TAG = "mooc_bridge_embed"

# A title and a link built to run script if anything along the way forgot to escape them.
HOSTILE_TITLE = (
    "<script>window.__pwned = 'title-script'</script>"
    "<img src=x onerror=\"window.__pwned = 'title-img'\">\" onmouseover=\"window.__pwned = 'title-attr'\" '"
)
HOSTILE_URL = "https://www.bilibili.com/video/BV1xx411c7mD?p=1\"><img src=x onerror=\"window.__pwned='url-img'\">"
# no blanks: the resolver accepts it and keeps only the ids, so nothing of the markup survives
HOSTILE_URL_ACCEPTED = "https://www.icourse163.org/course/ZJU-199001?x=\"><svg/onload=window.__pwned='url-svg'>"
SCRIPT_URL = "javascript:window.__pwned='url-scheme'"

# The titles are translated where the workbench shows them (``mb_gettext`` in its templates, per request). The
# blocks' ``display_name`` values are not: they are authored field data, parsed once when the workbench starts
# (and editable in Studio), and the block shows a title as the author wrote it, so no ``?lang=`` reaches them.
SCENARIOS: list[tuple[str, list[dict[str, str]]]] = [
    (N_("Embed: national and provincial platforms"), [
        {"url": "https://basic.smartedu.cn/tchMaterial/detail?contentType=assets_document"
                "&contentId=b8e9a3fe-dae7-49c0-86cb-d146f883fd8e"},
        {"url": "https://higher.smartedu.cn/course/62bd5dbbc06e9d4b4e1f4b43", "completion_trigger": "link"},
        {"url": "https://1s1k.eduyun.cn/", "completion_trigger": "manual"},
        {"url": "https://www.hner.cn/", "completion_trigger": "link"},
        {"url": "https://yun.zjer.cn/", "completion_trigger": "link"},
        {"url": "https://www.tjedu.cn/", "completion_trigger": "manual"},
    ]),
    (N_("Embed: MOOC platforms"), [
        {"url": "https://www.icourse163.org/course/ZJU-199001", "completion_trigger": "link"},
        {"url": "https://www.xuetangx.com/course/THU08091000384/10322765", "completion_trigger": "link"},
        {"url": "https://coursehome.zhihuishu.com/courseHome/1000007337", "completion_trigger": "manual"},
        {"url": "https://mooc1.chaoxing.com/course/200837021.html", "completion_trigger": "link"},
        {"url": "https://www.icourses.cn/sCourse/course_3166.html"},
        {"url": "https://www.icve.com.cn/portal_new/courseinfo/courseinfo.html?courseid=abc-1234",
         "completion_trigger": "manual"},
    ]),
    (N_("Embed: video players"), [
        {"url": "https://www.bilibili.com/video/BV1xx411c7mD?p=2", "display_name": "Bilibili, 16:9"},
        {"url": "https://v.qq.com/x/cover/mzc00200mp8vo9b/u0033nvzb5v.html", "display_name": "Tencent Video, 480px",
         "size": "480px"},
        {"url": "https://www.bilibili.com/video/BV1xx411c7mD", "display": "card",
         "display_name": "Bilibili as a card", "completion_trigger": "link"},
    ]),
    (N_("Embed: several blocks on one page"), [
        {"url": "https://www.bilibili.com/video/BV1xx411c7mD?p=1", "display_name": "Part 1 (complete on view)"},
        {"url": "https://www.bilibili.com/video/BV1xx411c7mD?p=2", "display_name": "Part 2 (learner marks done)",
         "completion_trigger": "manual", "size": "4:3"},
        {"url": "https://www.icourse163.org/course/ZJU-199001", "display_name": "Course (complete on opening)",
         "completion_trigger": "link"},
        {"url": "https://www.xuetangx.com/course/THU08091000384/10322765", "display_name": "Reading (marks done)",
         "completion_trigger": "manual"},
    ]),
    (N_("Embed: hostile title and link"), [
        {"url": "https://www.bilibili.com/video/BV1xx411c7mD?p=3", "display_name": HOSTILE_TITLE},
        {"url": "https://www.icourse163.org/course/ZJU-199001", "display_name": HOSTILE_TITLE, "display": "card",
         "completion_trigger": "link"},
        {"url": HOSTILE_URL, "display_name": "Link with markup"},
        {"url": SCRIPT_URL, "display_name": "javascript: link"},
        {"url": HOSTILE_URL_ACCEPTED, "display_name": "Accepted link with markup", "display": "card",
         "completion_trigger": "link"},
    ]),
]


def block_xml(fields: dict[str, str]) -> str:
    """Return one ``<mooc_bridge_embed …/>`` element with every field quoted as an XML attribute."""
    attributes = " ".join(f"{name}={quoteattr(value)}" for name, value in fields.items())
    return f"<{TAG} {attributes}/>"


def workbench_scenarios() -> list[tuple[str, str]]:
    """Return ``[(title, xml)]`` for the workbench: each scenario a ``vertical_demo`` of blocks."""
    return [
        (title, "<vertical_demo>{blocks}</vertical_demo>".format(blocks="".join(block_xml(b) for b in blocks)))
        for title, blocks in SCENARIOS
    ]


def scenario_id(title: str) -> str:
    """The workbench id of the scenario called ``title`` (``mooc_bridge_embed.<index>``)."""
    titles = [name for name, _blocks in SCENARIOS]
    return f"{TAG}.{titles.index(title)}"
