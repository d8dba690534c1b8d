"""Personal API tokens: one per account, shown once when created, rotated or revoked at will.

Written here only: the API's views (``civicportal.accounts.api``) and its authentication class
(``civicportal.kernel.api.authentication``) call these services.

docs/specification.md §10: tokens expire (``API_TOKEN_TTL_RESIDENT_DAYS``,
``API_TOKEN_TTL_STAFF_HOURS``), are stored hashed (the SHA-256 digest of a 256-bit random
key), and die on password change, MFA reset or role removal. The last is checked when the token
is used, not by signals some path could bypass (the admin, the shell, a command): each token
carries a fingerprint of what it was issued for, and one whose fingerprint no longer matches
the account is refused and deleted.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from hmac import compare_digest

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.kernel.models import ApiToken
from civicportal.kernel.second_factor import is_staff_account

# Where a signed-in user creates a token (civicportal/accounts/api/urls.py).
TOKEN_PATH = "/api/v1/me/token/"  # noqa: S105  (an address, not a secret)


class ApiTokenRefused(Exception):
    """The key names no token that works; the message says why, for the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_fingerprint(user: AbstractBaseUser) -> str:
    """SHA-256 of what a token must not outlive: the password (its hash), the authenticators
    (not the recovery codes, which may be regenerated), staff status, superuser status, the
    role groups, and the active flag. Two queries."""
    authenticators = sorted(
        Authenticator.objects.filter(user_id=user.pk)
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .values_list("pk", flat=True)
    )
    groups = sorted(user.groups.values_list("pk", flat=True))
    parts = [
        user.password,
        f"active={user.is_active}",
        f"staff={user.is_staff}",
        f"superuser={user.is_superuser}",
        "authenticators=" + ",".join(map(str, authenticators)),
        "groups=" + ",".join(map(str, groups)),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def api_token_lifetime(user: AbstractBaseUser) -> timedelta:
    if is_staff_account(user):
        return timedelta(hours=settings.API_TOKEN_TTL_STAFF_HOURS)
    return timedelta(days=settings.API_TOKEN_TTL_RESIDENT_DAYS)


def api_token_get(*, user: AbstractBaseUser) -> ApiToken | None:
    """The user's token if it still works (not expired, issued for the account as it is)."""
    token = ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).first()
    if token is None or not compare_digest(token.fingerprint, api_token_fingerprint(user)):
        return None
    return token


@transaction.atomic
def api_token_rotate(
    *,
    user: AbstractBaseUser,
    second_factor: bool,
    expires_by: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Give the user a new token; the previous one (if any) stops working at once.

    Returns the token and its key, which is not stored and cannot be shown again.
    ``second_factor``: the request creating it passed a second factor (staff powers need
    it). ``expires_by``: the latest expiry allowed, e.g. that of the token used to ask, so
    rotating with a token never extends its life. Locks the user's row, so two rotations at
    the same moment leave exactly one token (the database allows one per user).
    """
    get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
    ApiToken.objects.filter(user=user).delete()
    now = timezone.now()
    expires_at = now + api_token_lifetime(user)
    if expires_by is not None:
        expires_at = min(expires_at, expires_by)
    key = secrets.token_hex(32)
    token = ApiToken.objects.create(
        user=user,
        digest=api_token_digest(key),
        created_at=now,
        expires_at=expires_at,
        second_factor=second_factor,
        fingerprint=api_token_fingerprint(user),
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, user: AbstractBaseUser) -> bool:
    """Delete the user's token. Returns whether there was one; revoking twice is harmless."""
    deleted, _count = ApiToken.objects.filter(user=user).delete()
    return deleted > 0


def api_token_authenticate(*, key: str) -> ApiToken:
    """The token this key belongs to, with its user, if it still works.

    Raises ``ApiTokenRefused`` otherwise. A token that expired, or whose account changed
    since it was issued (password, authenticators, staff status or roles, deactivation), is
    deleted: it can never work again. Looked up by digest: timing tells nothing of the key.
    Not atomic on purpose: the refusal raised after deleting a dead token must not roll the
    deletion back (each statement commits on its own).
    """
    token = ApiToken.objects.select_related("user").filter(digest=api_token_digest(key)).first()
    if token is None:
        raise ApiTokenRefused(_("Invalid token."))
    if token.expires_at <= timezone.now():
        token.delete()
        raise ApiTokenRefused(
            _("This API token has expired. Sign in and create a new one at %(url)s.")
            % {"url": TOKEN_PATH}
        )
    user = token.user
    if not user.is_active or not compare_digest(token.fingerprint, api_token_fingerprint(user)):
        token.delete()
        raise ApiTokenRefused(
            _(
                "This API token no longer works: the account's password, two-factor "
                "authentication or roles changed since it was created. Sign in and create a "
                "new one at %(url)s."
            )
            % {"url": TOKEN_PATH}
        )
    return token
