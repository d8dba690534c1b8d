"""Personal API tokens: one per account, stored as a digest, expiring.

Only the SHA-256 digest of the key is stored (the key is 256 random bits, so a fast hash
suffices). Each token records whether it was created from a sign-in that passed a second
factor, and carries a fingerprint of what it was issued for (password, authenticators,
staff status and roles, active flag): a token whose fingerprint no longer matches the
account is refused and deleted (``civicportal.kernel.services.api_token_authenticate``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    # One token per account: the database refuses a second.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_token",
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    second_factor = models.BooleanField(
        _("second factor"),
        default=False,
        help_text=_(
            "Created from a sign-in that passed two-factor authentication; staff powers "
            "through the API need it."
        ),
    )
    fingerprint = models.CharField(
        _("fingerprint"),
        max_length=64,
        help_text=_(
            "SHA-256 of the account's password hash, authenticators, staff status and roles "
            "when the token was created: any change ends the token."
        ),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"API token of {self.user_id}"
