"""The item map a grades run writes with: every target grade item named as the target knows it.

A registrar writes ``--item-map 期中成绩=期中测验`` (a display name) or ``=midterm`` (a short id); the target
adapter, when it can (``resolve_line_items(names, course)``, the Open edX adapter), turns each target name
into its own id before anything is planned. An item it cannot resolve refuses the run (exit code 1) in a
dry run and a real run alike, so what a dry run shows is what the real run writes. Targets without
``resolve_line_items`` (OneRoster, spreadsheets) get the map as it was given.
"""

from __future__ import annotations

from collections.abc import Iterable

from adapters.errors import DataError
from adapters.i18n import Translator
from adapters.records import Record

from .plan_model import TOTAL_ITEM, map_course

__all__ = ["resolve_item_map"]

_ = Translator.for_package("sync").gettext


def _wanted(records: Iterable[Record], item_map: dict[str, str], target_course: str | None,
            course_map: dict[str, str]) -> dict[str | None, dict[str, str]]:
    """{target course: {source item: target name}} for every item the source sends, and every mapped one."""
    wanted: dict[str | None, dict[str, str]] = {}
    for record in records:
        course = map_course(record.course_id, course_map, target_course)[0]
        source_item = getattr(record, "line_item_id", None) or TOTAL_ITEM
        if source_item == TOTAL_ITEM and TOTAL_ITEM not in item_map and not getattr(record, "line_item_id", None):
            continue  # a course-level score with no line item: the planner decides about it
        wanted.setdefault(course, {})[source_item] = item_map.get(source_item, source_item)
    for names in wanted.values() or [wanted.setdefault(target_course, {})]:
        for source_item, target_name in item_map.items():
            names.setdefault(source_item, target_name)
    return wanted


def resolve_item_map(target: object, records: list[Record], item_map: dict[str, str], target_course: str | None,
                     course_map: dict[str, str]) -> dict[str, str]:
    """The item map with every target name replaced by the target's id for it.

    Raises ``DataError`` (``unknown_item``, ``ambiguous_item``) when the target cannot resolve a name, or when
    one source item would go to different ids in two target courses; the runner refuses the run with it.
    """
    resolve = target.resolve_line_items if "resolve_line_items" in target.capabilities else None
    if resolve is None:
        return dict(item_map)
    resolved: dict[str, str] = {}
    for course, names in _wanted(records, item_map, target_course, course_map).items():
        if not names:
            continue
        ids = resolve(sorted(set(names.values())), course)
        for source_item, target_name in names.items():
            got = ids[target_name]
            if resolved.setdefault(source_item, got) != got:
                raise DataError(_("The grade item {item!r} is a different subsection in each target course; "
                                  "run one course at a time with the full usage key.").format(item=source_item),
                                code="ambiguous_item", where={"item": source_item})
    return resolved
