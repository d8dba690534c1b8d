"""The personal API token services (``civicportal.kernel.services.api_tokens``): the only
place token rows are written; the API's views and authentication call them."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from civicportal.accounts import roles
from civicportal.kernel.models import ApiToken
from civicportal.kernel.services import (
    ApiTokenRefused,
    api_token_authenticate,
    api_token_get,
    api_token_revoke,
    api_token_rotate,
)
from tests.accounts.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/me/token/"


def test_rotate_stores_only_the_digest_and_replaces_the_previous_token():
    resident = UserFactory()
    first, first_key = api_token_rotate(user=resident, second_factor=False)
    second, second_key = api_token_rotate(user=resident, second_factor=False)

    stored = ApiToken.objects.get(user=resident)
    assert stored.pk == second.pk != first.pk
    assert stored.digest == hashlib.sha256(second_key.encode()).hexdigest()
    assert first_key != second_key
    assert first_key not in stored.digest and second_key not in stored.digest
    with pytest.raises(ApiTokenRefused):
        api_token_authenticate(key=first_key)
    assert api_token_authenticate(key=second_key).pk == second.pk


def test_rotate_never_outlives_the_expiry_it_is_given(settings):
    settings.API_TOKEN_TTL_RESIDENT_DAYS = 90
    resident = UserFactory()
    cap = timezone.now() + timedelta(hours=1)

    token, _key = api_token_rotate(user=resident, second_factor=False, expires_by=cap)

    assert ApiToken.objects.get(pk=token.pk).expires_at == cap


def test_revoke_deletes_the_token_and_a_second_revoke_finds_none():
    resident = UserFactory()
    _token, key = api_token_rotate(user=resident, second_factor=False)

    assert api_token_revoke(user=resident) is True
    assert not ApiToken.objects.filter(user=resident).exists()
    assert api_token_revoke(user=resident) is False
    with pytest.raises(ApiTokenRefused, match="Invalid token"):
        api_token_authenticate(key=key)


def test_authenticate_deletes_an_expired_token_though_it_refuses():
    resident = UserFactory()
    token, key = api_token_rotate(user=resident, second_factor=False)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(ApiTokenRefused, match="expired"):
        api_token_authenticate(key=key)
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_authenticate_deletes_a_token_whose_account_lost_a_role():
    moderator = StaffFactory(role=roles.MODERATOR, mfa=True)
    token, key = api_token_rotate(user=moderator, second_factor=True)
    assert api_token_get(user=moderator).pk == token.pk

    moderator.groups.remove(Group.objects.get(name=roles.MODERATOR))

    assert api_token_get(user=moderator) is None
    with pytest.raises(ApiTokenRefused, match="no longer works"):
        api_token_authenticate(key=key)
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_the_token_api_writes_through_the_services():
    resident = UserFactory()
    client = APIClient()
    client.force_authenticate(resident)

    created = client.post(TOKEN_URL)
    assert created.status_code == 201, created.content
    key = created.json()["key"]
    assert api_token_authenticate(key=key).user == resident
    assert client.get(TOKEN_URL).json()["exists"] is True

    assert client.delete(TOKEN_URL).status_code == 204
    assert not ApiToken.objects.filter(user=resident).exists()
    assert client.get(TOKEN_URL).json()["exists"] is False
