"""Identity matching: which target user is this source person? Fail closed (docs/decisions/0013).

Immutable keys come first: the 学号 (``student_number``) and external ids (``external_ids[system]``, e.g. a
OneRoster ``sourcedId`` or an Open edX program ``student_key``). E-mail, phone and username are used only
when configured (``match=("email",)``), as a fallback for people whose immutable key finds nobody, and
always as a cross-check. Whenever the answer is not exactly one target user, or two keys point at two
different users, or the source itself is inconsistent, the person goes to the review list and nothing is
ever written for them. A person nobody matches is *new* (the plan decides what a new person means).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from adapters.i18n import gettext_noop as N_
from adapters.records import Person, normalize_code

__all__ = ["OPTIONAL_KEYS", "REVIEW_REASONS", "Matching", "ReviewCase", "TargetIndex", "admit", "identity_keys",
           "match_people", "observe", "person_key", "resolve"]

OPTIONAL_KEYS = ("email", "phone", "username")
"""Keys used only when configured (``--match email,phone``)."""

REVIEW_REASONS: dict[str, str] = {
    "no_identifier": N_("has no 学号, external id or configured key to match on"),
    "ambiguous_target": N_("{count} target users share {field} {value}"),
    "conflicting_keys": N_("{field} {value} matches {user}, but {other_field} {other_value} matches {other_user}"),
    "identity_mismatch": N_("{field} {value} matches {user}, whose 学号 {target_number} differs from {source_number}"),
    "source_duplicate": N_("the source lists {key} more than once with different details ({fields})"),
    "source_duplicate_record": N_("the source has {count} different values for {key} in {item}"),
    "same_target": N_("{count} source people match the same target user {user}"),
    "source_rows_held": N_("rows {rows} of {file} were not used ({values}): {problem}"),
}
"""Why a person is held for review: code → message template (translated in reports)."""

_FIELD_LABELS = {"sn": "学号", "ext": "external id", "email": "e-mail", "phone": "phone", "username": "username"}


def _phone(value: str | None) -> str | None:
    code = normalize_code(value)
    if not code:
        return None
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits or None


def person_key(person: Person) -> str | None:
    """The key that groups records of one source person: 学号, else an external id, username, e-mail, phone."""
    if person.student_number:
        return "sn:" + person.student_number
    if person.external_ids:
        system = min(person.external_ids)
        return f"ext:{system}:{person.external_ids[system]}"
    if person.username:
        return "username:" + person.username
    if person.email:
        return "email:" + person.email
    phone = _phone(person.phone)
    return "phone:" + phone if phone else None


def _label(person: Person) -> str:
    return person.label() if person.username is None else f"{person.label()} ({person.username})"


def identity_keys(person: Person, optional: tuple[str, ...]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (kind, value) pairs of ``person``: immutable keys, then the configured optional ones."""
    primary = []
    if person.student_number:
        primary.append(("sn", person.student_number))
    for system, value in person.external_ids.items():
        primary.append(("ext", f"{system}:{value}"))
    extra = []
    for kind in optional:
        value = _phone(person.phone) if kind == "phone" else getattr(person, kind)
        if value:
            extra.append((kind, value))
    return primary, extra


@dataclass(slots=True)
class ReviewCase:
    """A person held back: the reason code, its parameters and the target users they could be."""

    person: Person
    reason: str
    params: dict[str, Any]
    candidates: list[Person] = field(default_factory=list)
    records: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (untranslated: reason code and parameters)."""
        return {"person": self.person.model_dump(mode="json", exclude_none=True), "reason": self.reason,
                "params": self.params, "records": self.records,
                "candidates": [c.model_dump(mode="json", exclude_none=True) for c in self.candidates]}


@dataclass
class Matching:
    """The answer for every source person, by :func:`person_key`.

    ``matched`` maps a source key to the index of its target user in ``targets``; ``new`` holds the
    source people no target user matched; ``review`` the people held back (never written);
    ``key_of`` maps ``id(person)`` of every source person seen to its key (valid while they are alive).
    """

    targets: list[Person]
    matched: dict[str, int] = field(default_factory=dict)
    new: dict[str, Person] = field(default_factory=dict)
    review: dict[str, ReviewCase] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    key_of: dict[int, str] = field(default_factory=dict, repr=False)

    def hold(self, key: str, case: ReviewCase) -> None:
        """Move source person ``key`` to the review list (first reason wins)."""
        self.matched.pop(key, None)
        self.new.pop(key, None)
        self.review.setdefault(key, case)


class TargetIndex:
    """Target users, deduplicated, with an index per key kind: value → list of user indexes."""

    def __init__(self, optional: tuple[str, ...]):
        self.optional = optional
        self.people: list[Person] = []
        self.by_identity: dict[Any, int] = {}
        self.index: dict[tuple[str, str], list[int]] = {}
        self._by_object: dict[int, int] = {}  # id(person) → index, for objects seen before (kept alive below)
        self._seen: list[Person] = []

    def add(self, person: Person) -> int:
        """Add a target user (once; the same user seen twice is one) and return its index."""
        found = self._by_object.get(id(person))
        if found is not None:  # this very object again (a target's user list, then its records)
            return found
        identity: Any = ("u", person.username) if person.username else (
            person.student_number, person.email, person.phone, person.name,
            tuple(sorted(person.external_ids.items())))
        found = self.by_identity.get(identity)
        if found is not None:
            self._by_object[id(person)] = found
            self._seen.append(person)
            return found
        position = len(self.people)
        self.people.append(person)
        self._by_object[id(person)] = position
        self.by_identity[identity] = position
        primary, extra = identity_keys(person, self.optional)
        for pair in primary:
            self.index.setdefault(pair, []).append(position)
        for pair in extra:
            self.index.setdefault(pair, []).append(position)
        return position

    def lookup(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[int]]:
        """The hits of each key pair that finds someone."""
        hits = {}
        for pair in pairs:
            found = self.index.get(pair)
            if found:
                hits[pair] = found
        return hits


def _source_conflict(first: Person, other: Person) -> list[str]:
    """Fields in which two source rows of the same key disagree (both given, different)."""
    fields = []
    for name in ("student_number", "email", "phone", "username", "name"):
        a, b = getattr(first, name), getattr(other, name)
        if a is not None and b is not None and a != b:
            fields.append(name)
    for system, value in other.external_ids.items():
        if first.external_ids.get(system, value) != value:
            fields.append(f"external_ids.{system}")
    return fields


def observe(result: Matching, person: Person) -> str:
    """Note one source person object not seen before; return its key (a conflict puts the key under review)."""
    key_of, people, review = result.key_of, result.people, result.review
    key = person_key(person)
    if key is None:
        key = "anon:" + str(len(review))
        review[key] = ReviewCase(person, "no_identifier", {})
    key_of[id(person)] = key
    if key.startswith("anon:"):
        return key
    first = people.get(key)
    if first is None:
        people[key] = person
    elif first != person and key not in review:
        fields = _source_conflict(first, person)
        if fields:
            review[key] = ReviewCase(first, "source_duplicate", {"key": key.split(":", 1)[1],
                                                                 "fields": ", ".join(fields)})
    return key


def admit(result: Matching, index: TargetIndex, person: Person) -> str | None:
    """Observe ``person`` and, when its key is new, match it at once (one pass instead of observe + resolve).

    Returns the key, or ``None`` when ``person`` contradicts an earlier person of the same key: then the
    caller must start again with :func:`observe` for everyone and :func:`resolve` (which puts the key under
    review first). Two keys matching one target user are the caller's to detect (``result.matched``).
    """
    key = person_key(person)
    if key is None:
        return observe(result, person)  # no key: reviewed at once, never matched
    result.key_of[id(person)] = key
    people = result.people
    first = people.get(key)
    if first is not None:
        return None if first != person and _source_conflict(first, person) else key
    people[key] = person
    verdict = _match_one(person, index)
    if isinstance(verdict, ReviewCase):
        result.review[key] = verdict
    elif verdict is None:
        result.new[key] = person
    else:
        result.matched[key] = verdict
    return key


def resolve(result: Matching, index: TargetIndex) -> Matching:
    """Match every observed source person to at most one target user (see the module docstring)."""
    claimed: dict[int, list[str]] = {}
    for key, person in result.people.items():
        if key in result.review:
            continue
        verdict = _match_one(person, index)
        if isinstance(verdict, ReviewCase):
            result.review[key] = verdict
        elif verdict is None:
            result.new[key] = person
        else:
            result.matched[key] = verdict
            claimed.setdefault(verdict, []).append(key)
    for target, keys in claimed.items():
        if len(keys) > 1:
            for key in keys:
                result.hold(key, ReviewCase(result.people[key], "same_target",
                                            {"count": len(keys), "user": _label(index.people[target])},
                                            [index.people[target]]))
    return result


def match_people(sources: Iterable[Person], index: TargetIndex) -> Matching:
    """Match every source person to at most one target user; see the module docstring for the rules."""
    result = Matching(targets=index.people)
    key_of = result.key_of
    for person in sources:
        if id(person) not in key_of:  # the same object again (one learner's many grades): nothing new
            observe(result, person)
    return resolve(result, index)


def _match_one(person: Person, index: TargetIndex) -> int | ReviewCase | None:
    """One person: the target index, ``None`` (nobody), or a :class:`ReviewCase`."""
    people = index.people
    number = person.student_number
    if number and not index.optional and not person.external_ids:  # the usual case: one lookup decides
        found = index.index.get(("sn", number))
        if found is None:
            return None
        if len(found) == 1 and people[found[0]].student_number == number:
            return found[0]
    primary, extra = identity_keys(person, index.optional)
    hits = index.lookup(primary)
    fallback = False
    if not hits:
        hits = index.lookup(extra)
        fallback = True
        if not hits:
            return None
    for pair, found in hits.items():
        if len(found) > 1:
            return ReviewCase(person, "ambiguous_target", {"count": len(found), "field": _FIELD_LABELS[pair[0]],
                                                           "value": pair[1]}, [people[i] for i in found])
    chosen_pair, (chosen,) = next(iter(hits.items()))
    others = hits if fallback else {**hits, **index.lookup(extra)}
    for pair, found in others.items():
        if found[0] != chosen or len(found) > 1:
            other = next(i for i in found if i != chosen) if len(found) > 1 or found[0] != chosen else chosen
            return ReviewCase(person, "conflicting_keys",
                              {"field": _FIELD_LABELS[chosen_pair[0]], "value": chosen_pair[1],
                               "user": _label(people[chosen]), "other_field": _FIELD_LABELS[pair[0]],
                               "other_value": pair[1], "other_user": _label(people[other])},
                              [people[chosen], people[other]])
    target = people[chosen]
    if target.student_number and person.student_number and target.student_number != person.student_number:
        return ReviewCase(person, "identity_mismatch",
                          {"field": _FIELD_LABELS[chosen_pair[0]], "value": chosen_pair[1], "user": _label(target),
                           "target_number": target.student_number, "source_number": person.student_number},
                          [target])
    return chosen
