"""The platform-resource block: a link from a national, provincial or MOOC platform, shown as a player or a card.

The block holds fields, views and handlers only. Links are resolved by :mod:`adapters.platforms`;
what a view shows is built in :mod:`xblocks.embed.presentation`; the author's choices are checked in
:mod:`xblocks.embed.options`. Decisions: docs/decisions/0005-embed-block.md.
"""

from __future__ import annotations

import html
import logging

from web_fragments.fragment import Fragment
from xblock.completable import CompletableXBlockMixin, XBlockCompletionMode
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, Scope, String
from xblock.utils.resources import ResourceLoader
from xblock.utils.studio_editable import StudioEditableXBlockMixin
from xblock.validation import ValidationMessage

from adapters.i18n import Translator
from adapters.i18n import gettext_noop as N_
from xblocks.i18n import TranslatedBlockMixin
from xblocks.resources import PipelineResourcesMixin

from . import options, presentation, scenarios

_ = Translator.for_package("xblocks").gettext
log = logging.getLogger(__name__)
loader = ResourceLoader(__name__)

TRIGGERS = (options.COMPLETION_VIEW, options.COMPLETION_LINK, options.COMPLETION_MANUAL)


@XBlock.wants("settings")
class PlatformResourceBlock(PipelineResourcesMixin, TranslatedBlockMixin, StudioEditableXBlockMixin,
                            CompletableXBlockMixin, XBlock):
    """A resource of a national, provincial or MOOC platform: the platform's player, or a card that opens it.

    Completion is custom (``has_custom_completion``): the author picks whether seeing the block, opening
    the link or pressing "mark as done" completes it; the ``complete`` handler emits completion 1.0 once.
    The block is never graded (``has_score`` is false).
    """

    block_settings_key = "mooc_bridge_embed"
    has_custom_completion = True
    completion_mode = XBlockCompletionMode.COMPLETABLE
    has_score = False
    icon_class = "video"
    resources_dir = "embed/static"  # from the `xblocks` package, as edx-platform's pipeline finder looks

    display_name = String(
        display_name=N_("Title"),
        help=N_("Shown above the resource and in the course outline. Leave it empty to use the platform's name."),
        default="",
        scope=Scope.settings,
    )
    url = String(
        display_name=N_("Link"),
        help=N_("Paste the address of the course, video or resource page on the platform."),
        default="",
        scope=Scope.content,
    )
    display = String(
        display_name=N_("Display"),
        help=N_("How learners see the resource."),
        default=options.DISPLAY_AUTO,
        values=options.display_choices,
        scope=Scope.settings,
    )
    completion_trigger = String(
        display_name=N_("Completion"),
        help=N_("When this component counts as completed for the learner."),
        default=options.COMPLETION_VIEW,
        values=options.completion_choices,
        scope=Scope.settings,
    )
    size = String(
        display_name=N_("Height or aspect ratio"),
        help=N_("For an embedded player: an aspect ratio such as 16:9 or 4:3, or a height in pixels such as 480px."),
        default="16:9",
        scope=Scope.settings,
    )
    completed = Boolean(default=False, scope=Scope.user_state, help="True once completion has been emitted.")

    editable_fields = ("display_name", "url", "display", "completion_trigger", "size")

    # --- helpers -------------------------------------------------------------------------------------

    def _settings_bucket(self) -> dict:
        """The operator's ``XBLOCK_SETTINGS["mooc_bridge_embed"]``, or ``{}`` where the runtime has no settings."""
        try:
            service = self.runtime.service(self, "settings")
        except Exception:  # runtimes without the service (ToyRuntime) or with a broken one
            service = None
        if service is None:
            return {}
        try:
            return service.get_settings_bucket(self) or {}
        except Exception:
            log.exception("the settings service failed; using the built-in platforms only")
            return {}

    def _resolve(self, url: str | None = None) -> presentation.Resolution:
        config = presentation.resolver_config(self._settings_bucket())
        return presentation.resolve_link(self.url if url is None else url, config)

    def _render(self, resolution: presentation.Resolution, interactive: bool) -> Fragment:
        context = presentation.view_context(
            resolution,
            title=self.display_name,
            display=self.display,
            size=self.size,
            completion_mode=self.completion_trigger,
            completed=self.completed,
            complete_url=self.runtime.handler_url(self, "complete") if interactive else "",
            interactive=interactive,
        )
        fragment = Fragment(loader.render_django_template("templates/student_view.html", context))
        fragment.add_css(loader.load_unicode("static/css/embed.css"))
        fragment.add_javascript(loader.load_unicode("static/js/embed.js"))
        fragment.initialize_js("MoocBridgeEmbedBlock")
        return fragment

    # --- views ---------------------------------------------------------------------------------------

    @XBlock.supports("multi_device")
    def student_view(self, context=None) -> Fragment:
        """The LMS view: the platform's player in a sandboxed iframe, or a card that opens the platform."""
        return self._render(self._resolve(), interactive=True)

    def author_view(self, context=None) -> Fragment:
        """Studio's preview: the resolved platform in one line, then the block without completion wiring."""
        resolution = self._resolve()
        summary = loader.render_django_template(
            "templates/author_summary.html",
            {"ok": resolution.ok, "summary": presentation.summary(resolution, self.display)},
        )
        fragment = self._render(resolution, interactive=False)
        fragment.content = summary + fragment.content
        return fragment

    def student_view_data(self, context=None) -> dict:
        """JSON for the mobile apps: platform, kind, canonical URL, embed mode and src, title, completion mode."""
        return presentation.mobile_data(
            self._resolve(), title=self.display_name, display=self.display, size=self.size,
            completion_mode=self.completion_trigger,
        )

    # --- Studio editor -------------------------------------------------------------------------------

    def _make_field_info(self, field_name, field):
        """Add the resolved platform of the current link to the Link field's help text (Studio renders it raw)."""
        info = super()._make_field_info(field_name, field)
        if field_name == "url" and info is not None and self.url:
            summary = presentation.summary(self._resolve(), self.display)
            info["help"] = "{help}<br>{current}".format(
                help=html.escape(info["help"]),
                current=html.escape(_("Current link: {summary}").format(summary=summary)),
            )
        return info

    def clean_studio_edits(self, data: dict) -> None:
        """Strip blanks around the link, the title and the size."""
        for name in ("url", "display_name", "size"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()

    def validate_field_data(self, validation, data) -> None:
        """Refuse what cannot be shown: a link the resolver refuses (with its message), a bad size or choice.

        Only errors are added here: ``submit_studio_edits`` refuses to save on any message, so the resolver's
        warnings are added by :meth:`validate`, which Studio shows on the component.
        """
        resolution = self._resolve(data.url)
        if not resolution.ok:
            if resolution.error_code == presentation.EMPTY_URL_CODE:
                text = _("Paste the link of the resource (a web address starting with https://).")
            else:
                text = _("This link cannot be used: {message}").format(message=resolution.error_message)
            validation.add(ValidationMessage(ValidationMessage.ERROR, text))
        try:
            options.parse_size(data.size)
        except options.SizeError as error:
            validation.add(ValidationMessage(ValidationMessage.ERROR, str(error)))
        if len(data.display_name or "") > options.TITLE_MAX_LENGTH:
            validation.add(ValidationMessage(
                ValidationMessage.ERROR,
                _("The title is too long: use at most {max} characters.").format(max=options.TITLE_MAX_LENGTH),
            ))
        for name, allowed in (("display", options.DISPLAY_LABELS), ("completion_trigger", options.COMPLETION_LABELS)):
            value = getattr(data, name)
            if value not in allowed:
                validation.add(ValidationMessage(
                    ValidationMessage.ERROR,
                    _("“{value}” is not one of the choices for “{field}”.").format(
                        value=value, field=_(self.fields[name].display_name)),
                ))

    def validate(self):
        """Studio's component check: the errors of :meth:`validate_field_data` plus the resolver's warnings."""
        validation = super().validate()
        resolution = self._resolve()
        if resolution.ok:
            for warning in resolution.warnings:
                validation.add(ValidationMessage(
                    ValidationMessage.WARNING, presentation.warning_text(resolution.resource, warning)
                ))
            in_player = presentation.embed_mode(resolution.resource, self.display) == "iframe"
            if in_player and self.completion_trigger == options.COMPLETION_LINK:
                validation.add(ValidationMessage(ValidationMessage.WARNING, _(
                    "Learners who watch in the embedded player may never open the link, so this component would "
                    "never be completed. Choose completion when the learner sees it, or when they mark it as done."
                )))
        return validation

    # --- handlers ------------------------------------------------------------------------------------

    @XBlock.json_handler
    def complete(self, data, suffix=""):
        """Record that the learner completed the block, once; the same call again changes nothing.

        Request ``{"trigger": "view" | "link" | "manual"}``: what the learner did. Only the trigger the
        author chose completes the block; any other is answered ``{"completed": <as before>}``.
        Response ``{"completed": bool}``. A body that is not an object, or an unknown trigger, is a 400.
        """
        trigger = data.get("trigger") if isinstance(data, dict) else None
        if trigger not in TRIGGERS:
            raise JsonHandlerError(400, _("Unknown completion trigger."))
        if not self.completed and trigger == self.completion_trigger:
            self.emit_completion(1.0)
            self.completed = True
        return {"completed": self.completed}

    @staticmethod
    def workbench_scenarios():
        """The demo scenarios of ``make demo``: one per platform family, several on a page, hostile input."""
        return scenarios.workbench_scenarios()
