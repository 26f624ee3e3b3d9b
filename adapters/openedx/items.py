"""Which graded subsection a registrar means: a full usage key, its short id, or its display name.

A registrar sees a subsection's display name in Studio and the gradebook (期中测验) and, at most, the last
part of its usage key in a URL (``midterm`` of ``block-v1:PKU+C101+2025+type@sequential+block@midterm``).
:func:`resolve_items` turns any of the three into the usage key, against the course's graded subsections as
``GET /api/grades/v1/gradebook/{course}/grading-info?graded_only=true`` lists them (the same list the adapter
reads line items from). A name that fits no subsection, or more than one, is refused with a
:class:`~adapters.errors.DataError` naming the candidates; nothing is guessed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from adapters.errors import DataError
from adapters.i18n import Translator

from .models import GradingSubsection

__all__ = ["resolve_items", "short_id"]

_ = Translator.for_package("adapters").gettext

_SHOWN = 12
"""Subsections named in a refusal at most (a course may have hundreds)."""


def short_id(usage_id: str) -> str:
    """The last part of a usage key: ``midterm`` for ``block-v1:…+type@sequential+block@midterm``."""
    return usage_id.rsplit("@", 1)[-1] if "+block@" in usage_id else usage_id


def _norm(text: str | None) -> str:
    """Compare names as a person reads them: NFKC (full-width letters and digits), spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _label(sub: GradingSubsection) -> str:
    return f"{sub.display_name or '?'} ({short_id(sub.module_id)})"


def _listing(subs: Sequence[GradingSubsection]) -> str:
    shown = ", ".join(_label(s) for s in subs[:_SHOWN])
    return shown + (_(" … and {count} more").format(count=len(subs) - _SHOWN) if len(subs) > _SHOWN else "")


def resolve_items(names: Iterable[str], subsections: Sequence[GradingSubsection], course: str) -> dict[str, str]:
    """``{name: usage key}`` for each name: an exact usage key, else the one subsection whose short id or
    display name it is. Only graded subsections count. Raises ``DataError`` (``unknown_item`` or
    ``ambiguous_item``) for the first name that fits none or several, with the candidates in the message."""
    graded = [s for s in subsections if s.graded]
    by_key = {s.module_id: s for s in graded}
    resolved: dict[str, str] = {}
    for name in names:
        if name in by_key:
            resolved[name] = name
            continue
        wanted = _norm(name)
        fits = [s for s in graded if wanted and (_norm(short_id(s.module_id)) == wanted
                                                 or _norm(s.display_name) == wanted)]
        where = {"course_id": course, "item": name}
        if len(fits) == 1:
            resolved[name] = fits[0].module_id
        elif fits:
            raise DataError(_("{name!r} fits {count} graded subsections of {course}: {candidates}. Give the short "
                              "id or the full usage key of the one you mean (--item-map SRC=ID).").format(
                                  name=name, count=len(fits), course=course, candidates=_listing(fits)),
                            code="ambiguous_item", where=where)
        elif graded:
            raise DataError(_("{name!r} is no graded subsection of {course}. Map it to one with --item-map "
                              "SRC=SUBSECTION, by display name or short id: {candidates}.").format(
                                  name=name, course=course, candidates=_listing(graded)),
                            code="unknown_item", where=where)
        else:
            raise DataError(_("{course} has no graded subsection to write {name!r} to; mark a subsection as "
                              "graded in Studio first.").format(name=name, course=course),
                            code="unknown_item", where=where)
    return resolved
