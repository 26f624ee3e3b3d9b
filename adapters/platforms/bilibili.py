"""哔哩哔哩 (bilibili): videos have a public, id-based player, so they are the one iframe of the catalog with 腾讯视频.

Shapes (docs/decisions/0004, research §3): ``/video/BV…`` and ``/video/av…`` with ``?p=`` (part) and
``?t=`` (start second); the official embed ``player.bilibili.com/player.html?bvid=…``; bangumi and paid
courses (``/bangumi/play/ss|ep…``, ``/cheese/play/ss|ep…``, no public player); space lists; live rooms;
``b23.tv`` short links, which cannot be followed without the network.
"""

from __future__ import annotations

from . import notices
from .rules import Found, Param, Platform, Rule, build_url

BVID = r"BV[0-9A-Za-z]{10}"
AID = r"[1-9][0-9]{0,15}"
PLAYER = "player.bilibili.com"
VIDEO_HOSTS = ("www.bilibili.com", "bilibili.com", "m.bilibili.com")
PART = Param("p", ("p", "page"), r"[1-9][0-9]{0,3}", required=False)
START = Param("t", ("t",), r"[0-9]{1,6}", required=False)


def _www(found: Found) -> str:
    return "www.bilibili.com" if found.host in VIDEO_HOSTS else found.host


def _video_page(found: Found) -> str:
    ids = found.ids
    path = f"/video/{ids['bvid']}/" if "bvid" in ids else f"/video/av{ids['aid']}/"
    params = [(name, ids[name]) for name in ("p", "t") if name in ids]
    return build_url("www.bilibili.com", path, params)


def _player(found: Found) -> str:
    ids = found.ids
    params = [("bvid", ids["bvid"])] if "bvid" in ids else [("aid", ids["aid"])]
    params.append(("p", ids.get("p", "1")))
    if "t" in ids:
        params.append(("t", ids["t"]))
    params.append(("autoplay", "0"))
    return build_url(PLAYER, "/player.html", params)


def _short_link(found: Found) -> list:
    return [notices.warning(notices.SHORT_LINK, notices.SHORT)]


def _same_path(found: Found) -> str:
    return build_url(_www(found), found.url.path.rstrip("/") or "/")


PLATFORM = Platform(
    id="bilibili",
    name_zh="哔哩哔哩",
    name_en="Bilibili",
    hosts=("*.bilibili.com", "b23.tv"),
    family="video",
    login_required=False,
    rules=(
        Rule("video", rf"/video/(?P<bvid>{BVID})/?", (PART, START), VIDEO_HOSTS, canonical=_video_page, player=_player),
        Rule("video", rf"/video/av(?P<aid>{AID})/?", (PART, START), VIDEO_HOSTS, canonical=_video_page, player=_player),
        Rule("video", r"/player\.html", (Param("bvid", ("bvid",), BVID), PART, START), (PLAYER,),
             canonical=_video_page, player=_player),
        Rule("video", r"/player\.html", (Param("aid", ("aid",), AID), PART, START), (PLAYER,),
             canonical=_video_page, player=_player),
        Rule("video", r"/bangumi/play/(?:ss(?P<season_id>[0-9]{1,12})|ep(?P<episode_id>[0-9]{1,12}))/?",
             hosts=VIDEO_HOSTS, canonical=_same_path),
        Rule("course", r"/cheese/play/(?:ss(?P<season_id>[0-9]{1,12})|ep(?P<episode_id>[0-9]{1,12}))/?",
             hosts=VIDEO_HOSTS, canonical=_same_path),
        Rule("collection", r"/(?P<mid>[0-9]{1,16})/lists/(?P<list_id>[0-9]{1,16})/?",
             hosts=("space.bilibili.com",)),
        Rule("collection", r"/(?P<mid>[0-9]{1,16})/channel/(?:collection|series)detail/?",
             (Param("sid", ("sid",), r"[0-9]{1,16}"),), hosts=("space.bilibili.com",)),
        Rule("live", r"/(?:h5/)?(?P<room_id>[0-9]{1,16})/?", hosts=("live.bilibili.com",)),
        Rule("page", r"/(?P<short>[0-9A-Za-z]{1,16})/?", hosts=("b23.tv",), warn=_short_link,
             canonical=lambda found: build_url("b23.tv", "/" + found.ids["short"])),
        Rule("page", r"/.*", hosts=("b23.tv",), warn=_short_link, canonical=lambda found: "https://b23.tv/"),
    ),
    examples=(
        "https://www.bilibili.com/video/BV1GJ411x7h7/?p=2&spm_id_from=333.788",
        "https://www.bilibili.com/video/av170001",
        "https://b23.tv/abc123",
    ),
)
