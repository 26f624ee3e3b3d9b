"""Profiles (kept as JSON data in ``adapters/profiles/``) and header detection.

A profile names a file's source (中国大学MOOC, 智慧树, the 正方 import…), the *roles* its columns play
(``student_number``, ``name``, ``total``…) with the header synonyms seen for each, the roles it
requires, the headers only that source uses (``signature``), component-score header patterns, and
how its total is expressed. :func:`detect` finds the header row within the first rows of a sheet
(title rows such as "2025-2026学年第一学期 成绩单" may sit above it), scores every profile against it
and explains its choice in :class:`Detection` — which header matched which role, what was missing,
the runner-up. Explicit column mappings override detection. See docs/decisions/0011.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import DataError
from ..i18n import Translator

__all__ = ["ROLES", "Detection", "Profile", "detect", "fold", "load_profiles", "parse_mapping"]

_ = Translator.for_package("adapters").gettext

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
HEADER_SEARCH_ROWS = 20

ROLES = (
    "student_number", "name", "account", "nickname", "username", "email", "phone", "school", "department",
    "major", "class", "course_id", "course_title", "class_id", "term", "year", "semester", "role", "total",
    "grade_word", "certificate", "scale_name", "exam_kind", "remark",
)
"""Every role a column may play. ``account`` is the platform's own login (an external id); ``username``
is the Open edX username; ``nickname``, ``school``, ``department``, ``major`` and ``class`` are recognised
(so that the report explains them) but not carried into records."""


class TotalSpec(BaseModel):
    """How a profile's total is expressed: ``percent`` out of ``max``, a word scale, or ``auto`` (either)."""

    model_config = ConfigDict(extra="forbid")

    scale: Literal["percent", "points", "five_level", "two_level", "auto"] = "percent"
    max: float = Field(default=100, gt=0)


class OutputColumn(BaseModel):
    """One column of a written file: its header, the role it carries, and whether it is stored as text."""

    model_config = ConfigDict(extra="forbid")

    header: str
    role: str
    text: bool = False


class OutputSpec(BaseModel):
    """How a profile is written (the 教务 draft): column order, sheet names, defaults."""

    model_config = ConfigDict(extra="forbid")

    columns: list[OutputColumn]
    sheet: str = "Sheet1"
    notes_sheet: str = "说明"
    exam_kind: str = "正常考试"
    semester_names: dict[str, str] = Field(default_factory=dict)
    decimals: int = Field(default=1, ge=0, le=4)


class Profile(BaseModel):
    """A source's spreadsheet layout, loaded from JSON (see the files in ``adapters/profiles/``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    platform: str
    kind: Literal["grades", "roster", "import"]
    aliases: tuple[str, ...] = ()
    evidence: str = ""
    auto: bool = True
    fallback: bool = False
    roles: dict[str, tuple[str, ...]]
    components: tuple[str, ...] = ()
    signature: tuple[str, ...] = ()
    required: tuple[str | tuple[str, ...], ...] = ()
    total: TotalSpec = Field(default_factory=TotalSpec)
    output: OutputSpec | None = None

    def model_post_init(self, __context: Any) -> None:
        """Refuse roles that are not in :data:`ROLES`."""
        unknown = set(self.roles) - set(ROLES)
        for item in self.required:
            unknown |= set((item,) if isinstance(item, str) else item) - set(ROLES)
        if self.output:
            unknown |= {column.role for column in self.output.columns} - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}")


def fold(text: Any) -> str:
    """The form headers are compared in: NFKC, no white space, lower case, no trailing ``*`` or colon."""
    folded = "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()
    return folded.rstrip("*:：").lstrip("*")


_BRACKETS = re.compile(r"[(\[【〔].*?[)\]】〕]")


def _base(text: str) -> str:
    """``fold`` without bracketed notes: 综合成绩(100%) → 综合成绩, 学号（必填）→ 学号."""
    return _BRACKETS.sub("", text)


def load_profiles(extra: Sequence[str | Path] = ()) -> dict[str, Profile]:
    """The built-in profiles plus any JSON files (or folders of them) in ``extra``; a later name wins.

    Raises :class:`DataError` ``bad_profile`` for a file that is not a valid profile.
    """
    profiles = dict(_builtin_profiles())
    for item in extra:
        path = Path(item)
        for file in sorted(path.glob("*.json")) if path.is_dir() else [path]:
            profile = _load_profile(file)
            profiles[profile.name] = profile
    return profiles


@lru_cache(maxsize=1)
def _builtin_profiles() -> tuple[tuple[str, Profile], ...]:
    return tuple((p.name, p) for p in (_load_profile(f) for f in sorted(PROFILES_DIR.glob("*.json"))))


def _load_profile(path: Path) -> Profile:
    try:
        return Profile.model_validate(json.loads(path.read_text(encoding="utf-8-sig")))
    except (OSError, ValueError, ValidationError) as error:
        raise DataError(_("The profile file {path} is not valid: {details}").format(
            path=path, details=str(error)[:300]), code="bad_profile", where={"file": str(path)}) from None


def find_profile(profiles: dict[str, Profile], name: str) -> Profile:
    """The profile called ``name`` (or one of its aliases, or a JSON file path); ``DataError`` ``unknown_profile``."""
    if name.endswith(".json"):
        return _load_profile(Path(name))
    key = fold(name)
    for profile in profiles.values():
        if key == profile.name or key in {fold(alias) for alias in profile.aliases}:
            return profile
    raise DataError(_("There is no profile called {name}. Known profiles: {known}.").format(
        name=name, known=", ".join(sorted(profiles))), code="unknown_profile")


def parse_mapping(options: dict[str, str]) -> dict[str, str]:
    """Explicit column mapping from options: ``map.ROLE=HEADER`` and ``columns=ROLE:HEADER,ROLE:HEADER``.

    ``HEADER`` is a header text, or ``col:F`` for a column letter. Raises ``DataError`` ``bad_mapping``.
    """
    mapping: dict[str, str] = {}
    pairs = [(key[4:], value) for key, value in options.items() if key.startswith("map.")]
    for item in filter(None, (part.strip() for part in options.get("columns", "").split(","))):
        role, sep, header = item.partition(":")
        if not sep:
            raise DataError(_("{item} in columns= must look like role:header (student_number:学号).").format(
                item=item), code="bad_mapping")
        pairs.append((role.strip(), header.strip()))
    for role, header in pairs:
        if role not in ROLES and role != "component":
            raise DataError(_("{role} is not a column role. Roles: {roles}.").format(
                role=role, roles=", ".join(ROLES)), code="bad_mapping")
        if not header:
            raise DataError(_("The column for {role} is empty.").format(role=role), code="bad_mapping")
        mapping[role] = header
    return mapping


@dataclass
class Detection:
    """The outcome of header detection: the profile, the header row and which column plays which role."""

    profile: Profile
    sheet: str | None
    header_row: int
    headers: list[str]
    columns: dict[str, int]
    components: dict[int, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    signature_hits: list[str] = field(default_factory=list)
    score: int = 0
    explicit: dict[str, str] = field(default_factory=dict)
    runner_up: dict[str, Any] | None = None
    reason: str = ""

    def report(self) -> dict[str, Any]:
        """JSON-ready account of the choice, for the engine's report."""
        return {
            "profile": self.profile.name,
            "title": self.profile.title,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "reason": self.reason,
            "matched": [{"header": self.headers[col] if col < len(self.headers) else "", "role": role,
                         "column": _letter(col)}
                        for role, col in sorted(self.columns.items(), key=lambda item: item[1])],
            "components": [{"header": header, "column": _letter(col)} for col, header in self.components.items()],
            "missing": self.missing,
            "missing_required": self.missing_required,
            "unmatched": self.unmatched,
            "signature": self.signature_hits,
            "explicit": self.explicit,
            "score": self.score,
            "runner_up": self.runner_up,
        }


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(spec: str, headers: list[str]) -> int | None:
    if spec.lower().startswith("col:"):
        letters = spec[4:].strip().upper()
        if not re.fullmatch(r"[A-Z]{1,3}", letters):
            return None
        index = 0
        for ch in letters:
            index = index * 26 + ord(ch) - 64
        return index - 1
    key = fold(spec)
    for col, header in enumerate(headers):
        if header and (fold(header) == key or _base(fold(header)) == key):
            return col
    return None


def _match(profile: Profile, headers: list[str], fixed: dict[str, int]) -> Detection:
    """Score ``profile`` against one header row (``fixed``: roles already mapped by the user)."""
    columns = dict(fixed)
    used = set(fixed.values())
    folded = [fold(h) if h else "" for h in headers]
    for role, synonyms in profile.roles.items():
        if role in columns:
            continue
        keys = [fold(s) for s in synonyms]
        for key in keys:  # synonyms in order of preference
            col = next((c for c, h in enumerate(folded) if h and c not in used and key in (h, _base(h))), None)
            if col is not None:
                columns[role] = col
                used.add(col)
                break
    components = {}
    patterns = [fold(p) for p in profile.components]
    for col, header in enumerate(folded):
        if header and col not in used and any(p in _base(header) for p in patterns):
            components[col] = headers[col]
            used.add(col)
    signature = [s for s in profile.signature if any(fold(s) in (h, _base(h)) for h in folded if h)]
    missing_required = [r if isinstance(r, str) else "|".join(r) for r in profile.required
                        if not any(role in columns for role in ((r,) if isinstance(r, str) else r))]
    required_roles = {role for r in profile.required for role in ((r,) if isinstance(r, str) else r)}
    score = sum(6 if role in required_roles else 2 for role in columns) + 4 * len(signature)
    score += min(len(components), 6)
    return Detection(
        profile=profile, sheet=None, header_row=0, headers=list(headers), columns=columns, components=components,
        missing=[role for role in profile.roles if role not in columns], missing_required=missing_required,
        unmatched=[headers[c] for c, h in enumerate(folded) if h and c not in used],
        signature_hits=signature, score=score,
    )


def _headers_of(values: Sequence[Any]) -> list[str]:
    return [str(v).strip() if v is not None and str(v).strip() else "" for v in values]


def detect(rows: Sequence[tuple[int, Sequence[Any]]], profiles: dict[str, Profile], *, where: dict[str, Any],
           profile: str | None = None, mapping: dict[str, str] | None = None,
           header_row: int | None = None, kinds: Sequence[str] = ("grades", "roster", "import")) -> Detection:
    """Find the header row among ``rows`` (the first rows of a sheet) and the profile that fits it best.

    ``profile`` forces a profile; ``mapping`` (role → header text or ``col:F``) fixes columns and wins
    over the profile's synonyms; ``header_row`` forces the row. Without ``profile``: a profile whose
    required roles are all present and whose signature headers appear wins if it beats the runner-up;
    a tie is ``ambiguous_profile``; when no signature header appears the ``fallback`` profile is used.
    Raises :class:`DataError` ``no_profile_matched``, ``ambiguous_profile`` or ``bad_mapping``.
    """
    mapping = mapping or {}
    candidates = [p for p in profiles.values() if p.kind in kinds]
    if profile:
        candidates = [find_profile(profiles, profile)]
    rows = [(n, v) for n, v in rows if header_row is None or n == header_row]
    _check_mapped_columns(mapping, max((_width(v) for _n, v in rows), default=0), where)
    best: list[Detection] = []
    tried: list[Detection] = []
    for number, values in rows[:HEADER_SEARCH_ROWS]:
        headers = _headers_of(values)
        if sum(1 for h in headers if h) < (1 if mapping or header_row else 2):
            continue
        fixed = {}
        for role, spec in mapping.items():
            col = _column_index(spec, headers)
            if col is not None and role != "component":
                fixed[role] = col
        if mapping and len(fixed) < len([r for r in mapping if r != "component"]):
            continue  # not the header row: the mapped headers are not all in it
        here = []
        for candidate in candidates:
            found = _match(candidate, headers, fixed)
            found.header_row = number
            found.explicit = dict(mapping)
            here.append(found)
        tried.extend(here)
        if not best or _row_quality(here) > _row_quality(best):
            best = here
    if mapping and not best:
        raise DataError(_("The mapped columns ({headers}) were not found together in one of the first {n} rows.")
                        .format(headers=", ".join(mapping.values()), n=HEADER_SEARCH_ROWS), code="bad_mapping",
                        where=where)
    return _choose(best, tried, forced=bool(profile), where=where)


def _width(values: Sequence[Any]) -> int:
    """The columns a row uses: up to its last non-empty cell (openpyxl pads rows with ``None`` to ``max_col``)."""
    return next((i + 1 for i in range(len(values) - 1, -1, -1) if values[i] not in (None, "")), 0)


def _check_mapped_columns(mapping: dict[str, str], width: int, where: dict) -> None:
    """A ``col:Z`` mapping beyond the last column of the sheet's first rows is a clear ``bad_mapping``."""
    for role, spec in mapping.items():
        col = _column_index(spec, []) if spec.lower().startswith("col:") else None
        if col is None and spec.lower().startswith("col:"):
            raise DataError(_("map.{role}={spec}: {column} is not a column letter (A to ZZZ).").format(
                role=role, spec=spec, column=spec[4:].strip()), code="bad_mapping", where=where)
        if col is not None and width and col >= width:
            raise DataError(_("map.{role}={spec}: the sheet has no column {column}; its columns are A to {last}.")
                            .format(role=role, spec=spec, column=_letter(col), last=_letter(width - 1)),
                            code="bad_mapping", where={**where, "column": _letter(col)})


def _row_quality(detections: list[Detection]) -> tuple[bool, int]:
    """A header row is better when some profile fits it (all required roles), then by the best score."""
    eligible = [d.score for d in detections if not d.missing_required]
    return bool(eligible), max(eligible or [d.score for d in detections] or [0])


def _choose(row_detections: list[Detection], tried: list[Detection], *, forced: bool, where: dict) -> Detection:
    eligible = sorted((d for d in row_detections if not d.missing_required), key=lambda d: -d.score)
    if forced and eligible:
        chosen = eligible[0]
        chosen.reason = _("profile chosen by the user")
        return chosen
    auto = [d for d in eligible if d.profile.auto and not d.profile.fallback]
    fallback = [d for d in eligible if d.profile.fallback]
    top = auto[0] if auto else None
    second = auto[1] if len(auto) > 1 else None
    if top is not None and (top.signature_hits or not fallback):
        if second is not None and second.score == top.score:
            raise DataError(
                _("The headers fit the profiles {first} and {second} equally well ({headers}). Choose one with "
                  "?profile=NAME.").format(first=top.profile.name, second=second.profile.name,
                                           headers=", ".join(h for h in top.headers if h)),
                code="ambiguous_profile", where={**where, "row": top.header_row})
        top.runner_up = _summary(second)
        if top.signature_hits:
            top.reason = _("its own headers {signature} were found, and every required column").format(
                signature=", ".join(top.signature_hits))
        else:
            top.reason = _("every required column was found")
        return top
    if fallback:
        chosen = fallback[0]
        chosen.runner_up = _summary(top)
        chosen.reason = _("no platform's own headers were found; the required columns were")
        return chosen
    pool = row_detections or tried
    headers = next((d.headers for d in sorted(pool, key=lambda d: -d.score)), [])
    attempts = "; ".join(
        "{name} ({missing})".format(name=d.profile.name,
                                    missing=_("missing {roles}").format(roles=", ".join(d.missing_required)))
        for d in sorted(pool, key=lambda d: -d.score)[:8])
    row = max(pool, key=lambda d: d.score).header_row if pool else None
    raise DataError(
        _("No profile fits this sheet. Headers found: {headers}. Profiles tried: {attempts}. Choose a profile with "
          "?profile=NAME or map the columns, for example ?map.student_number=学号&map.total=总分.").format(
            headers=", ".join(h for h in headers if h) or _("(none)"), attempts=attempts or _("(none)")),
        code="no_profile_matched", where={**where, **({"row": row} if row else {})})


def _summary(detection: Detection | None) -> dict[str, Any] | None:
    if detection is None:
        return None
    return {"profile": detection.profile.name, "score": detection.score,
            "signature": detection.signature_hits,
            "missing_required": detection.missing_required}
