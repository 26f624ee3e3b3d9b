"""LMS settings from the SCORM app (edx-django-utils ``settings_config``): our events in Aspects' allow-lists.

event-routing-backends (ERB) forwards an event as xAPI only if its name is in a ``NameWhitelistProcessor`` of the
``event_transformer`` backend and of its ``xapi`` backend, both copied from
``EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS`` when ERB's own plugin settings build ``EVENT_TRACKING_BACKENDS``
(``event_routing_backends/settings/common.py`` and ``utils/settings.py``); over the event bus (Aspects'
``ASPECTS_ENABLE_EVENT_BUS_PRODUCER``) eventtracking's ``EventBusRoutingBackend`` also needs the name in
``EVENT_BUS_TRACKING_LOGS``. edx-django-utils calls the plugins' settings in entry-point order, so ours may run
before or after ERB's: the names go into the list (ERB appends its own to a list that exists and builds the
backends from it) and into the whitelists ERB already built. Without ERB nothing here has any effect.
``MOOC_BRIDGE_SCORM_XAPI = False`` leaves every list as it is.
"""

from __future__ import annotations

from typing import Any

from .tracking import EVENT_NAMES

WHITELIST = "eventtracking.processors.whitelist.NameWhitelistProcessor"


def plugin_settings(settings: Any) -> None:
    """Allow :data:`~xblocks.scorm.tracking.EVENT_NAMES` for ERB's xAPI backend in the settings module ``settings``."""
    if not getattr(settings, "MOOC_BRIDGE_SCORM_XAPI", True):
        return
    names = list(EVENT_NAMES)
    allowed = getattr(settings, "EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS", None)
    settings.EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS = _allow(allowed if allowed is not None else [], names)
    bus = getattr(settings, "EVENT_BUS_TRACKING_LOGS", None)
    if bus is not None:  # else ERB sets it later from the allow-lists, or there is no event bus
        settings.EVENT_BUS_TRACKING_LOGS = _allow(bus, names)
    transformer = (getattr(settings, "EVENT_TRACKING_BACKENDS", None) or {}).get("event_transformer")
    if not isinstance(transformer, dict):
        return  # ERB has not built its backends yet (it will, from the list above) or is not installed
    options = transformer.get("OPTIONS") or {}
    _allow_in_processors(options, names)
    xapi = (options.get("backends") or {}).get("xapi")
    if isinstance(xapi, dict):
        _allow_in_processors(xapi.get("OPTIONS") or {}, names)


def _allow_in_processors(options: dict, names: list[str]) -> None:
    for processor in options.get("processors") or []:
        if isinstance(processor, dict) and processor.get("ENGINE") == WHITELIST:
            processor_options = processor.setdefault("OPTIONS", {})
            processor_options["whitelist"] = _allow(processor_options.get("whitelist") or [], names)


def _allow(names_in: Any, names: list[str]) -> Any:
    """``names_in`` with ``names`` added: the same list or set, changed in place (ERB shares one list between the
    setting and its xAPI whitelist), or a new list for any other kind."""
    if isinstance(names_in, set):
        names_in.update(names)
        return names_in
    if not isinstance(names_in, list):
        names_in = list(names_in)
    names_in.extend(name for name in names if name not in names_in)
    return names_in
