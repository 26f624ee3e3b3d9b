"""腾讯视频 (v.qq.com): a public, id-based player ``v.qq.com/txp/iframe/player.html?vid=…``.

Shapes: ``/x/cover/<cid>/<vid>.html``, ``/x/cover/<cid>.html?vid=…``, ``/x/page/<vid>.html`` and the player
URL itself. A cover page without a ``vid`` is a series: a card, since the player needs a video id.
"""

from __future__ import annotations

from .rules import Found, Param, Platform, Rule, build_url

VID = r"[0-9A-Za-z]{11}"
CID = r"[0-9A-Za-z]{10,24}"
HOST = "v.qq.com"


def _page(found: Found) -> str:
    ids = found.ids
    if "cid" in ids and "vid" in ids:
        return build_url(HOST, f"/x/cover/{ids['cid']}/{ids['vid']}.html")
    if "cid" in ids:
        return build_url(HOST, f"/x/cover/{ids['cid']}.html")
    return build_url(HOST, f"/x/page/{ids['vid']}.html")


def _player(found: Found) -> str:
    return build_url(HOST, "/txp/iframe/player.html", [("vid", found.ids["vid"])])


VIDEO_ID = Param("vid", ("vid",), VID)

PLATFORM = Platform(
    id="tencent_video",
    name_zh="腾讯视频",
    name_en="Tencent Video",
    hosts=(HOST,),
    family="video",
    login_required=False,
    rules=(
        Rule("video", rf"/x/cover/(?P<cid>{CID})/(?P<vid>{VID})\.html", canonical=_page, player=_player),
        Rule("video", rf"/x/cover/(?P<cid>{CID})\.html", (VIDEO_ID,), canonical=_page, player=_player),
        Rule("collection", rf"/x/cover/(?P<cid>{CID})\.html", canonical=_page),
        Rule("video", rf"/x/page/(?P<vid>{VID})\.html", canonical=_page, player=_player),
        Rule("video", r"/txp/iframe/player\.html", (VIDEO_ID,), canonical=_page, player=_player),
    ),
    examples=(
        "https://v.qq.com/x/cover/mzc00200abcdefg/u0033nvzb5v.html?ptag=qqbrowser",
        "https://v.qq.com/x/page/u0033nvzb5v.html",
    ),
)
