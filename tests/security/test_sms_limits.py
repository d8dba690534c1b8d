"""SMS pumping: phone verification codes are limited per account, per number, per client
address and per day, under a global daily budget, and each refusal says when to try again.

Codes go through the file SMS backend (one JSON line per text actually sent), so "nothing
was sent" is read from what the backend wrote.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from civicportal.kernel.ratelimit import RateLimited
from civicportal.notifications.models import PhoneNumber
from civicportal.notifications.services import phone_number_start
from tests.notifications.factories import users_create

pytestmark = pytest.mark.django_db

START_URL = "/profile/notifications/phone/"


@pytest.fixture
def limits(settings):
    """The defaults a council would run with, written out so the tests say what they test."""
    settings.NOTIFICATIONS_PHONE_CODE_ACCOUNT_HOURLY = 5
    settings.NOTIFICATIONS_PHONE_CODE_ACCOUNT_DAILY = 10
    settings.NOTIFICATIONS_PHONE_CODE_NUMBER_HOURLY = 3
    settings.NOTIFICATIONS_PHONE_CODE_ADDRESS_HOURLY = 10
    settings.NOTIFICATIONS_PHONE_CODE_DAILY_BUDGET = 1000
    return settings


def number(n: int) -> str:
    return f"+35455{n:05d}"


def test_one_account_cannot_text_25_numbers_it_is_refused_after_the_hourly_limit(
    client, limits, sms_file
):
    user = users_create(1)[0]
    client.force_login(user)

    statuses = [client.post(START_URL, {"number": number(n)}).status_code for n in range(25)]

    assert statuses[:5] == [302] * 5
    assert set(statuses[5:]) == {429}
    assert len(sms_file()) == 5
    # The person sees why, and when to try again, on the page.
    response = client.post(START_URL, {"number": number(99)})
    page = response.content.decode()
    assert response.status_code == 429
    assert "You have asked for 5 codes in the last hour" in page
    assert "Try again in" in page
    assert int(response["Retry-After"]) > 0
    # The refused numbers were not stored either: the last one that got a code stays.
    assert PhoneNumber.objects.get(user=user).number == number(4)


def test_one_account_is_held_to_its_daily_limit_across_hours(limits, sms_file):
    limits.NOTIFICATIONS_PHONE_CODE_ACCOUNT_HOURLY = 0  # off: only the daily limit counts
    user = users_create(1)[0]
    for n in range(10):
        phone_number_start(user=user, number=number(n))

    with pytest.raises(RateLimited, match="10 codes today") as refused:
        phone_number_start(user=user, number=number(10))

    assert refused.value.retry_after > 0
    assert len(sms_file()) == 10


def test_one_number_gets_at_most_three_codes_an_hour_whichever_account_asks(limits, sms_file):
    users = users_create(5)
    for user in users[:3]:
        phone_number_start(user=user, number="+3545551234")

    with pytest.raises(RateLimited, match="This number has been sent 3 codes") as refused:
        phone_number_start(user=users[3], number="+354 555 1234")

    assert "Try again in" in refused.value.messages[0]
    assert [line["to"] for line in sms_file()] == ["+3545551234"] * 3
    # Another number is still fine for that account.
    phone_number_start(user=users[3], number="+3545559999")
    assert len(sms_file()) == 4


def test_one_client_address_is_limited_across_accounts(client, limits, sms_file):
    limits.TRUSTED_PROXY_COUNT = 0
    users = users_create(12)
    statuses = []
    for n, user in enumerate(users):
        client.force_login(user)
        # A forged X-Forwarded-For does not make each request a new address.
        response = client.post(
            START_URL,
            {"number": number(n)},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        statuses.append(response.status_code)

    assert statuses == [302] * 10 + [429] * 2
    assert "from your network" in response.content.decode()
    assert len(sms_file()) == 10


def test_the_global_daily_budget_refuses_everyone_once_spent(client, limits, sms_file):
    limits.NOTIFICATIONS_PHONE_CODE_DAILY_BUDGET = 2
    first, second, third = users_create(3)
    phone_number_start(user=first, number=number(1))
    phone_number_start(user=second, number=number(2))

    with pytest.raises(RateLimited, match="as many codes today as it may"):
        phone_number_start(user=third, number=number(3))
    client.force_login(third)
    response = client.post(START_URL, {"number": number(3)})

    assert response.status_code == 429
    assert "as many codes today as it may" in response.content.decode()
    assert "Try again in" in response.content.decode()
    assert len(sms_file()) == 2
    assert not PhoneNumber.objects.filter(user=third).exists()


def test_the_global_budget_is_kept_in_the_database_and_survives_a_cache_flush(limits, sms_file):
    from django.core.cache import cache

    limits.NOTIFICATIONS_PHONE_CODE_DAILY_BUDGET = 2
    for n, user in enumerate(users_create(2)):
        phone_number_start(user=user, number=number(n))
    cache.clear()  # Redis restarted without its data: hourly counters are gone

    with pytest.raises(RateLimited, match="as many codes today as it may"):
        phone_number_start(user=users_create(1)[0], number=number(9))
    assert len(sms_file()) == 2


def test_a_failed_send_does_not_spend_the_global_budget(limits, settings, sms_file):
    limits.NOTIFICATIONS_PHONE_CODE_DAILY_BUDGET = 1
    # A file under a file: the backend cannot write it, as a gateway that is down.
    blocker = sms_file.path.with_name("not-a-folder")
    blocker.write_text("")
    settings.NOTIFICATIONS_SMS_FILE_PATH = str(blocker / "sms.jsonl")
    with pytest.raises(ValidationError, match="could not send"):
        phone_number_start(user=users_create(1)[0], number=number(1))

    settings.NOTIFICATIONS_SMS_FILE_PATH = str(sms_file.path)
    phone_number_start(user=users_create(1)[0], number=number(2))
    assert len(sms_file()) == 1
