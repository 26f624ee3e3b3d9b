"""What the platform-resource block shows: the resolved link, the iframe policy, the card's text.

The block calls :func:`resolve_link` once per view and hands the result to :func:`view_context`
(the LMS template) or :func:`mobile_data` (``student_view_data``). Nothing here renders HTML:
the template does, with Django's autoescaping, so author text never becomes markup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_
from adapters.platforms import PlatformResource, ResolveError, ResolverConfig, get_platform, resolve

from . import options

_ = Translator.for_package("xblocks").gettext
log = logging.getLogger(__name__)

# The iframe policy (docs/decisions/0005-embed-block.md explains each token).
IFRAME_SANDBOX = "allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox"
IFRAME_ALLOW = "autoplay 'none'; fullscreen; encrypted-media; picture-in-picture"
IFRAME_REFERRER_POLICY = "strict-origin-when-cross-origin"
LINK_REL = "noopener noreferrer"

FAMILY_PUBLIC = "public"
FAMILY_MOOC = "mooc"
FAMILY_VIDEO = "video"
FAMILY_OTHER = "other"
FAMILY_INSTRUCTIONS = {
    FAMILY_PUBLIC: N_(
        "Opens on {platform}. If the platform asks you to sign in, use the account your school "
        "registered for you on the education platform."
    ),
    FAMILY_MOOC: N_(
        "Opens on {platform}. Sign in there with your school account (or the account your teacher asked "
        "you to use), then come back here when you have finished."
    ),
    FAMILY_VIDEO: N_("Opens on {platform}. No sign-in is needed to watch."),
    FAMILY_OTHER: N_(
        "Opens on {platform} in a new tab. If it asks you to sign in, follow your teacher's instructions."
    ),
}
KIND_LABELS = {
    "assignment": N_("Assignment"),
    "class": N_("Class"),
    "collection": N_("Collection"),
    "course": N_("Course"),
    "page": N_("Page"),
    "video": N_("Video"),
    "live": N_("Live class"),
    "resource": N_("Resource"),
    "textbook": N_("Textbook"),
}
COMPLETION_HINTS = {
    options.COMPLETION_VIEW: "",
    options.COMPLETION_LINK: N_("Opening the resource marks this component as completed."),
    options.COMPLETION_MANUAL: N_("When you have finished, mark this component as done."),
}
EMPTY_URL_CODE = "empty_url"
INTERNAL_ERROR_CODE = "internal_error"


@dataclass
class Resolution:
    """The outcome of resolving the block's link: a resource, or the error that refused it."""

    url: str
    resource: PlatformResource | None = None
    error_code: str = ""
    error_message: str = ""
    warnings: list[Any] = field(default_factory=list)
    family: str = FAMILY_OTHER

    @property
    def ok(self) -> bool:
        """True when the link resolved to a platform resource."""
        return self.resource is not None


def resolver_config(bucket: dict | None) -> ResolverConfig | None:
    """Build the resolver's configuration from the operator's ``XBLOCK_SETTINGS`` bucket.

    ``None`` or an empty bucket means the built-in catalog only. A bucket the resolver cannot read is
    logged for the operator and ignored, so a settings typo never takes course pages down.
    """
    if not bucket:
        return None
    try:
        return ResolverConfig.from_settings(dict(bucket))
    except Exception:  # the operator's settings are input too: never a traceback in a course page
        log.exception("XBLOCK_SETTINGS['mooc_bridge_embed'] cannot be read; using the built-in platforms only")
        return None


def resolve_link(url: str | None, config: ResolverConfig | None = None) -> Resolution:
    """Resolve the author's link; never raises.

    An empty link gives ``error_code == EMPTY_URL_CODE``; a refused link the resolver's code and message;
    an unexpected failure inside the resolver is logged and reported as ``INTERNAL_ERROR_CODE``.
    """
    url = (url or "").strip()
    if not url:
        message = _("No link has been set for this component yet.")
        return Resolution(url, error_code=EMPTY_URL_CODE, error_message=message)
    try:
        resource = resolve(url, config)
    except ResolveError as error:
        return Resolution(url, error_code=error.code, error_message=error.message)
    except Exception:
        log.exception("resolving %r failed", url[:200])
        return Resolution(url, error_code=INTERNAL_ERROR_CODE,
                          error_message=_("The link could not be checked because of an internal error."))
    if not is_web_url(resource.canonical_url):
        # the resolver builds canonical URLs itself; anything else is a bug we refuse to turn into a link
        log.error("resolver returned a non-web canonical URL for %r", url[:200])
        return Resolution(url, error_code=INTERNAL_ERROR_CODE,
                          error_message=_("The link could not be checked because of an internal error."))
    return Resolution(url, resource=resource, warnings=list(resource.warnings or []),
                      family=platform_family(resource.platform, config))


def is_web_url(value: str | None) -> bool:
    """True for an absolute ``https://`` or ``http://`` address: the only kind we put in ``href`` or ``src``."""
    return isinstance(value, str) and value.lower().startswith(("https://", "http://")) and len(value) > 8


def platform_family(platform_id: str, config: ResolverConfig | None = None) -> str:
    """Return the family of a platform: ``public`` (education platforms), ``mooc``, ``video`` or ``other``."""
    try:
        family = getattr(get_platform(platform_id, config), "family", None)
    except Exception:  # a platform the catalog cannot name: the generic text is right for it
        family = None
    return family if family in FAMILY_INSTRUCTIONS else FAMILY_OTHER


def kind_label(kind: str | None) -> str:
    """Return the translated label of a resource kind (course, video, live, resource, textbook)."""
    return _(KIND_LABELS.get(kind or "", KIND_LABELS["resource"]))


def instructions(resolution: Resolution) -> str:
    """What the learner must do on the platform (by platform family), in the current language."""
    template = FAMILY_INSTRUCTIONS.get(resolution.family, FAMILY_INSTRUCTIONS[FAMILY_OTHER])
    return _(template).format(platform=resolution.resource.platform_name)


def embed_mode(resource: PlatformResource | None, display: str) -> str:
    """``"iframe"`` when the platform's policy allows a player and the author did not ask for a card."""
    if resource is None or display == options.DISPLAY_CARD:
        return "card"
    embed = resource.embed
    return "iframe" if embed and embed.mode == "iframe" and is_web_url(embed.src) else "card"


def default_title(resource: PlatformResource | None) -> str:
    """The title used when the author left it empty: the platform's name, else a generic label."""
    if resource is not None and resource.platform_name:
        return resource.platform_name
    return _("Platform resource")


def frame_size(size_text: str | None) -> options.FrameSize:
    """The author's frame size, or 16:9 when the stored value is unusable (validation reports it)."""
    try:
        return options.parse_size(size_text)
    except options.SizeError:
        return options.DEFAULT_SIZE


def summary(resolution: Resolution, display: str) -> str:
    """One line for authors: which platform, which kind, and how it is shown."""
    resource = resolution.resource
    if resource is None:
        return _("This link cannot be used: {message}").format(message=resolution.error_message)
    shown = _("an embedded player") if embed_mode(resource, display) == "iframe" else _("a resource card")
    return _("{platform} · {kind} · shown as {display}").format(
        platform=resource.platform_name, kind=kind_label(resource.kind), display=shown
    )


def warning_text(resource: PlatformResource, warning: Any) -> str:
    """A resolver warning as one sentence for the author, naming the platform and what to use instead."""
    text = " ".join(part for part in (warning.message, getattr(warning, "suggestion", "") or "") if part)
    return _("{platform}: {message}").format(platform=resource.platform_name, message=text)


def view_context(resolution: Resolution, *, title: str, display: str, size: str, completion_mode: str,
                 completed: bool, complete_url: str, interactive: bool = True) -> dict[str, Any]:
    """Return the context of ``templates/student_view.html``: plain strings only, escaped by the template.

    ``interactive=False`` (the Studio preview) renders the same markup without completion wiring.
    """
    resource = resolution.resource
    mode = embed_mode(resource, display)
    context: dict[str, Any] = {
        "ok": resource is not None,
        "mode": mode,
        "title": title or default_title(resource),
        "completion_mode": completion_mode if interactive else "",
        "completed": completed,
        "complete_url": complete_url if interactive else "",
        "labels": {
            "completed": _("Completed"),
            "mark_done": _("Mark as done"),
            "save_failed": _("Your progress could not be saved. Try again later."),
            # never gettext(""): it returns the catalog's header
            "hint": _(COMPLETION_HINTS[completion_mode]) if COMPLETION_HINTS.get(completion_mode) else "",
        },
    }
    if resource is None:
        context["unavailable"] = _("This resource cannot be shown: {reason}").format(reason=resolution.error_message)
        return context
    context.update({
        "platform_id": resource.platform,
        "platform_name": resource.platform_name,
        "kind_label": kind_label(resource.kind),
        "href": resource.canonical_url,
        "open_label": _("Open on {platform}").format(platform=resource.platform_name),
        "instructions": instructions(resolution),
        "new_tab_note": _("(opens in a new tab)"),
    })
    if mode == "iframe":
        context.update({
            "src": resource.embed.src,
            "frame_style": frame_size(size).css(),
            "sandbox": IFRAME_SANDBOX,
            "allow": IFRAME_ALLOW,
            "referrerpolicy": IFRAME_REFERRER_POLICY,
        })
    context["rel"] = LINK_REL
    return context


def mobile_data(resolution: Resolution, *, title: str, display: str, size: str,
                completion_mode: str) -> dict[str, Any]:
    """Return ``student_view_data``: what a native app needs to show the resource without our HTML."""
    resource = resolution.resource
    data: dict[str, Any] = {
        "title": title or default_title(resource),
        "completion_mode": completion_mode,
        "display": display,
    }
    if resource is None:
        data["error"] = {"code": resolution.error_code, "message": resolution.error_message}
        return data
    mode = embed_mode(resource, display)
    data.update({
        "platform": resource.platform,
        "platform_name": resource.platform_name,
        "kind": resource.kind,
        "canonical_url": resource.canonical_url,
        "embed": {"mode": mode, "src": resource.embed.src if mode == "iframe" else None},
        "instructions": instructions(resolution),
        "size": frame_size(size).as_json(),
    })
    return data
