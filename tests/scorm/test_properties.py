"""Property-based tests: path normalisation and the manifest parser never fail other than with ScormError."""

from __future__ import annotations

import string
import unicodedata
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorm.errors import ScormError
from scorm.manifest import parse_manifest
from scorm.paths import collision_key, decode_name, normalise

PATH_ALPHABET = st.sampled_from([*list("ab./\\:C\x00\n é课"), "..", "%2e"])
names = st.lists(PATH_ALPHABET, max_size=30).map("".join) | st.text(max_size=60)


@given(names)
@settings(max_examples=500)
def test_normalise_returns_a_clean_relative_path_or_refuses(name):
    try:
        path, _is_dir = normalise(name)
    except ScormError as error:
        assert error.code.startswith("path_")
        return
    assert not path.startswith("/") and "\\" not in path
    parts = path.split("/") if path else []
    assert all(part not in ("", ".", "..") for part in parts)
    assert not any(ord(char) < 0x20 for char in path)
    assert path == unicodedata.normalize("NFC", path)
    assert not path or normalise(path)[0] == path  # idempotent ("./" reduces to the root folder, "")


@given(st.text(alphabet=string.ascii_letters + "/._-é课", min_size=1, max_size=40), st.text(max_size=40))
def test_collision_key_ignores_case_and_normal_form(name, other):
    assert collision_key(name.upper()) == collision_key(name.lower())
    assert collision_key(unicodedata.normalize("NFD", other)) == collision_key(unicodedata.normalize("NFC", other))


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
       st.sampled_from(["utf-8", "gb18030"]))
def test_names_written_without_the_flag_decode_back(name, codec):
    raw = name.encode(codec)
    info = zipfile.ZipInfo("x")
    info.orig_filename = info.filename = raw.decode("cp437")
    info.flag_bits = 0
    decoded = decode_name(info)
    if codec == "utf-8" or not _valid_utf8(raw):
        assert decoded == name


def _valid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@given(st.binary(max_size=2000))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_bytes_never_raise_anything_but_scorm_error(data):
    try:
        parse_manifest(data)
    except ScormError:
        pass


ELEMENTS = st.sampled_from(["manifest", "organizations", "organization", "item", "title", "resources", "resource",
                            "file", "dependency", "metadata", "schemaversion", "imsss:sequencing",
                            "imsss:controlMode", "adlcp:masteryscore", "adlcp:completionThreshold",
                            "imsss:objectives", "imsss:primaryObjective", "imsss:mapInfo", "adlnav:presentation"])
ATTRS = st.dictionaries(st.sampled_from(["identifier", "identifierref", "href", "default", "isvisible", "parameters",
                                         "xml:base", "adlcp:scormtype", "IDRef", "ID", "flow", "choice",
                                         "minProgressMeasure", "objectiveID", "targetObjectiveID"]),
                        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
                        .map(lambda value: value.replace("&", "").replace("<", "").replace('"', "")), max_size=4)


def _tree(depth=0):
    children = st.lists(st.deferred(lambda: _tree(depth + 1)), max_size=3) if depth < 4 else st.just([])
    return st.tuples(ELEMENTS, ATTRS, children, st.text(max_size=8).map(lambda t: t.replace("&", "").replace("<", "")))


def _render(node) -> str:
    tag, attrs, children, text = node
    attributes = "".join(f' {name}="{value}"' for name, value in attrs.items())
    return f"<{tag}{attributes}>{text}{''.join(_render(child) for child in children)}</{tag}>"


@given(_tree())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_manifest_shaped_xml_parses_or_raises_scorm_error(node):
    body = _render(("manifest", node[1], [node], ""))
    body = body.replace("<manifest", '<manifest xmlns:imsss="http://www.imsglobal.org/xsd/imsss" '
                        'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
                        'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"', 1)
    try:
        package, issues = parse_manifest(body.encode())
    except ScormError:
        return
    package.model_dump_json()
    for issue in issues:
        assert issue.message
