"""What an operator configures: hosts that may be framed, platforms added as data, the URL length limit.

In Open edX these come from ``XBLOCK_SETTINGS`` (see :meth:`ResolverConfig.from_settings`); on the command
line from ``--config FILE`` (a JSON object with the same keys, or the field names). Everything is validated
when the configuration is built, so a typo is an error for the operator, never a broken course page.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_

from . import hosts
from .registry import ALLOWLISTED, BUILTIN, BY_ID
from .rules import Param, Platform, Rule

_ = Translator.for_package("adapters").gettext

_NAME = re.compile(r"[a-z][a-z0-9_]{1,31}")
_PARAM = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
MAX_PATTERN_LENGTH = 500
SETTINGS_KEYS = {"IFRAME_ALLOWED_HOSTS": "iframe_allowed_hosts", "EXTRA_PLATFORMS": "extra_platforms",
                 "MAX_URL_LENGTH": "max_url_length"}


# A list of host patterns, each checked on its own (so an error names its position).
HostPatterns = list[Annotated[Any, AfterValidator(hosts.check_pattern)]]


class ConfigError(ValueError):
    """The operator's resolver configuration cannot be used.

    ``message`` says what to fix; ``code`` is always ``invalid_config``.
    """

    code = "invalid_config"

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(_(_BAD_NAME).format(value=value))
    return value


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > 100 or any(ord(char) < 32 for char in value):
        raise ValueError(_("{what} must be 1 to 100 characters of plain text.").format(what=what))
    return value


class ExtraRule(BaseModel):
    """A URL rule written as data: ``path`` is a regular expression the whole path must match."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    kind: str = "page"
    ids: list[str] = Field(default_factory=list)
    query: list[str] = Field(default_factory=list)
    hosts: HostPatterns = Field(default_factory=list)

    @field_validator("path")
    @classmethod
    def _regex(cls, value: str) -> str:
        if len(value) > MAX_PATTERN_LENGTH:
            raise ValueError(_("The path pattern is longer than {limit} characters.").format(limit=MAX_PATTERN_LENGTH))
        try:
            re.compile(value)
        except re.error as error:
            message = _("The path pattern is not a valid regular expression: {error}").format(error=error)
            raise ValueError(message) from None
        return value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return _check_name(value)

    @field_validator("ids")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        return [_check_name(value) for value in values]

    @field_validator("query")
    @classmethod
    def _query(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _PARAM.fullmatch(value):
                raise ValueError(_("“{value}” is not a query parameter name.").format(value=value))
        return values

    @model_validator(mode="after")
    def _enough_groups(self) -> ExtraRule:
        if len(self.ids) > re.compile(self.path).groups:
            raise ValueError(_("The rule names more ids than its path pattern has groups."))
        return self

    def to_rule(self) -> Rule:
        """Return the :class:`~.rules.Rule` this data describes."""
        params = tuple(Param(name, (name,), r"[0-9A-Za-z_.~-]{1,128}") for name in self.query)
        return Rule(self.kind, self.path, params, tuple(self.hosts), group_ids=tuple(self.ids))


class ExtraPlatform(BaseModel):
    """A platform added as data, or (when ``id`` is a built-in platform's) hosts and rules added to one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name_zh: str | None = None
    name_en: str | None = None
    hosts: HostPatterns = Field(default_factory=list)
    rules: list[ExtraRule] = Field(default_factory=list)
    embed: Literal["card", "iframe"] = "card"
    kind: str = "page"
    family: Literal["public", "mooc", "video", "other"] = "public"
    login_required: bool = True

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if value == ALLOWLISTED.id:
            raise ValueError(_(_BAD_NAME).format(value=value))
        return _check_name(value)

    @field_validator("name_zh", "name_en")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _text(value, _("A platform name"))

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return _check_name(value)

    @model_validator(mode="after")
    def _complete(self) -> ExtraPlatform:
        if self.id not in BY_ID and not (self.name_zh and self.name_en and self.hosts):
            raise ValueError(_("A new platform needs name_zh, name_en and at least one host."))
        return self

    def apply(self, platforms: dict[str, Platform]) -> Platform:
        """Return the platform this entry describes: a new one, or the built-in one with the additions."""
        rules = tuple(rule.to_rule() for rule in self.rules)
        base = platforms.get(self.id)
        if base is None:
            return Platform(id=self.id, name_zh=self.name_zh or "", name_en=self.name_en or "", hosts=tuple(self.hosts),
                            rules=rules, family=self.family, login_required=self.login_required, embed=self.embed,
                            fallback_kind=self.kind, builtin=False)
        changes: dict[str, Any] = {"hosts": base.hosts + tuple(self.hosts), "rules": rules + base.rules}
        for name in ("name_zh", "name_en", "embed", "family", "login_required"):
            if name in self.model_fields_set and getattr(self, name) is not None:
                changes[name] = getattr(self, name)
        if "kind" in self.model_fields_set:
            changes["fallback_kind"] = self.kind
        return dataclasses.replace(base, **changes)


class ResolverConfig(BaseModel):
    """The operator's settings for :func:`~.resolver.resolve`. The default is the built-in catalog only.

    ``iframe_allowed_hosts``: host patterns (exact, or ``*.example.cn`` for the domain and everything below) whose
    pages may be framed; ``extra_platforms``: platforms (or hosts for built-in ones) as data, see
    :class:`ExtraPlatform`; ``max_url_length``: longer links are refused.
    """

    model_config = ConfigDict(extra="forbid")

    iframe_allowed_hosts: HostPatterns = Field(default_factory=list)
    extra_platforms: list[dict] = Field(default_factory=list)
    max_url_length: int = Field(default=2048, ge=64, le=65536)

    @field_validator("extra_platforms")
    @classmethod
    def _extra(cls, values: list[dict]) -> list[dict]:
        specs = []
        for index, value in enumerate(values):
            try:
                specs.append(ExtraPlatform.model_validate(value))
            except ValidationError as error:
                raise ValueError("\n".join(_lines(error, f"extra_platforms[{index}]"))) from None
        _merge(specs)  # raises on ids used twice and hosts claimed by two platforms
        return [spec.model_dump(exclude_unset=True) for spec in specs]

    def platforms(self) -> tuple[Platform, ...]:
        """Return the platforms this configuration resolves to, in lookup order (see ``lookup.all_platforms``)."""
        merged = _merge([ExtraPlatform.model_validate(value) for value in self.extra_platforms])
        unowned = tuple(pattern for pattern in self.iframe_allowed_hosts
                        if not any(hosts.matches_any(hosts.pattern_base(pattern), p.hosts) for p in merged))
        if unowned:
            merged += (dataclasses.replace(ALLOWLISTED, hosts=unowned),)
        return merged

    @classmethod
    def from_settings(cls, bucket: dict | None) -> ResolverConfig:
        """Build a configuration from an ``XBLOCK_SETTINGS``-style dict (``IFRAME_ALLOWED_HOSTS``,
        ``EXTRA_PLATFORMS``, ``MAX_URL_LENGTH``; other keys are ignored). Raises :class:`ConfigError`.
        """
        if bucket is None:
            return cls()
        if not isinstance(bucket, dict):
            raise ConfigError(_("The resolver settings must be a dictionary of settings."))
        values = {field: bucket[key] for key, field in SETTINGS_KEYS.items() if key in bucket}
        return cls.from_dict(values)

    @classmethod
    def from_dict(cls, values: Any) -> ResolverConfig:
        """Build a configuration from a dict of field names; raise :class:`ConfigError` with a readable reason."""
        if not isinstance(values, dict):
            raise ConfigError(_("The resolver settings must be a dictionary of settings."))
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise ConfigError(describe(error)) from None


def describe(error: ValidationError) -> str:
    """Turn a pydantic error into lines naming the setting (``extra_platforms[0].hosts[1]``) and the problem."""
    return _("The resolver settings are not valid:") + "\n" + "\n".join(_lines(error))


def _lines(error: ValidationError, prefix: str = "") -> list[str]:
    lines = []
    for problem in error.errors(include_url=False):
        where = prefix
        for part in problem.get("loc", ()):
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        if message.startswith("extra_platforms["):
            lines.append(message)  # already located by the inner validation
        else:
            lines.append(f"{where}: {message}" if where else message)
    return lines


def _merge(specs: list[ExtraPlatform]) -> tuple[Platform, ...]:
    platforms: dict[str, Platform] = {platform.id: platform for platform in BUILTIN}
    added: list[str] = []
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise ValueError(_("The platform id “{id}” is used twice.").format(id=spec.id))
        seen.add(spec.id)
        for pattern in spec.hosts:
            for other in platforms.values():
                if other.id != spec.id and any(hosts.patterns_overlap(pattern, own) for own in other.hosts):
                    raise ValueError(_(_TAKEN).format(pattern=pattern, platform=other.id))
        platforms[spec.id] = spec.apply(platforms)
        if spec.id not in BY_ID:
            added.append(spec.id)
    return tuple(platforms[platform.id] for platform in BUILTIN) + tuple(platforms[pid] for pid in added)


_BAD_NAME = N_("“{value}” is not a valid name: use 2 to 32 lower-case letters, digits or “_”, starting with a letter.")
_TAKEN = N_("The host “{pattern}” already belongs to platform “{platform}”; add it to that platform (same id) instead.")
