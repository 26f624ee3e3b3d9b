"""How a stored OneRoster result reads as a grade (review of issue #12): when it was given, and whether a person
or another system set it (a manual grade) or mooc-bridge did."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.oneroster.convert import newer_than, result_stamp, score_record, written_by_us
from adapters.oneroster.models import OrResult
from adapters.records import Person


def result(**fields) -> OrResult:
    return OrResult.model_validate({
        "sourcedId": "r1", "status": "active", "dateLastModified": "2025-06-01T15:00:00.000Z",
        "lineItem": {"sourcedId": "li1", "href": "x", "type": "lineItem"},
        "student": {"sourcedId": "u1", "href": "x", "type": "user"}, "scoreStatus": "fully graded", "score": 80,
        **fields})


def test_a_result_regraded_in_the_afternoon_is_not_older_than_a_morning_source_grade():
    regraded = result(scoreDate="2025-06-01")  # graded again at 15:00 that day
    assert result_stamp(regraded) == datetime(2025, 6, 1, 15, 0, tzinfo=UTC)
    assert newer_than(result_stamp(regraded), datetime(2025, 6, 1, 10, 0, tzinfo=UTC))


def test_the_later_of_score_date_and_last_modified_counts_and_our_exact_timestamp_wins():
    dated_later = result(scoreDate="2025-06-03", dateLastModified="2025-06-01T15:00:00.000Z")
    assert result_stamp(dated_later) == datetime(2025, 6, 3, tzinfo=UTC)
    ours = result(scoreDate="2025-06-01", metadata={"mooc-bridge.timestamp": "2025-06-01T08:15:00.000Z"})
    assert result_stamp(ours) == datetime(2025, 6, 1, 8, 15, tzinfo=UTC)


def test_a_result_without_our_metadata_reads_as_a_manual_grade():
    person = Person(external_ids={"oneroster": "u1"})
    theirs = result(metadata={"district.note": "entered by the teacher"})
    ours = result(metadata={"mooc-bridge.status": "graded"})
    assert not written_by_us(theirs) and not written_by_us(result()) and written_by_us(ours)
    assert score_record(theirs, person, "c1", 100).overridden
    assert not score_record(ours, person, "c1", 100).overridden
