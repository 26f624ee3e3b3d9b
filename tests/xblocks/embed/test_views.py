"""What learners and authors see: the sandboxed player, the card, the notice for a refused link."""

from urllib.parse import parse_qs, urlsplit

import pytest

from xblocks.embed import presentation

from .support import BILIBILI, ICOURSE, RecordingRuntime, build_block, platform_name, render, select

pytestmark = pytest.mark.usefixtures("english")


def test_player_is_a_sandboxed_lazy_iframe():
    block = build_block(url=BILIBILI, display_name="Lecture 1", size="4:3")
    fragment, root = render(block)
    [iframe] = select(root, "iframe")
    assert iframe.get("title") == "Lecture 1"
    assert iframe.get("sandbox") == presentation.IFRAME_SANDBOX
    assert "allow-top-navigation" not in iframe.get("sandbox")
    allow = [part.strip() for part in iframe.get("allow").split(";")]
    assert {"fullscreen", "encrypted-media", "picture-in-picture", "autoplay 'none'"} == set(allow)
    assert iframe.get("referrerpolicy") == "strict-origin-when-cross-origin"
    assert iframe.get("loading") == "lazy"
    assert iframe.get("allowfullscreen") is not None
    src = urlsplit(iframe.get("src"))
    assert (src.scheme, src.netloc, src.path) == ("https", "player.bilibili.com", "/player.html")
    assert parse_qs(src.query)["bvid"] == ["BV1xx411c7mD"]
    assert parse_qs(src.query).get("autoplay") == ["0"]
    [frame] = select(root, ".mb-embed__frame")
    assert frame.get("style") == "aspect-ratio: 4 / 3;"
    [link] = select(root, "a.mb-embed__open")
    assert (link.get("target"), link.get("rel")) == ("_blank", "noopener noreferrer")
    assert fragment.js_init_fn == "MoocBridgeEmbedBlock"
    assert "MoocBridgeEmbedBlock" in "".join(r.data for r in fragment.resources if r.kind == "text")


def test_fixed_height_player():
    _fragment, root = render(build_block(url=BILIBILI, size="480px"))
    assert select(root, ".mb-embed__frame")[0].get("style") == "height: 480px;"


def test_card_for_a_platform_without_a_public_player():
    block = build_block(url=ICOURSE, completion_trigger="link")
    _fragment, root = render(block)
    assert select(root, "iframe") == []
    [card] = select(root, ".mb-embed__card")
    name = platform_name("icourse163")
    assert select(card, ".mb-embed__platform")[0].text_content() == name
    # the title defaults to the platform's name
    assert select(root, ".mb-embed__title")[0].text_content() == name
    assert "school account" in select(card, ".mb-embed__instructions")[0].text_content()
    [button] = select(card, "a.mb-embed__button")
    assert button.get("href").startswith("https://www.icourse163.org/")
    assert (button.get("target"), button.get("rel")) == ("_blank", "noopener noreferrer")
    [wrapper] = select(root, ".mb-embed")
    assert wrapper.get("data-completion-mode") == "link"
    assert wrapper.get("data-complete-url")


def test_author_can_force_a_card_for_a_player():
    _fragment, root = render(build_block(url=BILIBILI, display="card"))
    assert select(root, "iframe") == []
    assert "No sign-in" in select(root, ".mb-embed__instructions")[0].text_content()


def test_manual_completion_has_a_button_and_no_button_once_done():
    _fragment, root = render(build_block(url=ICOURSE, completion_trigger="manual"))
    [button] = select(root, "button.mb-embed__done")
    assert button.get("disabled") is None
    _fragment, root = render(build_block(url=ICOURSE, completion_trigger="manual", completed=True))
    assert select(root, "button.mb-embed__done")[0].get("disabled") is not None
    assert select(root, ".mb-embed__status")[0].text_content() == "Completed"


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "https://evil.example.com/course/1"])
def test_a_refused_link_shows_a_notice_and_no_link(url):
    _fragment, root = render(build_block(url=url))
    assert select(root, "iframe") == [] and select(root, "a") == []
    notice = select(root, ".mb-embed__unavailable")[0].text_content()
    assert notice.startswith("This resource cannot be shown:")


def test_operator_allow_list_reaches_the_resolver_through_the_settings_service():
    runtime = RecordingRuntime(settings_bucket={"IFRAME_ALLOWED_HOSTS": ["www.icourse163.org"], "EXTRA_PLATFORMS": []})
    _fragment, root = render(build_block(runtime, url=ICOURSE))
    assert len(select(root, "iframe")) == 1


def test_a_broken_settings_service_falls_back_to_the_builtin_catalog():
    runtime = RecordingRuntime(settings_bucket=RuntimeError("settings backend down"))
    _fragment, root = render(build_block(runtime, url=BILIBILI))
    assert len(select(root, "iframe")) == 1


def test_multi_device_and_student_view_data():
    block = build_block(url=BILIBILI, display_name="Lecture", completion_trigger="manual", size="480px")
    assert block.has_support(block.student_view, "multi_device")
    assert not block.has_support(block.author_view, "multi_device")
    data = block.student_view_data()
    assert data["platform"] == "bilibili" and data["kind"] == "video"
    assert data["embed"]["mode"] == "iframe"
    assert data["embed"]["src"].startswith("https://player.bilibili.com/player.html?")
    assert data["canonical_url"].startswith("https://")
    assert (data["title"], data["completion_mode"], data["size"]) == ("Lecture", "manual", {"height_px": 480})

    card = build_block(url=BILIBILI, display="card").student_view_data()
    assert card["embed"] == {"mode": "card", "src": None}
    assert card["title"] == card["platform_name"]

    refused = build_block(url="ftp://example.com/x").student_view_data()
    assert refused["error"]["code"] == "unsupported_scheme" and "platform" not in refused


def test_author_view_names_the_resolved_platform_and_does_not_complete():
    _fragment, root = render(build_block(url=BILIBILI), view="author_view")
    summary = select(root, ".mb-embed-author")[0].text_content()
    assert summary == f"{platform_name('bilibili')} · Video · shown as an embedded player"
    assert select(root, ".mb-embed")[0].get("data-complete-url") == ""


def test_views_follow_the_learners_language(chinese):
    _fragment, root = render(build_block(url=ICOURSE))
    button = select(root, "a.mb-embed__button")[0].text_content()
    assert button.startswith("前往中国大学MOOC")
    assert "学校账号" in select(root, ".mb-embed__instructions")[0].text_content()


@pytest.mark.parametrize("trigger", ["view", "link", "manual"])
def test_each_trigger_has_its_own_hint_and_no_catalog_header_leaks(trigger, chinese):
    fragment, root = render(build_block(url=BILIBILI, completion_trigger=trigger))
    assert "Project-Id-Version" not in fragment.content
    hints = [element.text_content() for element in select(root, ".mb-embed__hint")]
    assert len(hints) == (0 if trigger == "view" else 1)


def test_a_platform_added_in_settings_gets_a_card_with_its_familys_text_escaped():
    bucket = {"EXTRA_PLATFORMS": [{
        "id": "jxedu", "name_zh": "江西<b>教育</b>平台", "name_en": "Jiangxi <b>education</b> platform",
        "hosts": ["*.jxeduyun.com"], "family": "public",
    }]}
    block = build_block(RecordingRuntime(settings_bucket=bucket), url="https://www.jxeduyun.com/course/42")
    _fragment, root = render(block)
    assert select(root, "b") == []
    assert select(root, ".mb-embed__platform")[0].text_content() == "Jiangxi <b>education</b> platform"
    assert "account your school registered" in select(root, ".mb-embed__instructions")[0].text_content()
    assert select(root, "a.mb-embed__button")[0].get("href").startswith("https://www.jxeduyun.com/")
    # without the operator's settings the same link is refused
    _fragment, root = render(build_block(url="https://www.jxeduyun.com/course/42"))
    assert select(root, ".mb-embed__unavailable")


def test_unreadable_operator_settings_are_logged_and_ignored(caplog):
    runtime = RecordingRuntime(settings_bucket={"IFRAME_ALLOWED_HOSTS": "not a list", "EXTRA_PLATFORMS": 7})
    _fragment, root = render(build_block(runtime, url=BILIBILI))
    assert len(select(root, "iframe")) == 1
    assert "cannot be read" in caplog.text
