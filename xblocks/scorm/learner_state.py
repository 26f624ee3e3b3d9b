"""The learner's state in the SCORM block: read fresh inside the lock, written whole, cheap to track (ADR 0033).

The state is kept twice: in the ``LearnerState`` row (:mod:`xblocks.scorm.sequences`), read and locked by one
statement at the start of every handler that changes it, and in the block's ``Scope.user_state`` fields, a mirror
for the LMS's own tools (the staff debug view, the user state client, resets). edx-platform's ``FieldDataCache``
loads the fields before the handler runs, so they may be older than the row.

Which copy holds:

- no row yet (nothing stored by us): the fields;
- the fields carry the mark ``state_stored`` (we wrote them with the row): the row;
- the fields do not carry the mark, but the row has data. Either the LMS deleted or rewrote the fields after our
  last write (a staff reset through the user state client clears the mark; a deleted ``StudentModule`` has
  none), and the fields hold; or another request of the same learner stored its first state between the moment
  the runtime loaded these fields and the lock, and the row holds. The fields as stored now, read past the
  runtime's cache, tell the two apart.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from typing import Any

from xblock.fields import Dict

from . import sequences, staff

STATE = ("record", "published", "raw_earned")  # what the locked row keeps (sequences.Held), read fresh inside the lock


class FrozenDict(dict):
    """A dict replaced whole and never changed in place, so that copying it is free.

    XBlock keeps a deep copy of every mutable field it hands out or saves, to find changes made in place; for a
    learner record of a few hundred values that copy cost more than the commit's database work (ADR 0033)."""

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self

    def __reduce__(self):
        return FrozenDict, (dict(self),)

    def _refuse(self, *args, **kwargs):
        raise TypeError("learner state is replaced whole, never changed in place")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore


class StateDict(Dict):
    """A ``Dict`` field whose values are :class:`FrozenDict`: assign a new dict to change it."""

    def from_json(self, value):
        """The stored value, frozen."""
        value = super().from_json(value)
        return FrozenDict(value) if type(value) is dict else value

    def __set__(self, xblock, value):
        super().__set__(xblock, FrozenDict(value) if type(value) is dict else value)


def frozen(value: Any) -> Any:
    """``value`` as a field of this kind keeps it (for a default shared by every block)."""
    return FrozenDict(copy.deepcopy(value)) if type(value) is dict else value


class LearnerStateMixin:
    """The lock on a learner's state and which copy of it holds, for the SCORM block (see the module docstring).

    Expects the fields named in :data:`STATE`, ``state_stored`` and ``_learner()``."""

    @contextmanager
    def _locked(self):
        """The lock on this learner's record (:func:`sequences.locked`): read it and :meth:`_keep` it inside."""
        usage_id, learner_id = str(self.scope_ids.usage_id), self._learner()[0]
        with sequences.locked(usage_id, learner_id) as held:
            self._held = held
            try:
                self._fresh(held)
                yield
            finally:
                self._held = None

    def _fresh(self, held: sequences.Held) -> None:
        """Inside the lock, take the stored state over the fields the runtime loaded before it, where it holds."""
        marked = self._marked = self.state_stored
        if held.raw is None or not (marked or self._marked_now()):
            return
        state = held.state or {}
        stale = [name for name in STATE if getattr(self, name) != state.get(name)]
        for name in stale:
            setattr(self, name, state.get(name))
        if not marked:
            self.state_stored = self._marked = True
        if stale:  # the mirror too, now: the runtime's own save comes after the lock
            self.save()

    def _marked_now(self) -> bool:
        """Whether the fields as stored now (not as the runtime loaded them) carry the mark ``state_stored``."""
        client = staff.lms_state_client()
        if client is not None:
            username = self._username()
            try:
                stored = client.get(username, self.scope_ids.usage_id, fields=["state_stored"])
            except Exception:
                return False
            return bool((stored.state or {}).get("state_stored"))
        try:
            return bool(self._field_data.get(self, "state_stored"))  # the workbench reads its table on each get
        except KeyError:
            return False

    def _username(self) -> str:
        service = self.runtime.service(self, "user")
        user = service.get_current_user() if service else None
        attrs = getattr(user, "opt_attrs", {}) or {}
        return str(attrs.get("edx-platform.username") or getattr(user, "username", "") or "")

    def _store(self) -> None:
        """Write the learner's state, the stored copy and the fields, inside the lock."""
        held = getattr(self, "_held", None)
        if held is None:
            raise RuntimeError("_store() outside _locked()")
        held.store({name: getattr(self, name) for name in STATE})
        if not getattr(self, "_marked", False):  # as _fresh read it under this lock
            self.state_stored = self._marked = True
        self.save()

    def _keep(self, record) -> None:
        """Store ``record`` (a ``LearnerRecord``) now, inside the lock (the runtime's own save comes after the
        handler returns)."""
        self.record = record.model_dump(mode="json")
        self._store()

    def clear_student_state(self, user_id, course_id, item_id, requesting_user_id):
        """The LMS deleted this learner's state in this block (a staff reset with "delete"): delete our copy too.

        ``item_id`` is the usage key the LMS keys the learner's state by, as our handlers do; ``user_id`` the
        learner's anonymous id in the course (``anonymous_id_for_user``), as the runtime's user service gives it."""
        sequences.forget(str(item_id or self.scope_ids.usage_id), str(user_id))
