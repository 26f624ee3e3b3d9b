"""``?lang=zh-cn`` on any workbench page switches the language, and a cookie keeps it for the handlers."""

from django.conf import settings
from django.utils import translation


def query_language(get_response):
    """Activate the language named by ``?lang=`` and remember it in Django's language cookie."""

    def middleware(request):
        try:  # zh-cn, zh-CN and zh-hans all mean Simplified Chinese
            language = translation.get_supported_language_variant(request.GET.get("lang") or "")
        except LookupError:
            return get_response(request)
        with translation.override(language):  # for this request only, not for the thread afterwards
            request.LANGUAGE_CODE = translation.get_language()
            response = get_response(request)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response

    return middleware
