"""Every refusal has its own code and a plain message; hostile links never resolve."""

from __future__ import annotations

import pytest

from adapters.platforms import ResolveError, ResolverConfig, resolve
from adapters.platforms import errors as codes

REFUSED = [
    # empty input
    ("", codes.EMPTY_URL),
    ("   \n\t ", codes.EMPTY_URL),
    # other schemes
    ("javascript:alert(1)", codes.UNSUPPORTED_SCHEME),
    ("JavaScript:alert(document.cookie)//https://www.bilibili.com", codes.UNSUPPORTED_SCHEME),
    ("data:text/html,<script>alert(1)</script>", codes.UNSUPPORTED_SCHEME),
    ("file:///etc/passwd", codes.UNSUPPORTED_SCHEME),
    ("ftp://www.bilibili.com/video/BV1GJ411x7h7", codes.UNSUPPORTED_SCHEME),
    ("vbscript:msgbox(1)", codes.UNSUPPORTED_SCHEME),
    ("mailto:teacher@school.edu.cn", codes.UNSUPPORTED_SCHEME),
    ("ws://www.bilibili.com/", codes.UNSUPPORTED_SCHEME),
    # not a complete address
    ("https:www.bilibili.com/video/BV1GJ411x7h7", codes.MALFORMED_URL),
    ("https:/www.bilibili.com/", codes.MALFORMED_URL),
    ("https:///www.bilibili.com/", codes.MALFORMED_URL),
    ("/video/BV1GJ411x7h7", codes.MALFORMED_URL),
    ("https://evil.com\\@www.bilibili.com/", codes.MALFORMED_URL),
    ("https://[www.bilibili.com/", codes.MALFORMED_URL),
    # user info
    ("https://user@www.bilibili.com/video/BV1GJ411x7h7", codes.USERINFO_NOT_ALLOWED),
    ("https://www.icourse163.org:pass@evil.com/", codes.USERINFO_NOT_ALLOWED),
    ("https://www.icourse163.org@evil.com/course/ZJU-199001", codes.USERINFO_NOT_ALLOWED),
    ("https://@www.bilibili.com/", codes.USERINFO_NOT_ALLOWED),
    # ports
    ("https://www.bilibili.com:99999/", codes.INVALID_PORT),
    ("https://www.bilibili.com:0/", codes.INVALID_PORT),
    ("https://www.bilibili.com:http/", codes.INVALID_PORT),
    ("https://www.bilibili.com:80:80/", codes.INVALID_PORT),
    ("https://www.bilibili.com:-1/", codes.INVALID_PORT),
    ("https://www.bilibili.com:8080/video/BV1GJ411x7h7", codes.PORT_NOT_ALLOWED),
    ("https://www.icourse163.org:22/", codes.PORT_NOT_ALLOWED),
    # IP literals in every form a browser accepts
    ("http://127.0.0.1/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://10.0.0.8/course/ZJU-199001", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://2130706433/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://0x7f000001/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://0x7f.0.0.1/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://0177.0.0.1/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://127.1/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://169.254.169.254/latest/meta-data/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://[::1]/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://[::ffff:127.0.0.1]:443/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://[fe80::1%25eth0]/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://１２７.０.０.１/", codes.IP_ADDRESS_NOT_ALLOWED),
    ("http://127.0.0.1./", codes.IP_ADDRESS_NOT_ALLOWED),
    # localhost
    ("http://localhost/", codes.LOCALHOST_NOT_ALLOWED),
    ("http://LOCALHOST:443/", codes.LOCALHOST_NOT_ALLOWED),
    ("localhost:80/admin", codes.LOCALHOST_NOT_ALLOWED),
    ("http://www.bilibili.com.localhost/", codes.LOCALHOST_NOT_ALLOWED),
    ("http://localhost.localdomain/", codes.LOCALHOST_NOT_ALLOWED),
    # invalid host names
    ("https://www.bilibili.com../", codes.INVALID_HOST),
    ("https://.bilibili.com/", codes.INVALID_HOST),
    ("https://www.%62ilibili.com/", codes.INVALID_HOST),
    ("https://www_bilibili.com/", codes.INVALID_HOST),
    ("https://-www.bilibili.com/", codes.INVALID_HOST),
    ("https://bilibili/", codes.INVALID_HOST),
    ("https://" + "a" * 64 + ".bilibili.com/", codes.INVALID_HOST),
    # look-alikes
    ("https://icourse163.org.evil.com/course/ZJU-199001", codes.LOOKALIKE_HOST),
    ("https://www.icourse163.org.evil.com./", codes.LOOKALIKE_HOST),
    ("https://evil.com/www.icourse163.org/course/ZJU-199001", codes.LOOKALIKE_HOST),
    ("evil.com/www.icourse163.org/course/ZJU-199001", codes.LOOKALIKE_HOST),
    ("https://evil.com/?next=https://www.bilibili.com/video/BV1GJ411x7h7", codes.LOOKALIKE_HOST),
    ("https://evil.com/#v.qq.com/x/page/u0033nvzb5v.html", codes.LOOKALIKE_HOST),
    ("https://www.bilibili-video.com/video/BV1GJ411x7h7", codes.LOOKALIKE_HOST),
    ("https://mybilibili.cn/", codes.LOOKALIKE_HOST),
    ("https://icourse163.com/course/ZJU-199001", codes.LOOKALIKE_HOST),
    ("https://zhihuishu.com.cn/", codes.LOOKALIKE_HOST),
    ("https://icve.org.cn/", codes.LOOKALIKE_HOST),
    ("https://v.qq.com.evil.cn/x/page/u0033nvzb5v.html", codes.LOOKALIKE_HOST),
    ("https://www.іcourse163.org/course/ZJU-199001", codes.LOOKALIKE_HOST),   # Cyrillic і
    ("https://www.xn--course163-u9h.org/", codes.LOOKALIKE_HOST),           # the same in punycode
    ("https://www.bіlіbіlі.com/", codes.LOOKALIKE_HOST),
    ("https://ѕmartedu.cn/", codes.LOOKALIKE_HOST),
    ("https://www.ícourse163.org/", codes.LOOKALIKE_HOST),                 # accented i
    # unknown hosts
    ("https://example.com/", codes.UNKNOWN_HOST),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", codes.UNKNOWN_HOST),
    ("https://y.qq.com/", codes.UNKNOWN_HOST),
    ("https://qq.com/", codes.UNKNOWN_HOST),
    ("https://例子.中国/", codes.UNKNOWN_HOST),
    # invisible characters
    ("https://www.bili bili.com/", codes.INVALID_CHARACTERS),
    ("https://www.bilibili.com/video/BV1GJ411x7h7\nhttps://evil.com", codes.INVALID_CHARACTERS),
    ("java\tscript:alert(1)", codes.INVALID_CHARACTERS),
    ("https://www.bilibili.com/\x00", codes.INVALID_CHARACTERS),
    ("https://www.bilibili.com/\u200b", codes.INVALID_CHARACTERS),
    ("https://www.bilibili.com/\u202egpj.exe", codes.INVALID_CHARACTERS),
    ("https://www.bilibili\u3000.com/", codes.INVALID_CHARACTERS),
    # over-long
    ("https://www.bilibili.com/" + "a" * 3000, codes.URL_TOO_LONG),
]


@pytest.mark.parametrize(("url", "code"), REFUSED, ids=[f"{code}:{url[:50]!r}" for url, code in REFUSED])
def test_refused_with_its_own_code(url, code):
    with pytest.raises(ResolveError) as caught:
        resolve(url)
    error = caught.value
    assert error.code == code
    assert error.to_dict() == {"code": code, "message": error.message}
    assert error.message and "{" not in error.message and str(error) == error.message


def test_every_code_is_exercised_and_has_a_message():
    exercised = {code for _url, code in REFUSED}
    assert exercised == set(codes.MESSAGES)


def test_over_long_limit_is_configurable_and_named_in_the_message():
    url = "https://www.bilibili.com/video/BV1GJ411x7h7?" + "x" * 100
    assert resolve(url).platform == "bilibili"
    with pytest.raises(ResolveError) as caught:
        resolve(url, ResolverConfig(max_url_length=100))
    assert caught.value.code == "url_too_long"
    assert "100" in caught.value.message


def test_trailing_dot_names_the_same_host():
    resource = resolve("https://www.bilibili.com./video/BV1GJ411x7h7")
    assert resource.canonical_url == "https://www.bilibili.com/video/BV1GJ411x7h7/"


def test_full_width_spelling_reaches_the_real_host_and_is_normalised():
    # Browsers map full-width letters and dots to ASCII (UTS #46), so this is the real host; the canonical URL says so.
    resource = resolve("https://ｗｗｗ．ｉｃｏｕｒｓｅ１６３．ｏｒｇ/course/ZJU-199001")
    assert resource.canonical_url == "https://www.icourse163.org/course/ZJU-199001"


def test_lookalike_message_names_the_platform_and_the_real_host():
    from django.utils import translation

    with translation.override("en"), pytest.raises(ResolveError) as caught:
        resolve("https://icourse163.org.evil.com/")
    assert "icourse163.org.evil.com" in caught.value.message
    assert "China University MOOC" in caught.value.message


def test_non_text_is_refused_not_crashed():
    with pytest.raises(ResolveError) as caught:
        resolve(None)  # type: ignore[arg-type]
    assert caught.value.code == "empty_url"
    with pytest.raises(ResolveError):
        resolve(b"https://www.bilibili.com/")  # type: ignore[arg-type]
