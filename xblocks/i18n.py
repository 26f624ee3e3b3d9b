"""The one translation path of our blocks: Studio's field labels, help and choices come from our catalog.

``StudioEditableXBlockMixin`` translates a field's ``display_name`` and ``help`` with ``self.ugettext`` when
the block declares the ``i18n`` service, and shows the ``display_name`` of a select's choices untranslated.
The runtime's i18n service would look in the runtime's own catalogs (Studio's ``XBlockI18nService`` in the
package's ``conf/locale``, the workbench's in Django's), where our messages are not: so every block of ours
inherits :class:`TranslatedBlockMixin`, which answers from ``xblocks/locale`` in Django's active language
(Studio and the LMS activate the user's language per request; the workbench follows ``?lang=``).
"""

from __future__ import annotations

from xblock.core import XBlock, XBlockMixin

from adapters.i18n import Translator

_translator = Translator.for_package("xblocks")


@XBlock.wants("i18n")
class TranslatedBlockMixin(XBlockMixin):
    """``ugettext``/``gettext``/``ngettext`` through our catalog, and translated choices in the Studio editor.

    Put it before ``StudioEditableXBlockMixin`` among the bases, so its ``_make_field_info`` runs first.
    """

    def ugettext(self, text: str) -> str:
        """Translate ``text`` with the ``xblocks`` catalog in the current language (what Studio's editor calls)."""
        return _translator.gettext(text)

    def gettext(self, text: str) -> str:
        """The same as :meth:`ugettext`, under the name newer Open edX code calls."""
        return _translator.gettext(text)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """Translate a message with a plural form for ``count``."""
        return _translator.ngettext(singular, plural, count)

    def _make_field_info(self, field_name, field):
        """Studio's description of a field, with the ``display_name`` of each choice translated too."""
        info = super()._make_field_info(field_name, field)
        if info is not None and info.get("values"):
            info["values"] = [
                {**choice, "display_name": self.ugettext(choice["display_name"])}
                if isinstance(choice, dict) and isinstance(choice.get("display_name"), str) else choice
                for choice in info["values"]
            ]
        return info
