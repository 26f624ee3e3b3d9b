"""``{{ text|mb_gettext }}``: a message marked in our code (a scenario's title), translated in the page's language."""

from django import template

from adapters.i18n import Translator

register = template.Library()
_translator = Translator.for_package("xblocks")


@register.filter
def mb_gettext(text):
    """Translate ``text`` with the ``xblocks`` catalog; text the catalog does not hold is returned as it is."""
    return _translator.gettext(str(text)) if text else ""
