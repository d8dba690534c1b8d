"""SMS: the HTTP gateway backend against a loopback server, the file backend, and the
phone number verification flow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.models import PhoneNumber
from civicportal.notifications.rendering import delivery_key
from civicportal.notifications.services import (
    deliveries_send,
    event_create,
    phone_number_start,
    phone_number_verify,
)
from tests.notifications.factories import CONTEXT, users_create
from tests.notifications.servers import Answer


@pytest.fixture
def gateway(settings, http_sink):
    settings.NOTIFICATIONS_SMS_BACKEND = "http"
    settings.NOTIFICATIONS_SMS_GATEWAY_URL = f"{http_sink.url}/v1/messages"
    settings.NOTIFICATIONS_SMS_GATEWAY_TOKEN = "gateway-secret"
    settings.NOTIFICATIONS_SMS_SENDER = "Riverside"
    return http_sink


def _verified(user, number="+3545551234") -> PhoneNumber:
    return PhoneNumber.objects.create(user=user, number=number, verified_at=timezone.now())


def _sms_event(users, key="sms"):
    with transaction.atomic():
        return event_create(
            kind="tests.status_changed",
            recipients=users,
            channels_for=lambda user: ["sms"],
            context=CONTEXT,
            idempotency_key=key,
        )


def _ids(event) -> list[int]:
    return list(event.deliveries.values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_gateway_gets_json_with_bearer_token_and_the_deliverys_idempotency_key(gateway, broker):
    user = users_create(1)[0]
    _verified(user)
    event = _sms_event([user])
    gateway.answer_next(Answer.json(201, {"id": "msg-77"}))

    summary = deliveries_send(delivery_ids=_ids(event))

    assert summary.sent == 1
    [request] = gateway.received()
    delivery = event.deliveries.select_related("event").get()
    assert request.path == "/v1/messages"
    assert request.headers["authorization"] == "Bearer gateway-secret"
    assert request.headers["idempotency-key"] == delivery_key(delivery)
    body = request.json()
    assert body["to"] == "+3545551234"
    assert body["sender"] == "Riverside"
    assert body["text"].startswith("Your idea More benches has a new status")
    assert body["text"].endswith("http://127.0.0.1:8000/ideas/1/")
    assert (delivery.status, delivery.message_id) == ("sent", "msg-77")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [429, 503])
def test_gateway_busy_is_transient_and_the_retry_repeats_the_same_key(gateway, broker, status):
    user = users_create(1)[0]
    _verified(user)
    event = _sms_event([user], key=f"sms-{status}")
    gateway.answer_next(Answer(status))

    with pytest.raises(TransientSendError, match=str(status)):
        deliveries_send(delivery_ids=_ids(event))
    assert event.deliveries.get().status == "pending"

    assert deliveries_send(delivery_ids=_ids(event)).sent == 1
    first, second = gateway.received()
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]


@pytest.mark.django_db(transaction=True)
def test_gateway_refusal_fails_the_delivery_with_the_gateways_reason(gateway, broker):
    user = users_create(1)[0]
    _verified(user)
    event = _sms_event([user])
    gateway.answer_next(Answer.json(400, {"error": "number is not mobile"}))

    summary = deliveries_send(delivery_ids=_ids(event))

    assert summary.failed == 1
    delivery = event.deliveries.get()
    assert delivery.status == "failed"
    assert "400" in delivery.last_error
    assert "number is not mobile" in delivery.last_error


@pytest.mark.django_db
def test_only_verified_numbers_get_sms_deliveries():
    verified, unverified, none = users_create(3)
    _verified(verified)
    PhoneNumber.objects.create(user=unverified, number="+3545550000")
    event = event_create(
        kind="tests.status_changed",
        recipients=[verified, unverified, none],
        channels_for=lambda user: ["sms"],
        context=CONTEXT,
        idempotency_key="who-gets-sms",
    )
    assert list(event.deliveries.values_list("recipient_id", "address")) == [
        (verified.pk, "+3545551234")
    ]


@pytest.mark.django_db(transaction=True)
def test_file_backend_appends_one_json_line_per_message(sms_file, broker):
    users = users_create(2)
    _verified(users[0], "+3545551111")
    _verified(users[1], "+3545552222")
    event = _sms_event(users)

    deliveries_send(delivery_ids=_ids(event))

    assert sorted(line["to"] for line in sms_file()) == ["+3545551111", "+3545552222"]


# --- Phone number verification --------------------------------------------------------------


def _code(lines) -> str:
    return lines()[-1]["text"].split()[0]


@pytest.mark.django_db
def test_phone_verification_sends_a_six_digit_code_and_the_right_code_verifies(sms_file):
    user = users_create(1)[0]

    phone = phone_number_start(user=user, number="+354 555-1234")

    assert phone.number == "+3545551234"
    assert not phone.is_verified
    [line] = sms_file()
    assert line["to"] == "+3545551234"
    code = _code(sms_file)
    assert len(code) == 6 and code.isdigit()
    assert code not in phone.code_hash  # only a hash is kept

    phone = phone_number_verify(user=user, code=code)
    assert phone.is_verified


@pytest.mark.django_db
def test_phone_verification_counts_wrong_codes_and_stops_after_the_limit(sms_file, settings):
    settings.NOTIFICATIONS_PHONE_CODE_ATTEMPTS = 3
    user = users_create(1)[0]
    phone_number_start(user=user, number="+3545551234")
    code = _code(sms_file)
    wrong = "000000" if code != "000000" else "111111"

    with pytest.raises(ValidationError, match="Tries left: 2"):
        phone_number_verify(user=user, code=wrong)
    with pytest.raises(ValidationError, match="Tries left: 1"):
        phone_number_verify(user=user, code=wrong)
    with pytest.raises(ValidationError, match="last try"):
        phone_number_verify(user=user, code=wrong)
    with pytest.raises(ValidationError, match="Too many wrong codes"):
        phone_number_verify(user=user, code=code)  # even the right one, now
    assert not PhoneNumber.objects.get(user=user).is_verified


@pytest.mark.django_db
def test_phone_code_expires_after_ten_minutes(sms_file):
    user = users_create(1)[0]
    phone_number_start(user=user, number="+3545551234")
    PhoneNumber.objects.filter(user=user).update(
        code_sent_at=timezone.now() - timedelta(minutes=10, seconds=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        phone_number_verify(user=user, code=_code(sms_file))


@pytest.mark.django_db
def test_phone_code_cannot_be_asked_for_again_at_once_and_bad_numbers_are_refused(sms_file):
    user = users_create(1)[0]
    phone_number_start(user=user, number="+3545551234")
    with pytest.raises(ValidationError, match="Wait a minute"):
        phone_number_start(user=user, number="+3545551234")
    with pytest.raises(ValidationError, match="international format"):
        phone_number_start(user=user, number="555 1234")
    assert len(sms_file()) == 1


@pytest.mark.django_db
def test_a_failed_code_send_stores_nothing_and_says_so(settings, http_sink):
    settings.NOTIFICATIONS_SMS_BACKEND = "http"
    settings.NOTIFICATIONS_SMS_GATEWAY_URL = f"{http_sink.url}/sms"
    http_sink.answer_next(Answer(503))
    user = users_create(1)[0]
    with pytest.raises(ValidationError, match="could not send"):
        phone_number_start(user=user, number="+3545551234")
    assert not PhoneNumber.objects.exists()


@pytest.mark.django_db
def test_phone_pages_start_and_confirm_without_javascript(client, sms_file):
    user = users_create(1)[0]
    client.force_login(user)

    response = client.post("/profile/notifications/phone/", {"number": "+354 555 1234"})
    assert response.status_code == 302
    page = client.get("/profile/notifications/").content.decode()
    assert "is not confirmed yet" in page

    response = client.post("/profile/notifications/phone/verify/", {"code": "12"})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()

    response = client.post("/profile/notifications/phone/verify/", {"code": _code(sms_file)})
    assert response.status_code == 302
    assert PhoneNumber.objects.get(user=user).is_verified

    client.post("/profile/notifications/phone/delete/")
    assert not PhoneNumber.objects.exists()


@pytest.mark.django_db
def test_phone_page_keeps_what_was_typed_when_the_number_is_bad(client, sms_file):
    client.force_login(users_create(1)[0])
    response = client.post("/profile/notifications/phone/", {"number": "call me maybe"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "international format" in page
    assert 'value="call me maybe"' in page
