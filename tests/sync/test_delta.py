"""Delta reads (OneRoster's dateLastModified): the bookmark moves only with a finished run, and nobody is
unenrolled for being absent from a delta."""

from datetime import UTC, datetime, timedelta

import pytest

from adapters.base import Delta
from adapters.records import Person
from sync.models import SyncRun
from sync.runner import SyncOptions, run_sync

from .memory import Crash, MemorySource, MemoryTarget, enrol

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 9, 1, tzinfo=UTC)
PEOPLE = [Person(student_number=f"{n:03d}", username=f"u{n}") for n in range(6)]


class DeltaSource(MemorySource):
    """Serves only records changed after ``since``; its bookmark is the time the read started."""

    capabilities = frozenset({"delta"})

    def delta(self):
        return Delta(bookmark=self.bookmark, full=self.last_read_full)

    def __init__(self, records, now):
        super().__init__(records)
        self.now, self.asked, self.bookmark, self.last_read_full = now, [], None, False

    def read(self, stream, scope=None):
        since = scope.since if scope else None
        self.asked.append(since)
        self.bookmark, self.last_read_full = self.now, since is None
        for record in super().read(stream, scope):
            if since is None or record.updated_at > since:
                yield record


def roster(changed_at, *, inactive=()):
    return [enrol(Person(student_number=p.student_number), updated_at=changed_at,
                  status="inactive" if p.student_number in inactive else "active") for p in PEOPLE]


def active(target):
    return sorted(key[0] for key, record in target.state.items() if record.status == "active")


def options(**kw):
    return SyncOptions(**{"delta": True, "unenroll": True, "source_spec": "oneroster:sis",
                          "target_spec": "memtgt:lms", **kw})


def test_first_delta_reads_everything_and_keeps_the_bookmark():
    source, target = DeltaSource(roster(T0), now=T0 + timedelta(hours=1)), MemoryTarget(people=PEOPLE)
    run = run_sync("roster", source, target, options())
    assert source.asked == [None]
    assert run.status == SyncRun.DONE and len(active(target)) == 6
    assert SyncRun.objects.get(pk=run.pk).bookmark["source"] == (T0 + timedelta(hours=1)).isoformat()


def test_next_delta_reads_since_the_bookmark_and_absence_unenrolls_nobody():
    target = MemoryTarget(people=PEOPLE)
    run_sync("roster", DeltaSource(roster(T0), now=T0 + timedelta(hours=1)), target, options())
    # a day later only 005 changed: the provider marked them tobedeleted
    later = roster(T0, inactive={"005"})
    later[5] = later[5].model_copy(update={"updated_at": T0 + timedelta(days=1)})
    source = DeltaSource(later, now=T0 + timedelta(days=1, hours=1))
    run = run_sync("roster", source, target, options())
    assert source.asked == [T0 + timedelta(hours=1)]
    assert run.status == SyncRun.DONE
    assert active(target) == ["u0", "u1", "u2", "u3", "u4"], "only the record marked inactive is unenrolled"


def test_a_full_read_with_unenroll_does_remove_the_absent():
    target = MemoryTarget(people=PEOPLE)
    run_sync("roster", DeltaSource(roster(T0), now=T0), target, options(delta=False))
    run_sync("roster", DeltaSource(roster(T0)[:4], now=T0), target, options(delta=False))
    assert active(target) == ["u0", "u1", "u2", "u3"]


def test_an_unfinished_run_does_not_move_the_bookmark():
    target = MemoryTarget(people=PEOPLE)
    run_sync("roster", DeltaSource(roster(T0)[:3], now=T0 + timedelta(hours=1)), target, options())
    newcomers = [r.model_copy(update={"updated_at": T0 + timedelta(days=1)}) for r in roster(T0)[3:]]
    target.crash_before = target.write_calls + 1
    with pytest.raises(Crash):
        run_sync("roster", DeltaSource(newcomers, now=T0 + timedelta(days=2)), target, options())
    target.crash_before = None
    again = DeltaSource(newcomers, now=T0 + timedelta(days=3))
    run_sync("roster", again, target, options())
    assert again.asked == [T0 + timedelta(hours=1)], "what the interrupted run did not apply is read again"
    assert len(active(target)) == 6


def two_classes(changed_at):
    """001-003 in class c1, 004-006 in c2."""
    return [enrol(Person(student_number=p.student_number), course="c1" if n < 3 else "c2", updated_at=changed_at)
            for n, p in enumerate(PEOPLE)]


def courses_of(target):
    return {course: sorted(who for (who, c, _i), r in target.state.items() if c == course and r.status == "active")
            for course in sorted({key[1] for key in target.state})}


def test_a_course_newly_in_the_course_map_is_read_in_full_once_then_by_delta_again():
    """A delta bookmark moves past records of courses the map leaves out; mapping such a course later must still
    bring its people in, as a registrar expects, so that run reads in full (and says why); the next is a delta."""
    target = MemoryTarget(people=PEOPLE)
    first = run_sync("roster", DeltaSource(two_classes(T0), now=T0 + timedelta(hours=1)), target,
                     options(course_map={"c1": "X"}))
    assert first.report_data["counts"]["unmapped_course"] == 3
    assert courses_of(target) == {"X": ["u0", "u1", "u2"]}

    source = DeltaSource(two_classes(T0), now=T0 + timedelta(hours=2))  # nothing changed since the bookmark
    widened = run_sync("roster", source, target, options(course_map={"c1": "X", "c2": "Y"}))
    assert source.asked == [None], "the newly mapped course was never read since the bookmark: read in full"
    assert courses_of(target) == {"X": ["u0", "u1", "u2"], "Y": ["u3", "u4", "u5"]}
    assert widened.report_data["counts"]["newly_mapped_read_in_full"] == 1
    assert widened.report_data["read_in_full_for"] == ["c2"]

    again = DeltaSource(two_classes(T0), now=T0 + timedelta(hours=3))
    run_sync("roster", again, target, options(course_map={"c1": "X", "c2": "Y"}))
    assert again.asked == [T0 + timedelta(hours=2)], "the same map again: a delta from the new bookmark"
    narrower = DeltaSource(two_classes(T0), now=T0 + timedelta(hours=4))
    run_sync("roster", narrower, target, options(course_map={"c1": "X"}))
    assert narrower.asked == [T0 + timedelta(hours=3)], "a map that leaves a course out needs no full read"
    back = DeltaSource(two_classes(T0), now=T0 + timedelta(hours=5))
    run_sync("roster", back, target, options(course_map={"c1": "X", "c2": "Y"}))
    assert back.asked == [None], "c2 was left out by the bookmark's run: read in full again"


def test_oneroster_specs_open_their_adapters(tmp_path):
    from adapters.oneroster import OneRosterAdapter, OneRosterCsvAdapter
    from sync.specs import open_spec

    with open_spec("oneroster:https://sis.example.edu/ims/oneroster/v1p1?version=1.1") as rest:
        assert isinstance(rest, OneRosterAdapter)
    with open_spec(f"oneroster-csv:{tmp_path / 'bundle.zip'}?version=1.2") as bundle:
        assert isinstance(bundle, OneRosterCsvAdapter)


@pytest.mark.parametrize(("option", "refused"), [("token", True), ("access_token", True), ("client_secret", True),
                                                  ("password", True), ("api_key", True), ("token_url", False)])
def test_secrets_are_refused_in_specs_but_a_token_url_is_not(option, refused):
    from sync.specs import SpecError, parse_spec

    spec = f"oneroster:https://sis.example.edu?{option}=x"
    if refused:
        with pytest.raises(SpecError):
            parse_spec(spec)
    else:
        assert parse_spec(spec).options[option] == "x"
