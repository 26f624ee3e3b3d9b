"""Properties over arbitrary input: only ResolveError escapes, iframes only point at the public players."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.platforms import PlatformResource, ResolveError, all_platforms, resolve
from adapters.platforms.resolver import PLAYER_HOSTS

KNOWN_HOSTS = sorted({pattern.removeprefix("*.") for platform in all_platforms() for pattern in platform.hosts}
                     | {"www.bilibili.com", "m.bilibili.com", "player.bilibili.com", "www.icourse163.org"})
PATHS = ["/video/BV1GJ411x7h7", "/video/av1", "/x/page/u0033nvzb5v.html", "/x/cover/mzc00200abcdefg.html",
         "/txp/iframe/player.html", "/player.html", "/course/ZJU-1", "/learn/A/B/1/video/2", "/courseHome/1",
         "/stuStudy", "/web/index.php", "/ulearning/index.html", "/tchMaterial/detail", "/"]
QUERY_KEYS = ["p", "t", "bvid", "aid", "vid", "tid", "courseId", "clazzid", "enc", "recruitAndCourseId", "contentId",
              "utm_source", "page", "id", "cId"]

link_like = st.builds(
    lambda scheme, host, path, query, fragment: f"{scheme}{host}{path}{query}{fragment}",
    st.sampled_from(["https://", "http://", "", "//", "HTTPS://", "javascript:", "ftp://", "https://user@"]),
    st.one_of(st.sampled_from(KNOWN_HOSTS), st.text(min_size=0, max_size=30)),
    st.one_of(st.sampled_from(PATHS), st.text(max_size=40).map(lambda text: "/" + text)),
    st.one_of(st.just(""), st.lists(st.tuples(st.sampled_from(QUERY_KEYS), st.text(max_size=15)), max_size=4)
              .map(lambda pairs: "?" + "&".join(f"{key}={value}" for key, value in pairs))),
    st.one_of(st.just(""), st.text(max_size=20).map(lambda text: "#" + text)),
)


def _check(outcome: PlatformResource) -> None:
    src = outcome.embed.src
    assert src is not None
    parts = urlsplit(src)
    assert parts.scheme == "https"
    if outcome.embed.mode == "iframe":
        assert parts.hostname in PLAYER_HOSTS
    assert urlsplit(outcome.canonical_url).scheme == "https"
    assert outcome.platform in {platform.id for platform in all_platforms()}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text_only_ever_raises_resolve_error(text):
    try:
        _check(resolve(text))
    except ResolveError as error:
        assert error.code and error.message


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(link_like)
def test_link_like_text_only_ever_raises_resolve_error(text):
    try:
        _check(resolve(text))
    except ResolveError as error:
        assert error.code and error.message


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(KNOWN_HOSTS), st.sampled_from(PATHS), st.text(max_size=30))
def test_resolving_the_canonical_url_is_stable(host, path, tail):
    try:
        first = resolve(f"https://{host}{path}{tail}")
    except ResolveError:
        return
    second = resolve(first.canonical_url)
    assert (second.platform, second.kind, second.ids) == (first.platform, first.kind, first.ids)
    assert second.canonical_url == first.canonical_url
    assert second.embed == first.embed
