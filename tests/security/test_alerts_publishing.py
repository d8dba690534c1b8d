"""No text reaches the public in an alert's name without a second person approving exactly
that text (docs/specification.md §10), on every path: staff page, admin, API, service.

- The one-step cancel publishes only the fixed, translated all-clear wording; the author's
  note waits for a second person like any other text.
- An approval names the version the approver reviewed; a change since refuses it.
- Control characters are refused at every alerts input, and the XML outputs stay
  well-formed whatever is stored.
- The language versions' fields have maximum lengths with clear errors (never a 500).
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation
from lxml import etree
from rest_framework.test import APIClient

from alerts import services
from alerts.models import Alert, AlertMessage, GroundReport
from alerts.services.lifecycle import ALL_CLEAR_DESCRIPTION, ALL_CLEAR_INSTRUCTION
from civicportal.notifications.models import Delivery, Event, SocialPost
from civicportal.notifications.services import deliveries_send
from tests.accounts.factories import UserFactory
from tests.alerts.factories import (
    alert_form_data,
    approver,
    area,
    author,
    content,
    pending,
    published,
    subscriber,
)
from tests.notifications.conftest import (  # noqa: F401  (fixtures)
    broker,
    smtp_settings,
    smtp_sink,
)

NOTE = "Unapproved words of one person"


def _api_draft(where, **extra) -> dict:
    data = {
        "headline": "Boil your water", "event": "Water contamination", "category": "Health",
        "severity": "Moderate", "urgency": "Expected", "certainty": "Likely",
        "instruction": "Boil tap water before drinking.", "description": "E. coli found.",
        "areas": [where.slug], "expires": (timezone.now() + timedelta(hours=3)).isoformat(),
    }  # fmt: skip
    data.update(extra)
    return data


def _version_on_screen(page: str) -> str:
    match = re.search(r'name="version" value="([0-9a-f]{64})"', page)
    assert match, "the approval screen carries the reviewed version"
    return match.group(1)


def _mail_text(message: Message) -> str:
    """The subject and every text part, decoded (transfer encodings hide words otherwise)."""
    parts = [str(make_header(decode_header(message["Subject"])))]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            parts.append(payload.decode(part.get_content_charset() or "utf-8"))
    return "\n".join(parts)


def _fixed(msgid: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(msgid)


# --- 1. The one-step cancel carries only fixed wording -----------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("smtp_settings", "broker")
def test_one_step_cancel_publishes_only_the_fixed_all_clear_and_holds_the_note_for_approval(
    request,
):
    sink = request.getfixturevalue("smtp_sink")  # the one smtp_settings sends to
    by = author()
    alert = published(
        by=by,
        second_language="is",
        second_headline="Flóð við höfnina",
        second_description="Áin flæðir yfir bakka sína.",
        second_instruction="Haldið ykkur frá ánni.",
    )
    subscriber(email="resident@example.org")
    subscriber(email="islendingur@example.org", preferred_language="is")

    cancel = services.alert_cancel(actor=by, alert=alert, note=NOTE)

    # What went out at once: the fixed wording in both languages, no word of the note.
    cancel.refresh_from_db()
    assert cancel.state == AlertMessage.State.PUBLISHED and cancel.approver is None
    assert NOTE not in (cancel.note + cancel.instruction + cancel.second_instruction)
    assert cancel.instruction == _fixed(ALL_CLEAR_INSTRUCTION, "en")
    assert cancel.second_instruction == _fixed(ALL_CLEAR_INSTRUCTION, "is")
    assert cancel.description == _fixed(ALL_CLEAR_DESCRIPTION, "en")
    assert cancel.second_description == _fixed(ALL_CLEAR_DESCRIPTION, "is")
    assert Alert.objects.get().state == Alert.State.CANCELLED
    # The note waits for a second person, as any text does.
    held = alert.messages.get(state=AlertMessage.State.PENDING)
    assert held.msg_type == "Cancel" and NOTE in held.instruction and held.author == by

    services.alert_message_fan_out(message_id=cancel.pk)
    summary = deliveries_send(delivery_ids=list(Delivery.objects.values_list("pk", flat=True)))
    assert summary.sent >= 3  # two emails and the council's social post
    mails = [_mail_text(r.message) for r in sink.messages()]
    assert len(mails) == 2
    assert any(_fixed(ALL_CLEAR_INSTRUCTION, "en") in mail for mail in mails)
    assert any(
        "Flóð við höfnina" in mail and _fixed(ALL_CLEAR_INSTRUCTION, "is") in mail for mail in mails
    )
    posts = list(SocialPost.objects.values_list("text", flat=True))
    assert posts and all(NOTE not in post for post in posts)
    assert all(NOTE not in str(event.context) for event in Event.objects.all())
    assert all(NOTE not in mail for mail in mails)

    public = Client()
    cap = public.get(f"/alerts/cap/{cancel.identifier}.xml")
    assert cap.status_code == 200 and NOTE.encode() not in cap.content
    for feed in ("/alerts/feed/", "/alerts/cap.atom"):
        assert NOTE.encode() not in public.get(feed).content
    assert NOTE not in public.get(f"/alerts/{alert.pk}/").content.decode()
    assert NOTE not in str(APIClient().get(f"/api/v1/alerts/{alert.pk}/").json())

    # Once a second person approves it, the note goes out as a further all-clear.
    services.alert_approve(actor=approver(), message=held, version=services.message_version(held))
    held.refresh_from_db()
    assert held.state == AlertMessage.State.PUBLISHED and held.approver is not None
    assert Alert.objects.get().state == Alert.State.CANCELLED
    assert NOTE.encode() in public.get(f"/alerts/cap/{held.identifier}.xml").content


# --- 2. Approval binds to the reviewed version --------------------------------------------


@pytest.mark.django_db
def test_approval_is_refused_when_the_message_changed_after_review_on_page_api_and_admin():
    by, second = author(), approver()
    alert = pending(by=by, instruction="Stay indoors.")
    message = alert.messages.get()
    reviewer = Client()
    reviewer.force_login(second)
    version = _version_on_screen(
        reviewer.get(f"/staff/alerts/messages/{message.pk}/approve/").content.decode()
    )

    # Meanwhile the message is sent back, changed and submitted again.
    services.alert_return_to_author(actor=approver(), message=message, reason="Stronger")
    services.alert_draft_update(
        actor=by, message=message, content=content(instruction="Leave town by the north road.")
    )
    services.alert_submit_for_approval(actor=by, message=message)

    # The page: the approval of what was seen is refused, nothing goes out.
    response = reviewer.post(
        f"/staff/alerts/messages/{message.pk}/approve/", {"version": version}, follow=True
    )
    assert response.status_code == 200
    assert "changed since you opened it" in response.content.decode()
    message.refresh_from_db()
    assert message.state == AlertMessage.State.PENDING and message.sent is None
    assert Alert.objects.get().state == Alert.State.PENDING

    # The API: without a version 400, with the stale one 409, nothing goes out.
    api = APIClient()
    api.force_authenticate(second)
    url = f"/api/v1/alerts/messages/{message.pk}/approve/"
    missing = api.post(url, {}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()["error"]["fields"]
    stale = api.post(url, {"version": version}, format="json")
    assert stale.status_code == 409, stale.json()
    assert "changed" in stale.json()["error"]["message"]
    message.refresh_from_db()
    assert message.state == AlertMessage.State.PENDING

    # The admin has no bulk approval (no preview of what is approved).
    admin = Client()
    admin.force_login(approver(is_superuser=True))
    for path, action, pk in (
        ("/admin/alerts/alert/", "approve_pending", alert.pk),
        ("/admin/alerts/alertmessage/", "approve", message.pk),
    ):
        page = admin.get(path).content.decode()
        assert f'value="{action}"' not in page
        admin.post(path, {"action": action, "_selected_action": [pk]})
    message.refresh_from_db()
    assert message.state == AlertMessage.State.PENDING

    # Approving the version on screen now publishes exactly what was reviewed.
    current = _version_on_screen(
        reviewer.get(f"/staff/alerts/messages/{message.pk}/approve/").content.decode()
    )
    assert current != version
    reviewer.post(f"/staff/alerts/messages/{message.pk}/approve/", {"version": current})
    message.refresh_from_db()
    assert message.state == AlertMessage.State.PUBLISHED and message.approver == second
    assert message.approved_version == current
    assert message.instruction == "Leave town by the north road."


# --- 3. Control characters ----------------------------------------------------------------


@pytest.mark.django_db
def test_control_characters_are_refused_at_every_alerts_input_with_a_clear_message():
    where = area()
    by = author()
    staff = Client()
    staff.force_login(by)
    form = staff.post("/staff/alerts/new/", alert_form_data(where, headline="Gas\x01 leak"))
    assert form.status_code == 200 and "control character" in form.content.decode()

    api = APIClient()
    api.force_authenticate(by)
    for field in ("headline", "second_description", "contact"):
        refused = api.post(
            "/api/v1/alerts/drafts/", _api_draft(where, **{field: "Bad\x1b[0m"}), format="json"
        )
        assert refused.status_code == 400, (field, refused.json())
        assert "control character" in str(refused.json()["error"]["fields"][field])
    assert not Alert.objects.exists()

    # The services refuse it too (commands, imports, anything that skips the forms).
    with pytest.raises(ValidationError, match="control character"):
        services.alert_draft_create(actor=by, content=content(description="A\x07B"))

    alert = published(by=by)
    page = staff.post(f"/staff/alerts/{alert.pk}/cancel/", {"note": "Over\x01"})
    assert page.status_code == 200 and "control character" in page.content.decode()
    cancel = api.post(f"/api/v1/alerts/{alert.pk}/cancel/", {"note": "Over\x01"}, format="json")
    assert cancel.status_code == 400 and "control character" in str(cancel.json())
    update = api.post(
        f"/api/v1/alerts/{alert.pk}/update/",
        _api_draft(where, note="Changed\x02"),
        format="json",
    )
    assert update.status_code == 400 and "control character" in str(update.json())
    assert Alert.objects.get().state == Alert.State.PUBLISHED
    assert alert.messages.count() == 1

    resident = Client()
    resident.force_login(UserFactory())
    report = resident.post(f"/alerts/{alert.pk}/report/", {"text": "Water\x01 in the street"})
    assert report.status_code == 400 and "control character" in report.content.decode()
    with pytest.raises(ValidationError, match="control character"):
        services.report_create(actor=UserFactory(), alert=alert, text="Water\x0b rising")
    assert not GroundReport.objects.exists()


@pytest.mark.django_db
def test_xml_outputs_and_the_approval_screen_stay_well_formed_with_stored_control_characters():
    bad = "Flood\x01 warning\x1f"
    alert = published(second_language="is", second_headline="Flóð", second_description="Á",
                      second_instruction="Farið")  # fmt: skip
    message = alert.current_message
    AlertMessage.objects.filter(pk=message.pk).update(
        headline=bad, description=bad, instruction=bad, note=bad, contact=bad,
        second_headline=bad, event=bad, area_description=bad,
    )  # fmt: skip
    update = services.alert_update(actor=author(), alert=alert, content=content())
    AlertMessage.objects.filter(pk=update.pk).update(headline=bad, instruction=bad, note=bad)

    client = Client()
    cap = client.get(f"/alerts/cap/{message.identifier}.xml")
    assert cap.status_code == 200
    root = etree.fromstring(cap.content)
    assert root.findtext(".//{*}headline") == "Flood warning"
    for path in ("/alerts/feed/", "/alerts/cap.atom"):
        response = client.get(path)
        assert response.status_code == 200, path
        etree.fromstring(response.content)
        assert not feedparser.parse(response.content).bozo
    staff = Client()
    staff.force_login(approver())
    screen = staff.get(f"/staff/alerts/messages/{update.pk}/approve/")
    assert screen.status_code == 200
    shown = re.search(r"<code>(.*?)</code>", screen.content.decode(), re.S).group(1)
    etree.fromstring(html.unescape(shown).encode())


# --- 4. Lengths of the language versions ---------------------------------------------------


@pytest.mark.django_db
def test_language_version_fields_have_maximum_lengths_with_clear_errors():
    where = area()
    by = author()
    second = {
        "second_language": "is", "second_event": "Flóð", "second_headline": "Flóð",
        "second_description": "Áin flæðir.", "second_instruction": "Farið upp.",
    }  # fmt: skip
    staff = Client()
    staff.force_login(by)
    api = APIClient()
    api.force_authenticate(by)
    for field, limit in (
        ("second_event", 100),
        ("second_headline", 160),
        ("second_description", 4000),
        ("second_instruction", 2000),
    ):
        long_input = {**second, field: "x" * (limit + 1)}
        page = staff.post("/staff/alerts/new/", alert_form_data(where, **long_input))
        assert page.status_code == 200, field
        assert f"at most {limit} characters" in page.content.decode(), field
        refused = api.post("/api/v1/alerts/drafts/", _api_draft(where, **long_input), format="json")
        assert refused.status_code == 400, field
        assert f"no more than {limit} characters" in str(refused.json()["error"]["fields"][field])
        with pytest.raises(ValidationError):
            services.alert_draft_create(actor=by, content=content(**long_input))
    assert not Alert.objects.exists()
