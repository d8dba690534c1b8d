"""Whether the request acting for a user passed a second factor (docs/specification.md §10).

Staff powers need a verified second factor on every path, by session or by token. The
authentication that produced a request's user decides, and marks that user object:

- a session (pages, and the API with the session cookie): ``session_second_factor_verified``;
- an API token: the token was created from such a session (``ApiToken.second_factor``).

The staff roles' rules (``civicportal.accounts.rules``) and ``User.has_perm`` refuse staff
powers to a user marked unverified. A user object no request authenticated (a management
command run on the server, a Celery task carrying out a decision taken earlier) carries no
mark: its powers are not judged here.
"""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest

# The attribute the request's authentication sets on the user object it produced.
_MARK = "_civicportal_second_factor_verified"
# The authenticators this session set up (``record_enrolment``).
_ENROLLED_SESSION_KEY = "civicportal_mfa_enrolled"


def mark_second_factor(user, *, verified: bool) -> None:
    """Record on the user object whether the request acting for it passed a second factor."""
    setattr(user, _MARK, verified)


def is_marked(user) -> bool:
    return getattr(user, _MARK, None) is not None


def lacks_second_factor(user) -> bool:
    """True when a request authenticated this user object without a second factor."""
    return getattr(user, _MARK, None) is False


def is_staff_account(user) -> bool:
    """An account that may hold staff powers: staff, or a superuser."""
    return bool(user.is_staff or user.is_superuser)


def session_second_factor_verified(request: HttpRequest, user) -> bool:
    """Whether this session's sign-in passed the account's second factor.

    The account must have an authenticator (TOTP), and the session must not show a sign-in
    that skipped it: allauth records each step of a sign-in in the session ("password",
    "mfa", ...). A sign-in through allauth of an account with an authenticator always has
    an "mfa" step, and so does confirming the authenticator later (``mfa_reauthenticate``)
    or setting it up in this session (``record_enrolment``); a session that signed in with
    the password before the authenticator was added elsewhere has none until then. The
    step must have used an authenticator the account still has, so an administrator's MFA
    reset ends the session's staff powers too.

    A session with no record at all was not opened by allauth's sign-in (the portal has no
    other sign-in; Django's ``login()`` called directly, as tests do, records nothing): it
    is judged by the authenticator alone.
    """
    if user is None or not user.is_authenticated or not is_mfa_enabled(user):
        return False
    records = get_authentication_records(request, user)
    enrolled = _enrolled_in_session(request, user)
    if not records and not enrolled:
        return True
    used = {
        record.get("id")
        for record in records
        if isinstance(record, dict) and record.get("method") == "mfa"
    } | enrolled
    if not used:
        return False
    return Authenticator.objects.filter(user_id=user.pk, pk__in=used).exists()


def record_enrolment(request: HttpRequest, user, authenticator_ids) -> None:
    """Record that this session set up these authenticators.

    Setting one up proves it: the code typed came from it, after allauth asked for the
    password again. So the session counts as having passed the second factor, as when the
    code is typed at sign-in.
    """
    ids = set(authenticator_ids)
    if not ids:
        return
    enrolled = _enrolled_in_session(request, user) | ids
    request.session[_ENROLLED_SESSION_KEY] = {"user": str(user.pk), "ids": sorted(enrolled)}


def _enrolled_in_session(request: HttpRequest, user) -> set[int]:
    stored = request.session.get(_ENROLLED_SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("user") != str(user.pk):
        return set()
    return {pk for pk in stored.get("ids", []) if isinstance(pk, int)}
