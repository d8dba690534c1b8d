"""Personal API tokens: one per user, shown once when created, rotated or revoked at will."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from rest_framework.authtoken.models import Token


def api_token_get(*, user: AbstractBaseUser) -> Token | None:
    return Token.objects.filter(user=user).first()


@transaction.atomic
def api_token_rotate(*, user: AbstractBaseUser) -> Token:
    """Give the user a new token; the previous one (if any) stops working at once.

    Locks the user's row, so two rotations at the same moment leave exactly one token.
    """
    get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def api_token_revoke(*, user: AbstractBaseUser) -> bool:
    """Delete the user's token. Returns whether there was one; revoking twice is harmless."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0
