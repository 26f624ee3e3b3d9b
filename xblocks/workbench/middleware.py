"""``?lang=zh-cn`` on any workbench page switches the language, and a cookie keeps it for the handlers."""

from django.conf import settings
from django.utils import translation


def query_language(get_response):
    """Activate the language named by ``?lang=`` and remember it in Django's language cookie."""

    def middleware(request):
        language = request.GET.get("lang")
        if not (language and translation.check_for_language(language)):
            return get_response(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = get_response(request)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response

    return middleware
