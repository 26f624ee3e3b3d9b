"""Every platform of the catalog: real link shapes resolve to the right kind, ids, canonical URL and embed."""

from __future__ import annotations

import pytest

from adapters.platforms import Platform, all_platforms, get_platform, resolve

BV = "BV1GJ411x7h7"
UUID = "b8e9a3fe-dae7-49c0-86cb-d146f883fd8e"
CARD, IFRAME = "card", "iframe"

# url, platform, kind, ids, canonical URL, embed mode, warning codes
POSITIVE = [
    # smartedu (中小学 / 高等 / 职业 and mirrors)
    (f"https://basic.smartedu.cn/tchMaterial/detail?contentType=assets_document&contentId={UUID}&catalogType=tchMaterial",
     "smartedu", "textbook", {"content_type": "assets_document", "content_id": UUID},
     f"https://basic.smartedu.cn/tchMaterial/detail?contentType=assets_document&contentId={UUID}", CARD, []),
    (f"https://basic.smartedu.cn/syncClassroom/classActivity?activityId={UUID}&chapterId=abc-1&fromPrepare=0",
     "smartedu", "video", {"activity_id": UUID, "chapter_id": "abc-1"},
     f"https://basic.smartedu.cn/syncClassroom/classActivity?activityId={UUID}&chapterId=abc-1", CARD, []),
    (f"https://basic.cq.smartedu.cn/syncClassroom/prepare/detail?resourceId={UUID}", "smartedu", "resource",
     {"resource_id": UUID}, f"https://basic.cq.smartedu.cn/syncClassroom/prepare/detail?resourceId={UUID}", CARD, []),
    (f"https://basic.smartedu.cn/syncClassroom/examinationpapers?resourceId={UUID}", "smartedu", "resource",
     {"resource_id": UUID}, f"https://basic.smartedu.cn/syncClassroom/examinationpapers?resourceId={UUID}", CARD, []),
    ("https://higher.smartedu.cn/course/62388da5b3e1a7a0b0f33c5f?utm_source=wx", "smartedu", "course",
     {"course_id": "62388da5b3e1a7a0b0f33c5f"}, "https://higher.smartedu.cn/course/62388da5b3e1a7a0b0f33c5f", CARD, []),
    ("https://vocational.smartedu.cn/Details?id=abc123", "smartedu", "course", {"course_id": "abc123"},
     "https://vocational.smartedu.cn/Details?id=abc123", CARD, []),
    ("https://www.smartedu.cn/", "smartedu", "page", {}, "https://www.smartedu.cn/", CARD, ["unrecognised_link"]),
    # provincial and national platforms without deep-link shapes
    ("https://1s1k.eduyun.cn/portal/html/1s1k/index/1.html?from=timeline", "eduyun", "page", {},
     "https://1s1k.eduyun.cn/portal/html/1s1k/index/1.html", CARD, []),
    ("http://www.hner.cn/", "hner", "page", {}, "https://www.hner.cn/", CARD, []),
    ("https://yun.zjer.cn/index.php?r=space/school/portal&sid=1", "zjer", "page", {},
     "https://yun.zjer.cn/index.php?r=space%2Fschool%2Fportal&sid=1", CARD, []),
    ("https://www.tjjy.com.cn/kzkt", "tjedu", "page", {}, "https://www.tjjy.com.cn/kzkt", CARD, []),
    ("https://zy.tjedu.cn/", "tjedu", "page", {}, "https://zy.tjedu.cn/", CARD, []),
    ("https://www.zhixue.com/htm-vessel/#/", "zhixue", "page", {}, "https://www.zhixue.com/htm-vessel/#/", CARD, []),
    # 中国大学MOOC
    ("https://www.icourse163.org/course/ZJU-199001", "icourse163", "course", {"course": "ZJU-199001"},
     "https://www.icourse163.org/course/ZJU-199001", CARD, []),
    ("http://icourse163.org/learn/NUDT-42001?tid=488001#/learn/announce", "icourse163", "course",
     {"course": "NUDT-42001", "tid": "488001"}, "https://www.icourse163.org/course/NUDT-42001?tid=488001", CARD, []),
    ("https://www.icourse163.org/spoc/course/HIT-9003?tid=1", "icourse163", "course",
     {"course": "HIT-9003", "tid": "1"},
     "https://www.icourse163.org/spoc/course/HIT-9003?tid=1", CARD, ["spoc_course"]),
    ("https://www.icourse163.org/columns/12345.htm", "icourse163", "resource", {"column_id": "12345"},
     "https://www.icourse163.org/columns/12345.htm", CARD, []),
    # 爱课程
    ("https://www.icourses.cn/sCourse/course_3166.html", "icourses", "course", {"course_id": "3166"},
     "https://www.icourses.cn/sCourse/course_3166.html", CARD, []),
    ("https://www.icourses.cn/web/sword/portal/shareDetails?cId=4725&from=x", "icourses", "course",
     {"course_id": "4725"},
     "https://www.icourses.cn/web/sword/portal/shareDetails?cId=4725", CARD, []),
    ("https://www.icourses.cn/web/sword/portal/videoDetail?courseId=ff8080814d3b", "icourses", "course",
     {"course_id": "ff8080814d3b"}, "https://www.icourses.cn/web/sword/portal/videoDetail?courseId=ff8080814d3b",
     CARD, []),
    # 学堂在线
    ("https://www.xuetangx.com/course/THU08091000384/10322765?channel=i.area.manual_search", "xuetangx", "course",
     {"sign": "THU08091000384", "classroom_id": "10322765"},
     "https://www.xuetangx.com/course/THU08091000384/10322765", CARD, []),
    ("https://next.xuetangx.com/course/THU08091000384/10322765", "xuetangx", "course",
     {"sign": "THU08091000384", "classroom_id": "10322765"},
     "https://www.xuetangx.com/course/THU08091000384/10322765", CARD, []),
    ("https://www.xuetangx.com/learn/THU08091000384/THU08091000384/10322765/video/17403384", "xuetangx", "video",
     {"sign": "THU08091000384", "course_sign": "THU08091000384", "classroom_id": "10322765", "leaf_id": "17403384"},
     "https://www.xuetangx.com/learn/THU08091000384/THU08091000384/10322765/video/17403384", CARD,
     ["enrolment_specific"]),
    # 雨课堂
    ("https://changjiang.yuketang.cn/v2/web/xcloud/video-student/18949303/3346791", "yuketang", "video",
     {"classroom_id": "18949303", "leaf_id": "3346791"},
     "https://changjiang.yuketang.cn/v2/web/xcloud/video-student/18949303/3346791", CARD, ["enrolment_specific"]),
    ("https://www.yuketang.cn/v2/web/studentLog/1234567", "yuketang", "class", {"classroom_id": "1234567"},
     "https://www.yuketang.cn/v2/web/studentLog/1234567", CARD, ["enrolment_specific"]),
    ("https://pro.yuketang.cn/pro/lms/AbC12/556677/video/889900", "yuketang", "video",
     {"sign": "AbC12", "classroom_id": "556677", "leaf_id": "889900"},
     "https://pro.yuketang.cn/pro/lms/AbC12/556677/video/889900", CARD, ["enrolment_specific"]),
    # 智慧树
    ("https://coursehome.zhihuishu.com/courseHome/1000007127#teachTeam", "zhihuishu", "course",
     {"course_id": "1000007127"}, "https://coursehome.zhihuishu.com/courseHome/1000007127", CARD, []),
    ("https://coursehome.zhihuishu.com/courseHome/1000007127/123/456", "zhihuishu", "course",
     {"course_id": "1000007127"}, "https://coursehome.zhihuishu.com/courseHome/1000007127/123/456", CARD, []),
    ("https://studyvideoh5.zhihuishu.com/stuStudy?recruitAndCourseId=4b5a58515d5f4859454a585f5f445e5a", "zhihuishu",
     "course", {"recruit_and_course_id": "4b5a58515d5f4859454a585f5f445e5a"},
     "https://studyvideoh5.zhihuishu.com/stuStudy?recruitAndCourseId=4b5a58515d5f4859454a585f5f445e5a", CARD,
     ["enrolment_specific"]),
    # 超星 / 学银在线
    ("https://mooc1.chaoxing.com/course/206778421.html", "chaoxing", "course", {"course_id": "206778421"},
     "https://mooc1.chaoxing.com/course/206778421.html", CARD, []),
    ("https://mooc1.chaoxing.com/mooc-ans/course/206778421.html", "chaoxing", "course", {"course_id": "206778421"},
     "https://mooc1.chaoxing.com/mooc-ans/course/206778421.html", CARD, []),
    ("https://www.xueyinonline.com/detail/232458211", "chaoxing", "course", {"course_id": "232458211"},
     "https://www.xueyinonline.com/detail/232458211", CARD, []),
    ("https://mooc1.chaoxing.com/mycourse/studentstudy?chapterId=1&courseId=206778421&clazzid=3&enc=abc123",
     "chaoxing", "class", {"clazz_id": "3", "course_id": "206778421", "chapter_id": "1"},
     "https://mooc1.chaoxing.com/mycourse/studentstudy?chapterId=1&courseId=206778421&clazzid=3&enc=abc123", CARD,
     ["enrolment_specific"]),
    ("https://k.chaoxing.com/res/look/index.html?uuid=0a1b2c3d4e5f", "chaoxing", "resource", {"uuid": "0a1b2c3d4e5f"},
     "https://k.chaoxing.com/res/look/index.html?uuid=0a1b2c3d4e5f", CARD, []),
    ("https://mooc1.chaoxing.com/ananas/modules/video/index.html?objectid=8d1c9f", "chaoxing", "video",
     {"object_id": "8d1c9f"}, "https://mooc1.chaoxing.com/ananas/modules/video/index.html?objectid=8d1c9f", CARD,
     ["internal_player"]),
    # 智慧职教
    ("https://www.icve.com.cn/portal_new/courseinfo/courseinfo.html?courseid=abc-1234", "icve", "course",
     {"course_id": "abc-1234"}, "https://www.icve.com.cn/portal_new/courseinfo/courseinfo.html?courseId=abc-1234",
     CARD, []),
    ("https://zjy2.icve.com.cn/study/coursePreview/spoccourseIndex.html?courseId=xyz789", "icve", "course",
     {"course_id": "xyz789"}, "https://zjy2.icve.com.cn/study/coursePreview/spoccourseIndex.html?courseId=xyz789",
     CARD, []),
    ("https://mooc-old.icve.com.cn/cms/courseDetails/index.htm?cid=ab12", "icve", "course", {"course_id": "ab12"},
     "https://mooc-old.icve.com.cn/cms/courseDetails/index.htm?cid=ab12", CARD, []),
    # 蓝墨云班课 / 云教材
    ("https://www.mosoteach.cn/web/index.php?c=res&m=index&clazz_course_id=0D7C2A1E-3B4F-11E9-8E7B-7CD30AD3A6D8",
     "mosoteach", "class",
     {"section": "res", "view": "index", "clazz_course_id": "0D7C2A1E-3B4F-11E9-8E7B-7CD30AD3A6D8"},
     "https://www.mosoteach.cn/web/index.php?c=res&m=index&clazz_course_id=0D7C2A1E-3B4F-11E9-8E7B-7CD30AD3A6D8", CARD,
     ["enrolment_specific"]),
    ("https://www.mosobooks.cn/", "mosoteach", "page", {}, "https://www.mosobooks.cn/", CARD, ["unrecognised_link"]),
    # 优学院
    ("https://courseweb.ulearning.cn/ulearning/index.html#/course/textbook?courseId=12345", "ulearning", "textbook",
     {"course_id": "12345"}, "https://courseweb.ulearning.cn/ulearning/index.html#/course/textbook?courseId=12345",
     CARD, []),
    ("https://courseweb.ulearning.cn/ulearning/index.html#/course/homework?courseId=678", "ulearning", "assignment",
     {"course_id": "678"}, "https://courseweb.ulearning.cn/ulearning/index.html#/course/homework?courseId=678",
     CARD, []),
    # 哔哩哔哩
    (f"https://www.bilibili.com/video/{BV}/?p=2&spm_id_from=333.788&vd_source=abc", "bilibili", "video",
     {"bvid": BV, "p": "2"}, f"https://www.bilibili.com/video/{BV}/?p=2", IFRAME, []),
    (f"https://m.bilibili.com/video/{BV}?t=90", "bilibili", "video", {"bvid": BV, "t": "90"},
     f"https://www.bilibili.com/video/{BV}/?t=90", IFRAME, []),
    ("https://www.bilibili.com/video/av170001", "bilibili", "video", {"aid": "170001"},
     "https://www.bilibili.com/video/av170001/", IFRAME, []),
    (f"https://player.bilibili.com/player.html?bvid={BV}&page=3&autoplay=1", "bilibili", "video",
     {"bvid": BV, "p": "3"}, f"https://www.bilibili.com/video/{BV}/?p=3", IFRAME, []),
    ("https://www.bilibili.com/bangumi/play/ep123456", "bilibili", "video", {"episode_id": "123456"},
     "https://www.bilibili.com/bangumi/play/ep123456", CARD, []),
    ("https://www.bilibili.com/cheese/play/ss1234", "bilibili", "course", {"season_id": "1234"},
     "https://www.bilibili.com/cheese/play/ss1234", CARD, []),
    ("https://space.bilibili.com/123456/lists/789", "bilibili", "collection", {"mid": "123456", "list_id": "789"},
     "https://space.bilibili.com/123456/lists/789", CARD, []),
    ("https://live.bilibili.com/21452505", "bilibili", "live", {"room_id": "21452505"},
     "https://live.bilibili.com/21452505", CARD, []),
    ("https://b23.tv/AbC12xY", "bilibili", "page", {"short": "AbC12xY"}, "https://b23.tv/AbC12xY", CARD,
     ["short_link"]),
    # 腾讯视频
    ("https://v.qq.com/x/cover/mzc00200abcdefg/u0033nvzb5v.html?ptag=qqbrowser", "tencent_video", "video",
     {"cid": "mzc00200abcdefg", "vid": "u0033nvzb5v"},
     "https://v.qq.com/x/cover/mzc00200abcdefg/u0033nvzb5v.html", IFRAME, []),
    ("https://v.qq.com/x/page/u0033nvzb5v.html", "tencent_video", "video", {"vid": "u0033nvzb5v"},
     "https://v.qq.com/x/page/u0033nvzb5v.html", IFRAME, []),
    ("https://v.qq.com/x/cover/mzc00200abcdefg.html?vid=u0033nvzb5v", "tencent_video", "video",
     {"cid": "mzc00200abcdefg", "vid": "u0033nvzb5v"},
     "https://v.qq.com/x/cover/mzc00200abcdefg/u0033nvzb5v.html", IFRAME, []),
    ("https://v.qq.com/x/cover/mzc00200abcdefg.html", "tencent_video", "collection", {"cid": "mzc00200abcdefg"},
     "https://v.qq.com/x/cover/mzc00200abcdefg.html", CARD, []),
    ("https://v.qq.com/txp/iframe/player.html?vid=u0033nvzb5v", "tencent_video", "video", {"vid": "u0033nvzb5v"},
     "https://v.qq.com/x/page/u0033nvzb5v.html", IFRAME, []),
]


@pytest.mark.parametrize(("url", "platform", "kind", "ids", "canonical", "mode", "warnings"), POSITIVE,
                         ids=[row[0][:70] for row in POSITIVE])
def test_link_resolves(url, platform, kind, ids, canonical, mode, warnings):
    resource = resolve(url)
    assert (resource.platform, resource.kind, resource.ids) == (platform, kind, ids)
    assert resource.canonical_url == canonical
    assert resource.embed.mode == mode
    assert [warning.code for warning in resource.warnings] == warnings
    if mode == CARD:
        assert resource.embed.src == canonical


# Links on a platform's host that are not the deep link they resemble: the platform's page, never a player.
NEGATIVE = [
    ("https://www.bilibili.com/video/BV123", "bilibili"),                 # a BV id has 10 characters after "BV"
    ("https://www.bilibili.com/video/av0", "bilibili"),
    ("https://www.bilibili.com/", "bilibili"),
    ("https://player.bilibili.com/player.html?bvid=notabvid", "bilibili"),
    ("https://space.bilibili.com/123456", "bilibili"),
    ("https://v.qq.com/x/page/short.html", "tencent_video"),              # a vid has 11 characters
    ("https://v.qq.com/txp/iframe/player.html", "tencent_video"),
    ("https://v.qq.com/", "tencent_video"),
    ("https://www.icourse163.org/course/ZJU", "icourse163"),              # school code without the number
    ("https://www.icourse163.org/", "icourse163"),
    ("https://www.icourses.cn/sCourse/course_abc.html", "icourses"),
    ("https://www.xuetangx.com/course/THU08091000384", "xuetangx"),
    ("https://www.yuketang.cn/v2/web/index", "yuketang"),
    ("https://coursehome.zhihuishu.com/courseHome/abc", "zhihuishu"),
    ("https://mooc1.chaoxing.com/course/abc.html", "chaoxing"),
    ("https://www.icve.com.cn/portal_new/courseinfo/courseinfo.html", "icve"),
    ("https://www.mosoteach.cn/web/index.php?c=res&m=index&clazz_course_id=not-a-uuid", "mosoteach"),
    ("https://courseweb.ulearning.cn/ulearning/index.html#/course/textbook", "ulearning"),
    ("https://basic.smartedu.cn/tchMaterial/detail?contentId=not-a-uuid", "smartedu"),
    ("https://higher.smartedu.cn/course/xyz", "smartedu"),
]


@pytest.mark.parametrize(("url", "platform"), NEGATIVE, ids=[row[0][:70] for row in NEGATIVE])
def test_other_links_on_the_host_are_plain_pages(url, platform):
    resource = resolve(url)
    assert resource.platform == platform
    assert resource.kind == "page"
    assert resource.ids == {}
    assert resource.embed.mode == "card"
    assert [warning.code for warning in resource.warnings] == ["unrecognised_link"]


ISSUE_TABLE = {
    "smartedu": ["www.smartedu.cn", "basic.smartedu.cn"],
    "eduyun": ["www.eduyun.cn", "1s1k.eduyun.cn"],
    "hner": ["www.hner.cn"],
    "zjer": ["yun.zjer.cn"],
    "tjedu": ["www.tjedu.cn", "www.tjjy.com.cn"],
    "icourse163": ["www.icourse163.org", "kaoyan.icourse163.org"],
    "icourses": ["www.icourses.cn"],
    "xuetangx": ["www.xuetangx.com"],
    "yuketang": ["www.yuketang.cn", "changjiang.yuketang.cn"],
    "zhihuishu": ["coursehome.zhihuishu.com"],
    "chaoxing": ["mooc1.chaoxing.com", "www.xueyinonline.com"],
    "icve": ["www.icve.com.cn"],
    "mosoteach": ["www.mosoteach.cn", "www.mosobooks.cn"],
    "ulearning": ["www.ulearning.cn"],
    "zhixue": ["www.zhixue.com"],
    "bilibili": ["www.bilibili.com", "b23.tv"],
    "tencent_video": ["v.qq.com"],
}


@pytest.mark.parametrize(("platform_id", "hosts"), ISSUE_TABLE.items())
def test_every_platform_of_the_issue_owns_its_hosts(platform_id, hosts):
    platform = get_platform(platform_id)
    assert isinstance(platform, Platform)
    assert platform.name_zh and platform.name_en and platform.name_zh != platform.name_en
    for host in hosts:
        assert resolve(f"https://{host}/some/page").platform == platform_id


def test_tencent_video_is_only_v_qq_com():
    with pytest.raises(Exception) as error:
        resolve("https://y.qq.com/n/ryqq/songDetail/1")
    assert error.value.code == "unknown_host"


def test_catalog_is_the_issue_table_and_hosts_do_not_overlap():
    platforms = all_platforms()
    assert [platform.id for platform in platforms] == list(ISSUE_TABLE)
    owners: dict[str, str] = {}
    for platform in platforms:
        for pattern in platform.hosts:
            assert pattern not in owners, f"{pattern} is claimed by {owners[pattern]} and {platform.id}"
            owners[pattern] = platform.id


@pytest.mark.parametrize("platform", all_platforms(), ids=lambda platform: platform.id)
def test_examples_resolve_to_their_platform(platform):
    assert platform.examples
    for example in platform.examples:
        assert resolve(example).platform == platform.id
    assert platform.kinds[-1] == "page"
    assert platform.family in {"public", "mooc", "video", "other"}


def test_only_the_video_players_are_framed_by_default():
    framed = {platform.id for platform in all_platforms()
              for example in platform.examples if resolve(example).embed.mode == "iframe"}
    assert framed == {"bilibili", "tencent_video"}


def test_player_url_is_the_official_embed():
    resource = resolve(f"https://www.bilibili.com/video/{BV}?p=4&t=30")
    assert resource.embed.src == f"https://player.bilibili.com/player.html?bvid={BV}&p=4&t=30&autoplay=0"
    assert resolve("https://www.bilibili.com/video/av42").embed.src == (
        "https://player.bilibili.com/player.html?aid=42&p=1&autoplay=0"
    )
    assert resolve("https://v.qq.com/x/page/u0033nvzb5v.html").embed.src == (
        "https://v.qq.com/txp/iframe/player.html?vid=u0033nvzb5v"
    )


def test_enrolment_links_name_the_public_page():
    zhihuishu = resolve("https://studyvideoh5.zhihuishu.com/stuStudy?recruitAndCourseId=4b5a58&courseId=1000007127")
    (warning,) = zhihuishu.warnings
    assert warning.suggestion == "https://coursehome.zhihuishu.com/courseHome/1000007127"
    assert warning.suggestion in warning.message
    chaoxing = resolve("https://mooc1.xueyinonline.com/mycourse/stu?courseId=9&clazzid=3")
    assert chaoxing.warnings[0].suggestion == "https://mooc1.xueyinonline.com/course/9.html"
    xuetangx = resolve("https://www.xuetangx.com/learn/THU1/THU1/42/video/7")
    assert xuetangx.warnings[0].suggestion == "https://www.xuetangx.com/course/THU1/42"
    without_course = resolve("https://mooc1.chaoxing.com/x?enc=abc")
    assert without_course.warnings[0].code == "enrolment_specific"
    assert without_course.warnings[0].suggestion is None
    assert "course/" in without_course.warnings[0].message
    yuketang = resolve("https://www.yuketang.cn/v2/web/studentLog/1")
    assert "xuetangx.com/course" in yuketang.warnings[0].message


def test_canonical_urls_are_https_without_tracking_but_keep_ids():
    resource = resolve("HTTP://WWW.ICOURSE163.ORG/course/ZJU-199001?tid=7&utm_source=x&from=singlemessage#/info")
    assert resource.canonical_url == "https://www.icourse163.org/course/ZJU-199001?tid=7"
    page = resolve("http://www.hner.cn/res/view?id=42&utm_medium=qq&spm=1.2&name=数学")
    assert page.canonical_url == "https://www.hner.cn/res/view?id=42&name=%E6%95%B0%E5%AD%A6"
    assert resolve("  https://www.hner.cn/  ").url == "https://www.hner.cn/"


def test_scheme_less_links_are_read_as_https():
    assert resolve(f"www.bilibili.com/video/{BV}").canonical_url == f"https://www.bilibili.com/video/{BV}/"
    assert resolve("//v.qq.com/x/page/u0033nvzb5v.html").platform == "tencent_video"
    assert resolve("www.bilibili.com:443/").platform == "bilibili"


def test_resource_is_frozen_and_json_is_the_contract():
    resource = resolve(f"https://www.bilibili.com/video/{BV}")
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        resource.kind = "course"
    assert list(resource.to_json()) == ["url", "platform", "kind", "ids", "canonical_url", "embed", "warnings"]
    assert resource.to_json()["embed"] == {"mode": "iframe", "src": resource.embed.src}


def test_names_follow_the_language():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert resolve("https://www.icourse163.org/").platform_name == "中国大学MOOC"
        assert get_platform("bilibili").display_name() == "哔哩哔哩"
    with translation.override("en"):
        assert resolve("https://www.icourse163.org/").platform_name == "China University MOOC (icourse163)"
        assert get_platform("tencent_video").display_name() == "Tencent Video"


def test_messages_are_translated():
    from django.utils import translation

    with translation.override("zh-hans"):
        warning = resolve("https://b23.tv/abc").warnings[0]
        assert warning.code == "short_link"
        assert "b23.tv" in warning.message and any("\u4e00" <= char <= "\u9fff" for char in warning.message)
    with translation.override("en"):
        assert resolve("https://b23.tv/abc").warnings[0].message.startswith("Short b23.tv links")


def test_get_platform_of_an_unknown_id_is_none():
    assert get_platform("nope") is None
    assert get_platform("allowlisted").embed == "iframe"
