from __future__ import annotations

import io
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import is_mfa_enabled
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import connection

from civicportal.accounts import roles
from civicportal.accounts.models import Area, validate_geojson_boundary
from civicportal.core import demo
from tests.demo import seed_demo

pytestmark = pytest.mark.django_db

User = get_user_model()


def seed(*args: str) -> str:
    return seed_demo(*args)


def database_snapshot() -> dict[str, str]:
    """Every row of every table, serialised: equal snapshots mean nothing changed."""
    return {
        model._meta.label: serializers.serialize("json", model._default_manager.order_by("pk"))
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_seed_demo_builds_areas_with_valid_geojson_boundaries():
    seed()
    areas = list(Area.objects.all())
    assert 6 <= len(areas) <= 8
    for area in areas:
        validate_geojson_boundary(area.boundary)
        ring = area.boundary["coordinates"][0]
        assert ring[0] == ring[-1]
        for lon, lat in ring:
            assert -3 < lon < 0 and 51 < lat < 53, "positions are [longitude, latitude]"
        assert area.description


def test_seed_demo_creates_residents_with_names_areas_and_some_verified():
    seed()
    residents = User.objects.filter(is_staff=False)
    assert 35 <= residents.count() <= 45
    assert not residents.filter(display_name="").exists()
    assert not residents.filter(home_area=None).exists()
    verified = residents.exclude(verified_at=None).count()
    assert 0 < verified < residents.count()
    assert residents.filter(preferred_language="is").exists()
    assert residents.values("home_area").distinct().count() == Area.objects.count()


def test_seed_demo_creates_staff_in_every_role_with_totp_and_recovery_codes():
    seed()
    for role in roles.ROLES:
        members = User.objects.filter(groups__name=role)
        assert members.count() == 1, role
        member = members.get()
        assert member.is_staff
        assert is_mfa_enabled(member, types=[Authenticator.Type.TOTP])
        assert Authenticator.objects.filter(
            user=member, type=Authenticator.Type.RECOVERY_CODES
        ).exists()
    assert User.objects.get(groups__name=roles.ADMINISTRATOR).is_superuser


def test_every_demo_account_has_a_verified_primary_email_and_the_demo_password():
    seed()
    for user in User.objects.all():
        address = EmailAddress.objects.get(user=user)
        assert address.verified and address.primary
        assert address.email == user.email
        assert user.check_password(demo.DEMO_PASSWORD)


def test_seed_demo_prints_credentials_secret_and_a_current_code():
    output = seed()
    assert demo.DEMO_PASSWORD in output
    for role in roles.ROLES:
        assert role in output
    assert "admin@riverside.example" in output
    secret = re.search(r"TOTP secret \(base32\): ([A-Z2-7 ]+)", output).group(1).replace(" ", "")
    assert secret == demo.DEMO_TOTP_SECRET
    code = re.search(r"current code:\s+(\d{6})", output).group(1)
    assert validate_totp_code(secret, code)
    assert re.search(r"recovery codes: \d{8} \d{8} \d{8}", output)


def test_seed_demo_twice_changes_nothing():
    seed()
    before = database_snapshot()
    # Social reach's demo data is there, so its second seed is checked too.
    for label in (
        "outreach.Post",
        "community.HashtagPost",
        "audience.PopulationFigure",
        "audience.ProfileAnswer",
        "audience.SourceVisit",
        "audience.Participation",
    ):
        assert before[label] != "[]", label
    seed()
    assert database_snapshot() == before


def test_seed_demo_if_empty_leaves_a_used_database_alone():
    Area.objects.create(name="Somewhere real", slug="somewhere-real")
    output = seed("--if-empty")
    assert "no demo data added" in output
    assert Area.objects.count() == 1
    assert not User.objects.exists()


def test_seed_demo_refuses_to_run_with_debug_off():
    # Its accounts share a published password and TOTP secret.
    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()
    assert not Area.objects.exists()


def test_seed_demo_only_embedded_leaves_postgresql_alone():
    # `make run` passes --only-embedded unless SEED_DEMO=1 asks for it explicitly.
    assert connection.vendor == "postgresql"
    output = seed("--if-empty", "--only-embedded")
    assert "not the embedded default" in output
    assert "SEED_DEMO=1" in output
    assert not User.objects.exists()


def test_seed_demo_prints_only_the_accounts_report():
    output = seed()
    # Nothing before the accounts (emails go to the email backend, files in a trial).
    assert output.startswith("The Riverside demo city is ready.")
    assert "Content-Type:" not in output


def test_seed_demo_if_empty_seeds_an_empty_database():
    seed("--if-empty")
    assert User.objects.filter(email="admin@riverside.example").exists()


def test_registered_seeders_run_in_order_after_the_city():
    calls: list[str] = []

    @demo.register("test-late", order=500)
    def late(ctx):
        calls.append(f"late:{len(ctx.areas)}")

    @demo.register("test-early", order=50)
    def early(ctx):
        calls.append(f"early:{len(ctx.residents)}")
        ctx.say("Early seeder was here.")

    try:
        output = seed()
    finally:
        demo._SEEDERS.pop("test-late")
        demo._SEEDERS.pop("test-early")
    assert calls == ["early:40", "late:8"]
    assert "Early seeder was here." in output


def test_staff_sign_in_with_the_printed_password_and_code(client, uncollected_static):
    output = seed()
    code = re.search(r"current code:\s+(\d{6})", output).group(1)
    response = client.post(
        "/accounts/login/",
        {"login": "moderator@riverside.example", "password": demo.DEMO_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302, response.content[:2000]
    assert client.get("/api/v1/me/").json()["email"] == "moderator@riverside.example"
