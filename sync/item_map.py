"""The item map a grades run writes with: every target grade item named as the target knows it.

A registrar writes ``--item-map 期中成绩=期中测验`` (a display name) or ``=midterm`` (a short id); the target
adapter, when it can (``resolve_line_items(names, course)``, the Open edX adapter), turns each target name
into its own id before anything is planned. An item it cannot resolve refuses the run (exit code 1) in a
dry run and a real run alike, so what a dry run shows is what the real run writes. Targets without
``resolve_line_items`` (OneRoster, spreadsheets) get the map as it was given.

Each SOURCE of the map must name a grade item the source sent (a component column, an item id, or ``total``
for the course-level score): :func:`check_source_items` refuses one that names none — 期末考試 typed for the
column 期末考试 would otherwise be silently ignored — listing the source's items.
"""

from __future__ import annotations

from collections.abc import Iterable

from adapters.errors import DataError
from adapters.i18n import Translator
from adapters.records import Record

from .plan_model import TOTAL_ITEM, map_course

__all__ = ["check_source_items", "resolve_item_map"]

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


def check_source_items(records: Iterable[Record], item_map: dict[str, str], columns: Iterable[str] = ()) -> None:
    """Refuse an ``item_map`` SOURCE that names no grade item of ``records`` (nor one of ``columns``, the grade
    item columns the source reports even when no cell of theirs had a score). ``total`` names the course-level
    score and must have one. Raises ``DataError`` ``unknown_source_item`` listing the source's items; the
    runner asks only when the read was complete (a delta read may just not have sent an item this time).
    """
    if not item_map:
        return
    items: set[str] = set(columns)
    course_level = False
    for record in records:
        item = getattr(record, "line_item_id", None)
        if item:
            items.add(item)
        else:
            course_level = True
    if course_level:
        items.add(TOTAL_ITEM)
    unknown = [name for name in item_map if name not in items]
    if not unknown:
        return
    shown = sorted(items - {TOTAL_ITEM})
    listing = ", ".join(([_("total (the course-level score)")] if TOTAL_ITEM in items else []) + shown[:_SHOWN])
    if len(shown) > _SHOWN:
        listing += _(" … and {count} more").format(count=len(shown) - _SHOWN)
    raise DataError(_("--item-map {name}=… names no grade item of the source; the source's items are: "
                      "{items}.").format(name=unknown[0], items=listing or _("none")),
                    code="unknown_source_item", where={"item": unknown[0]})


_SHOWN = 30


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
