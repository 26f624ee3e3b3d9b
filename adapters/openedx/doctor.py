"""A preflight of an Open edX LMS before the first sync: each check passes or fails and says how to fix it.

Every check reads only (no enrollment, grade or import is made) and follows what edx-platform answers:

- ``token``: the OAuth2 client-credentials token (``/oauth2/access_token``) and ``GET /api/user/v1/me``;
- ``staff``: ``GET /api/enrollment/v1/enrollments`` is ``IsAdminUser`` (``CourseEnrollmentsApiListView``,
  ``openedx/core/djangoapps/enrollments/views.py``): 403 unless the service user is global staff;
- ``account_id``: the accounts API shows only ``ACCOUNT_VISIBILITY_CONFIGURATION["admin_fields"]`` to staff
  (``UserReadOnlySerializer._filter_fields``, ``openedx/core/djangoapps/user_api/accounts/serializers.py``); the
  adapter needs ``id`` to match gradebook rows;
- ``gradebook``: ``403 feature_not_enabled`` while the course waffle flag ``grades.writable_gradebook`` is off
  (``lms/djangoapps/grades/rest_api/v1/gradebook_views.py``);
- ``bulk_enroll``: ``lms/urls.py`` mounts ``/api/bulk_enroll/v1/bulk_enroll`` only with
  ``FEATURES['ENABLE_BULK_ENROLLMENT_VIEW']``; a GET of the mounted view is 405 (``BulkEnrollView`` has only
  ``post``), of an unmounted one 404;
- ``programs``: ``verify_program_exists`` / ``verify_course_exists_and_in_program``
  (``lms/djangoapps/program_enrollments/rest_api/v1/utils.py``);
- ``studio``: ``CourseImportView.get`` (``cms/djangoapps/contentstore/api/views/course_import.py``) answers a
  course author's status request for an unknown task with ``500 internal_error`` (global staff pass
  ``course_author_access_required`` for any course key, so the answer never says whether the course exists);
  401/403 without rights; 404 only where no such route is mounted (not Studio's address).

A check that needs something the SPEC does not name (a course, a program, Studio) is ``skip``; ``bulk_enroll`` off
while the SPEC does not ask for it is ``warn``. Only ``fail`` makes the command exit 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from adapters.errors import AdapterError
from adapters.http import HttpClient, RetryPolicy, json_body
from adapters.i18n import Translator

from .api import OpenEdxApi, _path
from .refusals import WRITABLE_GRADEBOOK_FLAG, program_refusal
from .settings import ENV_CLIENT_ID, ENV_CLIENT_SECRET, OpenEdxSettings

__all__ = ["Check", "run_checks"]

_ = Translator.for_package("adapters").gettext

PASS, FAIL, SKIP, WARN = "pass", "fail", "skip", "warn"


@dataclass
class Check:
    """One line of the report: ``name``, ``status`` (pass, fail, warn, skip), what was seen, and the fix."""

    name: str
    status: str
    message: str
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


class _Doctor:
    def __init__(self, settings: OpenEdxSettings, retry: RetryPolicy | None):
        self.settings = settings
        self.api = OpenEdxApi(settings, retry=retry or RetryPolicy(max_attempts=2, backoff_base=0.2))
        self.user = ""

    def get(self, url: str, params: dict[str, Any] | None = None, ok: tuple[int, ...] = ()):
        return self.api.client.request("GET", url, params=params, ok_statuses=ok, retry=False)

    # -- the checks -------------------------------------------------------------------------------------------

    def token(self) -> Check:
        try:
            self.user = self.api.me()
        except AdapterError as exc:
            return Check("token", FAIL, _("No token, or the token was refused: {error}").format(error=exc.message), _(
                "Create a client-credentials application for a global-staff service user: ./manage.py lms "
                "create_dot_application --grant-type client-credentials --client-id ID --client-secret SECRET "
                "mooc-bridge SERVICE_USER (Tutor: tutor local run lms ./manage.py lms …), then export {id}=ID and "
                "{secret}=SECRET.").format(id=ENV_CLIENT_ID, secret=ENV_CLIENT_SECRET))
        return Check("token", PASS, _("A token was issued; it acts as {user}.").format(user=self.user))

    def staff(self) -> Check:
        fix = _("Make the service user global staff: ./manage.py lms manage_user {user} EMAIL --staff (or tick "
                "\"Staff status\" in the LMS Django admin).").format(user=self.user)
        params = {"page_size": 1, **({"course_id": self.settings.course} if self.settings.course else {})}
        response = self.get("/api/enrollment/v1/enrollments", params, ok=(401, 403))
        if response.status_code in (401, 403):
            return Check("staff", FAIL, _("{user} is not global staff: the enrollments list answered {status}.").format(
                user=self.user, status=response.status_code), fix)
        return Check("staff", PASS, _("{user} is global staff.").format(user=self.user))

    def account_id(self) -> Check:
        response = self.get("/api/user/v1/accounts", {"username": self.user}, ok=(403, 404))
        data = json_body(response) if response.status_code == 200 else None
        account = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        if "id" in account:
            return Check("account_id", PASS, _("The accounts API shows user ids."))
        return Check("account_id", FAIL, _("The accounts API does not show the user id (answer {status}), so gradebook "
                                           "rows cannot be matched to accounts.").format(status=response.status_code),
                     _("Add \"id\" to ACCOUNT_VISIBILITY_CONFIGURATION[\"admin_fields\"] in the LMS settings (Tutor: a "
                       "plugin patch of \"openedx-lms-common-settings\") and restart the LMS."))

    def gradebook(self) -> Check:
        course = self.settings.course
        if not course:
            return Check("gradebook", SKIP, _("No course in the SPEC (add ?course=course-v1:…)."))
        response = self.get(f"/api/grades/v1/gradebook/{_path(course)}/", {"page_size": 1}, ok=(403, 404))
        if response.status_code == 200:
            return Check("gradebook", PASS, _("The writable gradebook of {course} is on.").format(course=course))
        if "feature_not_enabled" in response.text:
            return Check("gradebook", FAIL, _("The writable gradebook of {course} is off (403 feature_not_enabled)."
                                              ).format(course=course),
                         _("./manage.py lms waffle_flag {flag} --everyone --create (Tutor: tutor local run lms "
                           "./manage.py lms waffle_flag {flag} --everyone --create), or a waffle flag course override "
                           "for {course} in the LMS Django admin.").format(flag=WRITABLE_GRADEBOOK_FLAG, course=course))
        return Check("gradebook", FAIL, _("The gradebook of {course} answered {status}.").format(
            course=course, status=response.status_code), _("Check the course id in the SPEC."))

    def bulk_enroll(self) -> Check:
        response = self.get("/api/bulk_enroll/v1/bulk_enroll", ok=(404, 405))
        if response.status_code == 405:
            return Check("bulk_enroll", PASS, _("The bulk enrollment API is on."))
        return Check("bulk_enroll", FAIL if self.settings.bulk_enroll else WARN,
                     _("The bulk enrollment API is off (404); enrollments go one request at a time."),
                     _("Set FEATURES['ENABLE_BULK_ENROLLMENT_VIEW'] = True in the LMS settings (Tutor: a plugin patch "
                       "of \"lms-env-features\") and restart the LMS."))

    def programs(self) -> Check:
        program, course = self.settings.program, self.settings.course
        if not program:
            return Check("programs", SKIP, _("No program in the SPEC (add &program=<uuid> to enrol by 学号)."))
        base = f"/api/program_enrollments/v1/programs/{program}"
        urls = [(None, f"{base}/enrollments/")] + ([(course, f"{base}/courses/{_path(course)}/enrollments/")]
                                                     if course else [])
        for where, url in urls:
            try:
                self.api.client.request("GET", url, params={"page_size": 1}, retry=False)
            except AdapterError as exc:
                refusal = program_refusal(exc, program, where)
                fix = _("Publish the program with its course runs in the catalog (course-discovery), then refresh the "
                        "LMS's cache: ./manage.py lms cache_programs (Tutor: tutor local run lms ./manage.py lms "
                        "cache_programs).")
                return Check("programs", FAIL, (refusal or exc).message, fix)
        message = (_("Program {program} is in the catalog and holds {course}.") if course else
                   _("Program {program} is in the catalog."))
        return Check("programs", PASS, message.format(program=program, course=course))

    def studio(self) -> Check:
        studio, course = self.settings.studio_url, self.settings.course
        if not studio or not course:
            return Check("studio", SKIP, _("No Studio or no course in the SPEC (add &studio=https://studio…)."))
        client = HttpClient(studio, auth=self.api.client.auth, retry=RetryPolicy(max_attempts=1))
        try:
            params = {"task_id": "00000000-0000-0000-0000-000000000000", "filename": "mooc-bridge-doctor.tar.gz"}
            response = client.request("GET", f"/api/courses/v0/import/{_path(course)}/", params=params, retry=False,
                                      ok_statuses=(400, 401, 403, 404, 500))
        except AdapterError as exc:
            return Check("studio", FAIL, exc.message, _("Check the Studio address in the SPEC."))
        finally:
            client.close()
        if response.status_code == 200 or _unknown_import_task(response):
            return Check("studio", PASS, _("Studio's course import API accepts our token for {course}.").format(
                course=course))
        if response.status_code == 404:
            message = _("Studio answered 404 for {course}: this is not Studio's address, or it has no course "
                        "import API.")
            return Check("studio", FAIL, message.format(course=course), _("Check studio= and course= in the SPEC."))
        return Check("studio", FAIL, _("Studio refused our token ({status}).").format(status=response.status_code),
                     _("Make {user} global staff (./manage.py cms manage_user {user} EMAIL --staff) or give it the "
                       "course's Staff or Admin role in Studio.").format(user=self.user))


def _unknown_import_task(response: Any) -> bool:
    """Studio's ``CourseImportView.get`` answers an unknown task (ours is made up) with ``500 internal_error``: the
    lookup leaves ``None`` and its ``.state`` fails inside the view's ``try`` (``course_import.py``). Reaching that
    means the token passed ``course_author_access_required``; any other 500 is a real server error."""
    if response.status_code not in (400, 500):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error_code") == "internal_error"


def run_checks(settings: OpenEdxSettings, *, retry: RetryPolicy | None = None) -> list[Check]:
    """Run every check against the LMS (and Studio) of ``settings``; after a failed token the others are skipped."""
    doctor = _Doctor(settings, retry)
    try:
        first = doctor.token()
        if first.status != PASS:
            later = ["staff", "account_id", "gradebook", "bulk_enroll", "programs", "studio"]
            return [first] + [Check(name, SKIP, _("Needs a token.")) for name in later]
        checks = [first]
        steps: list[Callable[[], Check]] = [doctor.staff, doctor.account_id, doctor.gradebook, doctor.bulk_enroll,
                                            doctor.programs, doctor.studio]
        for step in steps:
            try:
                checks.append(step())
            except AdapterError as exc:
                checks.append(Check(step.__name__, FAIL, exc.message))
        return checks
    finally:
        doctor.api.close()
