"""xAPI statements of the SCORM player's tracking events, made by event-routing-backends (ERB) for Aspects.

ERB turns a tracking event into xAPI only through a transformer registered under the event's name
(``XApiTransformersRegistry.register``; without one it logs "Could not get transformer" and drops the event,
``processors/mixins/base_transformer_processor.py``). This module registers one per event of
:mod:`xblocks.scorm.tracking`. It imports ERB, so only :meth:`ScormPlayerConfig.ready
<xblocks.scorm.apps.ScormPlayerConfig.ready>` imports it, and only when ERB is an installed app.

What the statements say follows ADL's xAPI SCORM Profile (https://w3id.org/xapi/scorm, github.com/adlnet/
xAPI-SCORM-Profile ``xapi-scorm-profile.md`` §3.2 and §5.0): its verbs for SCORM events (``initialized``,
``launched``, ``completed``, ``passed``, ``failed``, ``scored``, ``terminated``), a SCO as a ``lesson`` activity
whose IRI is the unit's IRI plus ``/sco/<identifier>``, the profile in ``context.contextActivities.category``, the
attempt in ``context.registration``. Where Aspects needs another shape, Aspects wins, as ERB's own statements do:

- the Open edX course is ``contextActivities.parent[0]`` (type ``course``): aspects-dbt's
  ``xapi_events_all_parsed`` takes the course (and so the org) of every statement from there;
- the block's published grade uses ERB's grade verb ``earned`` (``grading_events.py``), which aspects-dbt's
  ``grading_events`` model keeps with its ``result.score.scaled``; the profile's ``scored`` is kept for SCOs;
- the actor, statement timestamp and the session and transformer-version extensions are ERB's own (an anonymous
  external id by default, ``XAPI_AGENT_IFI_TYPE``).

docs/scorm-events.md lists every statement and the Aspects dashboards that count it.
"""

from __future__ import annotations

from urllib.parse import quote

from event_routing_backends.helpers import convert_seconds_to_iso, get_uuid5
from event_routing_backends.processors.xapi import constants
from event_routing_backends.processors.xapi.registry import XApiTransformersRegistry
from event_routing_backends.processors.xapi.transformer import XApiTransformer
from tincan import (
    Activity,
    ActivityDefinition,
    ActivityList,
    Context,
    ContextActivities,
    Extensions,
    LanguageMap,
    Result,
    Verb,
)

from . import tracking

#: the xAPI SCORM Profile's activity, put in ``context.contextActivities.category`` (profile §3.2, "Context")
SCORM_PROFILE = "https://w3id.org/xapi/scorm"
#: SCORM objects as activity types (profile §3.2, "Activity Types"): the unit is a module of the course, a SCO a lesson
MODULE = "http://adlnet.gov/expapi/activities/module"
LESSON = "http://adlnet.gov/expapi/activities/lesson"
#: cmi5's launch mode context extension ("Normal", "Browse", "Review"), for ``launched``
LAUNCH_MODE = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
#: ADL's verbs (http://adlnet.gov/expapi/verbs/), as the profile requires, and ERB's ``earned``
VERBS = {name: f"http://adlnet.gov/expapi/verbs/{name}"
         for name in ("initialized", "launched", "completed", "passed", "failed", "scored", "terminated")}
VERBS["earned"] = constants.XAPI_VERB_EARNED
#: a name in a language map: the course author's words, in whatever language they wrote (BCP 47 "undetermined")
UNDETERMINED = "und"


class ScormStatement(XApiTransformer):
    """One xAPI statement about a SCORM tracking event: ``verb`` on the unit, or on one of its SCOs."""

    additional_fields = ("result",)
    #: the key of :data:`VERBS` this statement uses (a subclass sets it, or the constructor); not ``verb``, which
    #: ERB's ``transform`` would take for the statement's verb itself
    verb_name = ""
    #: about the unit (the block) or one of its SCOs
    about_sco = False

    def __init__(self, event, verb_name: str | None = None):
        super().__init__(event)
        self.verb_name = verb_name or self.verb_name
        if self.verb_name:
            self._verb = Verb(id=VERBS[self.verb_name], display=LanguageMap({constants.EN: self.verb_name}))

    # -- what the statement is about ------------------------------------------------------------
    def unit(self) -> Activity:
        """The SCORM unit: the block's IRI as ERB names every block (``<LMS_ROOT_URL>/xblock/<usage key>``)."""
        name = self.get_data("context.module.display_name")
        return Activity(
            id=self.get_object_iri("xblock", self.get_data("context.module.usage_key", True)),
            definition=ActivityDefinition(type=MODULE,
                                          name=LanguageMap({UNDETERMINED: name}) if name else None))

    def get_object(self) -> Activity:
        """The unit, or the SCO ``<unit IRI>/sco/<identifier>`` (profile: SCO IRI = course IRI + SCO path)."""
        unit = self.unit()
        if not self.about_sco:
            return unit
        sco = self.get_data("data.sco_id", True)
        return Activity(id=f"{unit.id}/sco/{quote(str(sco), safe='')}", definition=ActivityDefinition(type=LESSON))

    def get_result(self) -> Result | None:
        """What the event measured; nothing by default."""
        return None

    # -- its context ----------------------------------------------------------------------------
    def get_context_activities(self) -> ContextActivities:
        """ERB's parent (the course, which Aspects reads), the unit as grouping of a SCO, and the profile."""
        activities = super().get_context_activities() or ContextActivities()
        if self.about_sco:
            activities.grouping = ActivityList([self.unit()])
        activities.category = ActivityList([Activity(id=SCORM_PROFILE)])
        return activities

    def get_context_extensions(self) -> Extensions:
        """ERB's (transformer version, session) and the attempt number, under ERB's attempt-id extension."""
        extensions = super().get_context_extensions()
        extensions[constants.XAPI_ACTIVITY_ATTEMPT] = self.get_data("data.attempt")
        return extensions

    def get_context(self) -> Context:
        """ERB's context with the learner's attempt of this unit as the registration (profile §3.2)."""
        context = super().get_context()
        context.registration = self.registration()
        return context

    def registration(self):
        """A UUID for (learner, unit, attempt): the same for every statement of that attempt, and on re-processing."""
        name = f"{self.get_actor().to_json()}-{self.get_data('context.module.usage_key', True)}"
        return get_uuid5("mooc_bridge.scorm.registration", f"{name}-{self.get_data('data.attempt', True)}")

    def get_event_id(self):
        """ERB's id (verb, actor, timestamp) with the object added: one event may say several things."""
        name = f"{self.get_actor().to_json()}-{self.get_timestamp()}"
        return get_uuid5(f"{self.get_verb().to_json()}-{self.get_object().id}", name)


def _score(scaled=None, raw=None) -> dict | None:
    """An xAPI score of the values that are known (a SCO's raw score has no known range: no min or max)."""
    score = {key: value for key, value in (("scaled", scaled), ("raw", raw)) if value is not None}
    return score or None


@XApiTransformersRegistry.register(tracking.ATTEMPT_STARTED)
class AttemptStarted(ScormStatement):
    """``initialized`` the unit: a new attempt began (as ERB says of a started exam attempt)."""

    verb_name = "initialized"


@XApiTransformersRegistry.register(tracking.LAUNCHED)
class Launched(ScormStatement):
    """``launched`` a SCO: the player opened it, in normal or review mode (cmi5's launch mode extension)."""

    verb_name = "launched"
    about_sco = True

    def get_context_extensions(self) -> Extensions:
        """The common extensions and cmi5's launch mode: ``Normal`` or ``Review``."""
        extensions = super().get_context_extensions()
        mode = self.get_data("data.mode")
        if mode:
            extensions[LAUNCH_MODE] = str(mode).capitalize()
        return extensions


class ScoStatement(ScormStatement):
    """One of the statements a ``sco.changed`` event makes (see :class:`ScoChanged`)."""

    about_sco = True

    def get_result(self) -> Result | None:
        """The session's time for ``terminated``; else the SCO's score and what its statuses say."""
        data = self.get_data("data") or {}
        score = _score(data.get("score_scaled"), data.get("score_raw"))
        if self.verb_name == "terminated":
            seconds = data.get("session_time_seconds")
            return Result(duration=convert_seconds_to_iso(seconds)) if seconds is not None else None
        if self.verb_name == "scored":
            return Result(score=score)
        success = {"passed": True, "failed": False}.get(data.get("success_status"))
        return Result(score=score, success=success,
                      completion=True if data.get("completion_status") == "completed" else None)


@XApiTransformersRegistry.register(tracking.SCO_CHANGED)
class ScoChanged(ScormStatement):
    """A stored commit changed a SCO: one statement for each thing that changed, in the profile's verbs.

    ``completed`` when its completion status became completed, ``passed``/``failed`` when its success status
    became that, ``scored`` when its scaled or raw score changed and is known, ``terminated`` (with the session's
    time) when a session ended. An event from before the ``previous_*`` fields existed counts as all changed.
    """

    about_sco = True

    def verbs(self) -> list[str]:
        """The verbs this event calls for, in the order above."""
        data = self.get_data("data") or {}
        verbs = []
        if data.get("completion_status") == "completed" != data.get("previous_completion_status"):
            verbs.append("completed")
        success = data.get("success_status")
        if success in ("passed", "failed") and success != data.get("previous_success_status"):
            verbs.append(success)
        score = (data.get("score_scaled"), data.get("score_raw"))
        before = (data.get("previous_score_scaled", ()), data.get("previous_score_raw", ()))  # (): not logged
        if score != (None, None) and score != before:
            verbs.append("scored")
        if data.get("session_ended"):
            verbs.append("terminated")
        return verbs

    def transform(self):
        """The statements, or ``None`` when nothing worth a statement changed (ERB then sends nothing)."""
        statements = [ScoStatement(self.event, verb).transform() for verb in self.verbs()]
        return statements or None


@XApiTransformersRegistry.register(tracking.SCORED)
class Scored(ScormStatement):
    """``earned`` a grade on the unit, shaped like ERB's grade statements (score 0..max_score, scaled 0..1)."""

    verb_name = "earned"

    def get_result(self) -> Result:
        """The grade scaled, and in points (``raw`` of ``max`` = the block's weight) when the weight is above 0:
        xAPI wants ``max`` above ``min``, so an unweighted block's grade is ``scaled`` alone."""
        data = self.get_data("data") or {}
        score = {"scaled": data.get("score_scaled")}
        if (data.get("max_score") or 0) > 0:
            score.update({"min": 0, "max": data["max_score"], "raw": data.get("score_raw")})
        return Result(score={key: value for key, value in score.items() if value is not None})


@XApiTransformersRegistry.register(tracking.COMPLETED)
class Completed(ScormStatement):
    """``completed`` the unit, with the grade then (if any) and cmi5's progress extension at 100 (as ERB does)."""

    verb_name = "completed"

    def get_result(self) -> Result:
        """Complete, with the grade then if there was one."""
        data = self.get_data("data") or {}
        return Result(completion=True, score=_score(data.get("score_scaled")),
                      extensions=Extensions({constants.XAPI_ACTIVITY_PROGRESS: 100}))


#: the transformer of each event name
TRANSFORMERS = {tracking.ATTEMPT_STARTED: AttemptStarted, tracking.LAUNCHED: Launched, tracking.SCO_CHANGED: ScoChanged,
                tracking.SCORED: Scored, tracking.COMPLETED: Completed}
