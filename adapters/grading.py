"""Grade scales of Chinese registrars: 百分制, 五级制, 两级制, and the special statuses 缺考/缓考/作弊/免修.

Everything here is data. :class:`GradeScales` holds the bands of each word scale (the lowest percentage
that earns the word, and the percentage the word converts back to), the words that mean a status
rather than a grade, and the names of the scales as a 教务系统 writes them (记分制). Schools differ, so a
registrar overrides any part with a JSON file (``GradeScales.load(path)``); :data:`DEFAULT_SCALES` is the
table used otherwise (docs/decisions/0011):

==========  ===================  =====================
scale       word (aliases)       from percent → value
==========  ===================  =====================
五级制      优秀 (优)             ≥ 90 → 95
            良好 (良)             ≥ 80 → 85
            中等 (中)             ≥ 70 → 75
            及格                  ≥ 60 → 65
            不及格                < 60 → 50
两级制      合格 (通过, pass)     ≥ 60 → 75
            不合格 (未通过, fail) < 60 → 50
==========  ===================  =====================

Statuses: 缺考/旷考 → ``absent``, 缓考 → ``deferred``, 作弊/舞弊 → ``cheating``, 免修/免考 → ``exempt``.
Thresholds apply to the exact value (89.99 is 良好); no rounding happens before a conversion.

What a grade *means* is decided in one place, :func:`decide_grade` (docs/decisions/0024): the number, converted
by the school's table, wins over a word the source wrote beside it (a MOOC's own 成绩等级); that word is kept
as a remark (备注) when it disagrees. Readers, the draft writer and the report's chart all ask it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import DataError
from .i18n import Translator
from .records import Score, ScoreScale, ScoreStatus

__all__ = ["DEFAULT_SCALES", "WORD_SCALES", "Band", "Grade", "GradeDecision", "GradeScales", "decide_grade"]

_ = Translator.for_package("adapters").gettext

WORD_SCALES = ("five_level", "two_level")
"""The scales whose grades are words."""


class Band(BaseModel):
    """One word of a word scale: earned from ``min`` percent upwards, converted back to ``value`` percent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    word: str = Field(min_length=1)
    min: float = Field(ge=0, le=100)
    value: float = Field(ge=0, le=100)
    aliases: tuple[str, ...] = ()


class Grade(BaseModel):
    """A parsed grade cell: a number on ``scale``, a grade word, or a status (缺考…) with no value."""

    model_config = ConfigDict(frozen=True)

    value: float | None = None
    text: str | None = None
    scale: ScoreScale = "percent"
    status: ScoreStatus = "graded"


def _fold(text: str) -> str:
    """The form words are compared in: NFKC, no white space, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_SCIENTIFIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)e[+-]?\d+$")


class GradeScales(BaseModel):
    """A school's grade scales and status words. Build with :meth:`default`, :meth:`from_mapping` or :meth:`load`.

    Invariants (checked when built): each word scale has bands with distinct ``min`` values, one band
    starts at 0, every band's ``value`` lies in the band, and no word or alias means two things.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    five_level: tuple[Band, ...]
    two_level: tuple[Band, ...]
    statuses: dict[str, ScoreStatus] = Field(description="word → status, e.g. 缺考 → absent")
    remarks: dict[ScoreStatus, str] = Field(description="status → the 备注 word written to the 教务 draft")
    scale_names: dict[ScoreScale, str] = Field(description="scale → 记分制 name, e.g. percent → 百分制")
    scale_aliases: dict[str, ScoreScale] = Field(default_factory=dict, description="other 记分制 names")
    word_remark: str = Field(default="平台成绩等级：{word}", description="备注 for a source word that disagrees "
                             "with the number's grade ({word} is the source's word)")
    missing_score: Literal["list", "absent"] = Field(
        default="list", description="a row with no score: listed as skipped with the reason (list), or 缺考 (absent)")

    @model_validator(mode="after")
    def _check(self) -> GradeScales:
        seen: dict[str, str] = {}
        for scale in WORD_SCALES:
            bands = self.bands(scale)
            mins = [band.min for band in bands]
            if len(set(mins)) != len(mins) or 0 not in mins:
                raise ValueError(f"{scale}: band minimums must be distinct and one must be 0")
            upper = 100.0
            for band in bands:
                if not band.min <= band.value <= upper:
                    raise ValueError(f"{scale}: {band.word} converts to {band.value}, outside its band")
                upper = band.min
                for word in (band.word, *band.aliases):
                    key = _fold(word)
                    if key in seen and seen[key] != f"{scale}:{band.word}":
                        raise ValueError(f"the word {word!r} is used twice")
                    seen[key] = f"{scale}:{band.word}"
        for word in self.statuses:
            if _fold(word) in seen:
                raise ValueError(f"the word {word!r} is both a grade and a status")
        return self

    # building -----------------------------------------------------------------------------------------

    @classmethod
    def default(cls) -> GradeScales:
        """The default table (see the module docstring)."""
        return cls.model_validate(DEFAULT_SCALES)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> GradeScales:
        """Build from ``data`` laid over the default table (top-level keys replace the default's).

        Raises :class:`DataError` (code ``bad_grade_scales``) when the result breaks an invariant.
        """
        merged = {**DEFAULT_SCALES, **data}
        try:
            return cls.model_validate(merged)
        except ValidationError as error:
            raise DataError(
                _("The grade scale table is not valid: {details}").format(details=_first_error(error)),
                code="bad_grade_scales",
            ) from None

    @classmethod
    def load(cls, path: str | Path) -> GradeScales:
        """Read a JSON override file (same keys as :data:`DEFAULT_SCALES`); raise :class:`DataError` if unusable."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as error:
            raise DataError(
                _("Cannot read the grade scale file {path}: {details}").format(path=path, details=error),
                code="bad_grade_scales", where={"file": str(path)},
            ) from None
        if not isinstance(data, dict):
            raise DataError(_("The grade scale file {path} must hold a JSON object.").format(path=path),
                            code="bad_grade_scales", where={"file": str(path)})
        return cls.from_mapping(data)

    # looking up ---------------------------------------------------------------------------------------

    def bands(self, scale: str) -> tuple[Band, ...]:
        """The bands of a word scale, best first."""
        if scale not in WORD_SCALES:
            raise ValueError(f"{scale!r} is not a word scale")
        return tuple(sorted(getattr(self, scale), key=lambda band: -band.min))

    def word_for(self, percent: float, scale: str) -> str:
        """The word of ``scale`` that ``percent`` (0..100) earns."""
        for band in self.bands(scale):
            if percent >= band.min:
                return band.word
        return self.bands(scale)[-1].word

    def rank(self, word: str, scale: str) -> int:
        """0 for the best word of ``scale``, 1 for the next…; ``ValueError`` for a word not on it."""
        key = _fold(word)
        for index, band in enumerate(self.bands(scale)):
            if key in {_fold(w) for w in (band.word, *band.aliases)}:
                return index
        raise ValueError(f"{word!r} is not a word of {scale}")

    def find_word(self, text: str) -> tuple[str, Band] | None:
        """``(scale, band)`` for a grade word or alias, or ``None``."""
        key = _fold(text)
        for scale in WORD_SCALES:
            for band in self.bands(scale):
                if key in {_fold(w) for w in (band.word, *band.aliases)}:
                    return scale, band
        return None

    def find_status(self, text: str) -> ScoreStatus | None:
        """The status a word such as 缺考 stands for, or ``None``."""
        key = _fold(text)
        for word, status in self.statuses.items():
            if _fold(word) == key:
                return status
        return None

    def value_for(self, word: str) -> float:
        """The percentage a grade word converts to; ``ValueError`` for an unknown word."""
        found = self.find_word(word)
        if found is None:
            raise ValueError(f"{word!r} is not a grade word")
        return found[1].value

    def scale_name(self, scale: str) -> str:
        """The 记分制 name of ``scale`` (百分制, 五级制, 两级制)."""
        return self.scale_names.get(scale, self.scale_names.get("percent", scale))  # type: ignore[arg-type]

    def scale_from_name(self, name: str) -> ScoreScale | None:
        """The scale a 记分制 name (or a scale id such as ``five_level``) stands for, or ``None``."""
        key = _fold(name)
        for scale, label in self.scale_names.items():
            if key in (_fold(label), scale):
                return scale
        for alias, scale in self.scale_aliases.items():
            if key == _fold(alias):
                return scale
        return None

    # parsing and converting ---------------------------------------------------------------------------

    def parse(self, cell: Any, *, max_score: float = 100.0, scale: str | None = None) -> Grade | None:
        """Read a grade cell: a number (0..``max_score``), a grade word, or a status word.

        Returns ``None`` for an empty cell. ``scale`` says what a number means (percent by default,
        ``points`` out of ``max_score``). Raises :class:`DataError` with code ``score_not_a_number``,
        ``score_out_of_range`` or ``scientific_notation`` (the text may have lost digits).
        """
        if cell is None:
            return None
        if isinstance(cell, bool):
            raise DataError(_("A score cannot be TRUE or FALSE."), code="score_not_a_number")
        if isinstance(cell, int | float):
            return self._number(float(cell), max_score, scale)
        text = unicodedata.normalize("NFKC", str(cell)).strip()
        if not text or text in {"-", "--", "—", "/"}:
            return None
        if (status := self.find_status(text)) is not None:
            return Grade(text=text, scale=_scale_or_percent(scale), status=status)
        if (found := self.find_word(text)) is not None:
            word_scale, band = found
            return Grade(text=band.word, scale=word_scale)  # type: ignore[arg-type]
        compact = text.replace(",", "").rstrip("分%").strip()
        if _NUMBER.match(compact):
            return self._number(float(compact), max_score, scale)
        if _SCIENTIFIC.match(compact.lower()):
            raise DataError(_("The score {text} is in scientific notation; type it as a plain number.").format(
                text=text), code="scientific_notation")
        raise DataError(_("{text} is neither a number nor a known grade word.").format(text=text[:40]),
                        code="score_not_a_number")

    def _number(self, value: float, max_score: float, scale: str | None) -> Grade:
        if not math.isfinite(value) or not 0 <= value <= max_score:
            raise DataError(_("The score {value} is outside 0 to {max}.").format(value=value, max=max_score),
                            code="score_out_of_range")
        if scale == "points":
            return Grade(value=value, scale="points")
        if max_score != 100:
            return Grade(value=value * 100.0 / max_score, scale="percent")
        return Grade(value=value, scale="percent")

    def percent_of(self, score: Score) -> float | None:
        """The score as a percentage: numeric scores through :meth:`Score.fraction`, words through their value."""
        fraction = score.fraction()
        if fraction is not None:
            return fraction * 100.0
        if score.text and self.find_word(score.text) is not None:
            return self.value_for(score.text)
        return None

    def convert(self, score: Score, scale: str) -> tuple[float | None, str | None]:
        """Express ``score`` on ``scale``: ``(number, None)`` for percent, ``(None, word)`` for a word scale.

        :func:`decide_grade` decides (the number wins over a word written beside it). Raises ``ValueError``
        when the score has no value that can be converted (points without a maximum, an unknown word, a
        status without a grade such as 缓考, no value at all).
        """
        decision = decide_grade(score, scale, self)
        if decision.value is None and decision.word is None:
            raise ValueError("the score has no value that can be converted")
        return decision.value, decision.word


def _scale_or_percent(scale: str | None) -> ScoreScale:
    return scale if scale in get_args(ScoreScale) else "percent"  # type: ignore[return-value]


Basis = Literal["number", "word", "status", "none"]


class GradeDecision(BaseModel):
    """What one grade means on one scale (:func:`decide_grade`).

    ``value`` (percent and points scales) or ``word`` (五级制, 两级制) is what to record; both are ``None`` when
    nothing can be recorded (``basis`` ``"none"``: no convertible value, or a pending grade; or a status such as
    缓考 that is recorded with an empty grade). ``percent`` is the percentage the decision rests on. ``remark``
    is the 备注: the status word (缺考), else the source's own word when it disagrees with the number's grade
    (``agrees`` False; ``source_word`` is that word as written).
    """

    model_config = ConfigDict(frozen=True)

    scale: ScoreScale
    value: float | None = None
    word: str | None = None
    percent: float | None = None
    status: ScoreStatus = "graded"
    basis: Basis = "none"
    remark: str | None = None
    source_word: str | None = None
    agrees: bool = True


_NOT_RECORDED = frozenset({"deferred", "exempt"})  # recorded with an empty grade and the status in 备注
_RECORDED_AS_ZERO = frozenset({"absent", "cheating"})  # recorded as 0 / the lowest word, with 备注
_NOT_FINAL = frozenset({"pending", "incomplete"})


def decide_grade(score: Score, scale: str, scales: GradeScales | None = None) -> GradeDecision:
    """The grade ``score`` means on ``scale`` under the school's table ``scales`` (default: :data:`DEFAULT_SCALES`).

    The one rule (docs/decisions/0024):

    1. A status decides first: 缺考/作弊 are recorded as 0 (or the lowest word), 缓考/免修 with no grade, each
       with its 备注 word; pending/incomplete are not final and record nothing.
    2. Else a number (percent, or points out of a maximum) decides, converted by the table: 88.8 is 良好 under
       五级制 whatever word the source wrote beside it; that word becomes the remark when it disagrees (on its
       own scale) with the number's grade.
    3. Else a grade word decides: kept as written (its canonical form) on its own scale, converted through
       its percentage to another.
    4. Else nothing can be recorded (``basis`` ``"none"``).

    Pure: no I/O, the same answer for the same arguments.
    """
    table = scales if scales is not None else _default()
    status = score.status
    out: ScoreScale = scale if scale in _SCALES else "percent"  # type: ignore[assignment]
    word_scale = out in WORD_SCALES
    if status in _NOT_FINAL:
        return GradeDecision(scale=out, status=status)
    if status != "graded":
        remark = table.remarks.get(status)
        if status in _RECORDED_AS_ZERO:
            if word_scale:
                return GradeDecision(scale=out, word=table.bands(out)[-1].word, percent=0.0, status=status,
                                     basis="status", remark=remark)
            return GradeDecision(scale=out, value=0.0, percent=0.0, status=status, basis="status", remark=remark)
        return GradeDecision(scale=out, status=status, basis="status", remark=remark)
    fraction = score.fraction()
    found = table.find_word(score.text) if score.text else None
    if fraction is not None:
        percent = fraction * 100.0
        agrees, remark, source_word = True, None, None
        if found is not None:
            source_word = score.text
            agrees = table.word_for(percent, found[0]) == found[1].word
            remark = None if agrees else table.word_remark.format(word=score.text)
        if word_scale:
            return GradeDecision(scale=out, word=table.word_for(percent, out), percent=percent, basis="number",
                                 remark=remark, source_word=source_word, agrees=agrees)
        return GradeDecision(scale=out, value=percent, percent=percent, basis="number", remark=remark,
                             source_word=source_word, agrees=agrees)
    if found is not None:
        own_scale, band = found
        if word_scale:
            word = band.word if own_scale == out else table.word_for(band.value, out)
            return GradeDecision(scale=out, word=word, percent=band.value, basis="word", source_word=score.text)
        return GradeDecision(scale=out, value=band.value, percent=band.value, basis="word", source_word=score.text)
    return GradeDecision(scale=out)


_SCALES = frozenset(get_args(ScoreScale))
_DEFAULT: list[GradeScales] = []


def _default() -> GradeScales:
    if not _DEFAULT:
        _DEFAULT.append(GradeScales.default())
    return _DEFAULT[0]


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    place = ".".join(str(part) for part in first.get("loc", ()))
    return f"{place}: {first.get('msg', '')}" if place else str(first.get("msg", ""))


DEFAULT_SCALES: dict[str, Any] = {
    "five_level": [
        {"word": "优秀", "min": 90, "value": 95, "aliases": ["优"]},
        {"word": "良好", "min": 80, "value": 85, "aliases": ["良"]},
        {"word": "中等", "min": 70, "value": 75, "aliases": ["中"]},
        {"word": "及格", "min": 60, "value": 65, "aliases": []},
        {"word": "不及格", "min": 0, "value": 50, "aliases": []},
    ],
    "two_level": [
        {"word": "合格", "min": 60, "value": 75, "aliases": ["通过", "pass", "passed"]},
        {"word": "不合格", "min": 0, "value": 50, "aliases": ["未通过", "不通过", "fail", "failed"]},
    ],
    "statuses": {"缺考": "absent", "旷考": "absent", "缓考": "deferred", "作弊": "cheating", "舞弊": "cheating",
                 "免修": "exempt", "免考": "exempt"},
    "remarks": {"absent": "缺考", "deferred": "缓考", "cheating": "作弊", "exempt": "免修"},
    "scale_names": {"percent": "百分制", "five_level": "五级制", "two_level": "两级制"},
    "scale_aliases": {"百分": "percent", "五级": "five_level", "五级记分制": "five_level", "二级制": "two_level",
                      "两级": "two_level", "二级": "two_level"},
}
"""The default table (docs/decisions/0011); a school's JSON file replaces any of these keys."""
