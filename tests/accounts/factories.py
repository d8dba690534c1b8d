"""Accounts factories, shared by every app's tests.

UserFactory()                          a resident with a verified email address
UserFactory(verified=True)             ... whose residency is verified
StaffFactory(role=roles.MODERATOR)     an active staff member in that role group
StaffFactory(role=roles.ADMINISTRATOR, mfa=True)  ... with a TOTP authenticator
AreaFactory()                          a neighbourhood
"""

from __future__ import annotations

import base64
import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.utils import timezone

from civicportal.accounts.models import Area, ResidencyRequest, User
from civicportal.core.demo import current_totp_code

DEFAULT_PASSWORD = "a-long-test-password-1"
# A fixed base32 TOTP secret, so tests can compute codes with allauth's own helpers.
TOTP_SECRET = base64.b32encode(b"civicportal-test-secret!").decode()


def fresh_totp_code(secret: str = TOTP_SECRET, *, margin_seconds: float = 3) -> str:
    """The authenticator app's code for ``secret``, from a period with at least
    ``margin_seconds`` left: a code read at the very end of its period reaches the portal
    in the next one, where it is no longer valid (MFA_TOTP_TOLERANCE is allauth's 0)."""
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < margin_seconds:
        time.sleep(left + 0.1)
    return current_totp_code(secret)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Neighbourhood {n}")
    slug = factory.Sequence(lambda n: f"neighbourhood-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A resident who can sign in: active, with a verified primary email address."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        verified = factory.Trait(
            verified_at=factory.LazyFunction(timezone.now),
            home_area=factory.SubFactory(AreaFactory),
        )

    email = factory.Sequence(lambda n: f"resident{n}@example.org")
    display_name = factory.Faker("first_name")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def email_verified(obj, create, extracted, **kwargs):
        """Pass ``email_verified=False`` for an account whose address is not confirmed."""
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )


class StaffFactory(UserFactory):
    """A staff member; ``role`` is a group name from accounts.roles (or None)."""

    email = factory.Sequence(lambda n: f"staff{n}@council.example.org")
    is_staff = True

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            group, _ = Group.objects.get_or_create(name=extracted)
            obj.groups.add(group)

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        """Pass ``mfa=True`` to give the account a TOTP authenticator (secret TOTP_SECRET)."""
        if create and extracted:
            TOTP.activate(obj, TOTP_SECRET)


class ResidencyRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidencyRequest

    user = factory.SubFactory(UserFactory)
    area = factory.SubFactory(AreaFactory)
    note = factory.Faker("street_address")
