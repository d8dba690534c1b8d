"""Rumour control's services: the two-person rule for an incident's fact checks, the
editor's one-step publication of standalone ones, residents' questions (rate limited,
screenshots without GPS, bad input refused and nothing stored), notifications to the
asker and to the council's social accounts, audit records, personal data."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from PIL import Image

from alerts.models import FactCheck, FactCheckQuestion
from alerts.services import factchecks as services
from civicportal.kernel.ratelimit import RateLimited
from civicportal.notifications.models import Delivery, Event
from tests.accounts.factories import UserFactory
from tests.alerts.factcheck_factories import (
    content,
    draft,
    editor,
    pending,
    published_standalone,
    question,
)
from tests.alerts.factories import approver, author, published
from tests.proposals.factories import jpeg_with_gps, pdf_named_jpg, ten_megabyte_jpg

pytestmark = pytest.mark.django_db


def test_incident_fact_check_needs_a_second_person_with_the_approver_role():
    alert = published()
    by = author()
    fact_check = pending(by=by, alert=alert)
    version = services.factcheck_version(fact_check)
    with pytest.raises(PermissionDenied, match="Alert approver"):
        services.factcheck_approve(actor=editor(), fact_check=fact_check, version=version)
    second = approver()
    services.factcheck_approve(actor=second, fact_check=fact_check, version=version)
    fact_check.refresh_from_db()
    assert fact_check.state == FactCheck.State.PUBLISHED
    assert fact_check.approver == second and fact_check.approved_version == version


def test_author_holding_the_approver_role_cannot_approve_their_own_fact_check():
    alert = published()
    by = approver()
    by.groups.add(*author().groups.all())
    fact_check = pending(by=by, alert=alert)
    with pytest.raises(PermissionDenied, match="two-person rule"):
        services.factcheck_approve(
            actor=by, fact_check=fact_check, version=services.factcheck_version(fact_check)
        )
    fact_check.refresh_from_db()
    assert fact_check.state == FactCheck.State.PENDING and fact_check.approver is None


def test_database_refuses_self_approval_and_unapproved_incident_publication():
    alert = published()
    by = author()
    fact_check = pending(by=by, alert=alert)
    with pytest.raises(IntegrityError), transaction.atomic():
        FactCheck.objects.filter(pk=fact_check.pk).update(approver=by)
    with pytest.raises(IntegrityError), transaction.atomic():
        FactCheck.objects.filter(pk=fact_check.pk).update(
            state="published", published_at=fact_check.created_at
        )


def test_editor_cannot_publish_an_incident_fact_check_in_one_step():
    by = editor()
    fact_check = draft(by=by, alert=published())
    with pytest.raises(PermissionDenied, match="send it for approval"):
        services.factcheck_publish(actor=by, fact_check=fact_check)
    assert FactCheck.objects.get(pk=fact_check.pk).state == FactCheck.State.DRAFT


def test_editor_publishes_a_standalone_fact_check_directly_and_an_author_cannot():
    fact_check = draft(by=author())
    with pytest.raises(PermissionDenied):
        services.factcheck_publish(actor=author(), fact_check=fact_check)
    by = editor()
    services.factcheck_publish(actor=by, fact_check=fact_check)
    fact_check.refresh_from_db()
    assert fact_check.state == FactCheck.State.PUBLISHED and fact_check.published_at


def test_approval_of_a_changed_version_is_refused_and_publishes_nothing():
    by = author()
    fact_check = draft(by=by, alert=published())
    old = services.factcheck_version(fact_check)
    services.factcheck_update(
        actor=by,
        fact_check=fact_check,
        content=content(alert=fact_check.alert, verdict="misleading"),
    )
    services.factcheck_submit(actor=by, fact_check=fact_check)
    with pytest.raises(services.StaleFactCheck):
        services.factcheck_approve(actor=approver(), fact_check=fact_check, version=old)
    assert FactCheck.objects.get(pk=fact_check.pk).state == FactCheck.State.PENDING


def test_return_sends_a_pending_fact_check_back_to_draft():
    fact_check = pending(by=author(), alert=published())
    services.factcheck_return(actor=approver(), fact_check=fact_check)
    assert FactCheck.objects.get(pk=fact_check.pk).state == FactCheck.State.DRAFT


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"claim_url": "javascript:alert(1)"}, "claim_url", "http:// or https://"),
        ({"claim_url": "ftp://files.example.org/x"}, "claim_url", "http:// or https://"),
        ({"sources": [{"title": "x", "url": "data:text/html,hi"}]}, "sources", "https://"),
        ({"claim": "Bridge\x07 down"}, "claim", "control character"),
        ({"facts": "Safe\x00 water"}, "facts", "control character"),
        ({"claim": "   "}, "claim", "Write the claim"),
        ({"verdict": "maybe"}, "verdict", "Choose false"),
    ],
)
def test_bad_fact_check_content_is_refused_with_a_message_and_nothing_is_stored(
    fields, field, words
):
    with pytest.raises(ValidationError) as caught:
        draft(**fields)
    assert words in " ".join(caught.value.message_dict[field])
    assert not FactCheck.objects.exists()


def test_question_screenshot_is_stored_without_its_gps_data():
    asked = question(screenshot=jpeg_with_gps(), link="https://social.example.net/p/1")
    with Image.open(asked.screenshot.path) as stored:
        exif = stored.getexif()
        assert not exif.get_ifd(0x8825) and 0x010F not in exif
    asked.screenshot.delete(save=False)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"screenshot": pdf_named_jpg()}, "screenshot", "not a picture"),
        ({"screenshot": ten_megabyte_jpg()}, "screenshot", "largest we accept"),
        ({"link": "javascript:alert(document.cookie)"}, "link", "http:// or https://"),
        ({"link": "file:///etc/passwd"}, "link", "http:// or https://"),
        ({"text": "Is it\x1b true?"}, "text", "control character"),
        ({"text": ""}, "text", "Tell us what you heard"),
    ],
)
def test_bad_question_is_refused_with_a_message_and_nothing_is_stored(fields, field, words):
    with pytest.raises(ValidationError) as caught:
        question(**fields)
    assert words in " ".join(caught.value.message_dict[field])
    assert not FactCheckQuestion.objects.exists()


def test_questions_are_rate_limited_per_resident(settings):
    settings.ALERTS_FACTCHECK_QUESTION_RATE_LIMIT = 2
    resident = UserFactory()
    question(user=resident)
    question(user=resident)
    with pytest.raises(RateLimited, match="many questions"):
        question(user=resident)
    assert FactCheckQuestion.objects.filter(user=resident).count() == 2
    question(user=UserFactory())  # another resident's allowance is their own


def test_anonymous_visitor_cannot_ask():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.question_ask(actor=AnonymousUser(), text="Is it true?")


def test_private_answer_notifies_the_asker_in_the_inbox_and_by_email_on_commit(
    django_capture_on_commit_callbacks,
):
    asked = question()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.question_answer(actor=editor(), question=asked, answer="No, the bridge is open.")
    assert callbacks, "the deliveries are handed to workers on commit"
    asked.refresh_from_db()
    assert asked.state == FactCheckQuestion.State.ANSWERED
    event = Event.objects.get(kind=services.ANSWER_TOPIC)
    channels = set(event.deliveries.filter(recipient=asked.user).values_list("channel", flat=True))
    assert channels == {"inbox", "email"}
    with pytest.raises(ValidationError, match="answered already"):
        services.question_answer(actor=editor(), question=asked, answer="Again")


def test_publishing_a_fact_check_answers_its_questions_and_notifies_askers():
    asked = question()
    by = editor()
    fact_check = services.factcheck_create(actor=by, content=content(), question=asked)
    assert not Event.objects.filter(kind=services.ANSWER_TOPIC).exists()  # not before publication
    services.factcheck_publish(actor=by, fact_check=fact_check)
    asked.refresh_from_db()
    assert asked.state == FactCheckQuestion.State.FACT_CHECKED and asked.fact_check == fact_check
    event = Event.objects.get(kind=services.ANSWER_TOPIC)
    assert event.context["url"] == fact_check.get_absolute_url()
    assert Delivery.objects.filter(event=event, recipient=asked.user, channel="inbox").exists()


def test_publication_is_cross_posted_to_social_accounts_but_never_an_exercise(settings):
    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "social": "civicportal.notifications.channels.social.SocialChannel",
    }
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["recording"]
    fact_check = published_standalone()
    post = Delivery.objects.get(channel="social", event__kind=services.SOCIAL_KIND)
    assert post.recipient is None and post.event.context["url"] == fact_check.get_absolute_url()
    exercise = published(status="Exercise")
    by = author()
    drill = pending(by=by, alert=exercise)
    services.factcheck_approve(
        actor=approver(), fact_check=drill, version=services.factcheck_version(drill)
    )
    assert Delivery.objects.filter(channel="social").count() == 1


def test_staff_state_changes_are_audited():
    by = author()
    fact_check = pending(by=by, alert=published())
    second = approver()
    services.factcheck_approve(
        actor=second, fact_check=fact_check, version=services.factcheck_version(fact_check)
    )
    actions = {
        (entry.actor_id, entry.additional_data["action"])
        for entry in LogEntry.objects.get_for_object(fact_check)
        if entry.additional_data
    }
    assert {
        (by.pk, "alerts.factcheck_draft"),
        (by.pk, "alerts.factcheck_submit"),
        (second.pk, "alerts.factcheck_approve"),
    } <= actions


def test_personal_data_export_and_erase_cover_a_residents_questions():
    from civicportal.kernel import personal_data

    resident = UserFactory()
    asked = question(user=resident, link="https://example.org/post", screenshot=jpeg_with_gps())
    services.question_answer(actor=editor(), question=asked, answer="It is not true.")
    part = next(p for p in personal_data.parts() if p.name == "alerts.rumours")
    exported = part.export(resident)["questions"]
    assert [(q["text"], q["link"], q["answer"]) for q in exported] == [
        (asked.text, "https://example.org/post", "It is not true.")
    ]
    path = asked.screenshot.path
    other = question()
    part.erase(resident)
    assert not FactCheckQuestion.objects.filter(user=resident).exists()
    assert FactCheckQuestion.objects.filter(pk=other.pk).exists()
    import os

    assert not os.path.exists(path)
