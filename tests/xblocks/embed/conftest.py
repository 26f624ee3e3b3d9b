"""Fixtures of the platform-resource block tests: the language a view is rendered in."""

import pytest


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
