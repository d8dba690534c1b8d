"""The accounts app's part of a resident's data (``civicportal.kernel.personal_data``).

Exported: the profile, email addresses, roles, residency requests, sign-in methods (no
secrets) and whether an API token exists. National identifiers are never stored (only a
keyed hash, which is not exported either: it identifies nobody without the council's key).
Erased: residency requests and the audit history of the account itself; audit entries of
what the resident did keep the action but lose their email and network address.
Registered on import, from ``AccountsConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from civicportal.accounts.models import ResidencyRequest, User
from civicportal.kernel import personal_data
from civicportal.kernel.services import api_token_get


def accounts_personal_data_export(user: User) -> dict[str, Any]:
    token = api_token_get(user=user)
    return {
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "preferred_language": user.preferred_language,
            "home_area": user.home_area.name if user.home_area_id else None,
            "residency_verified_at": user.verified_at,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "is_staff": user.is_staff,
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "email_addresses": [
            {"email": a.email, "primary": a.primary, "verified": a.verified}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "residency_requests": [
            {
                "area": r.area.name,
                "note": r.note,
                "identifier_given": bool(r.identifier_hash),
                "status": r.status,
                "matched_census": r.matched_census,
                "requested_at": r.created_at,
                "reviewed_at": r.reviewed_at,
                "reason_given": r.staff_reason,
            }
            for r in ResidencyRequest.objects.filter(user=user)
            .select_related("area")
            .order_by("pk")
        ],
        "sign_in_methods": {
            "password": user.has_usable_password(),
            "two_factor": [
                {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
                for a in Authenticator.objects.filter(user=user).order_by("pk")
            ],
            "social_accounts": [
                {"provider": s.provider, "uid": s.uid, "date_joined": s.date_joined}
                for s in SocialAccount.objects.filter(user=user).order_by("pk")
            ],
            "api_token_created_at": token.created_at if token else None,
        },
    }


def accounts_personal_data_erase(user: User) -> None:
    ResidencyRequest.objects.filter(user=user).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_pk=str(user.pk)
    ).delete()
    LogEntry.objects.filter(actor=user).update(actor_email=None, remote_addr=None, remote_port=None)


personal_data.register(
    "account", export=accounts_personal_data_export, erase=accounts_personal_data_erase
)
