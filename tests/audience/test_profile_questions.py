"""The voluntary profile questions: asked once after sign-up (Save or Skip), editable from
the profile, bad answers refused with a message and nothing changed."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from civicportal.audience.models import (
    ProfileAnswer,
    ProfileQuestion,
    ProfileQuestionsAsked,
)
from civicportal.audience.plugins import profile_questions_step
from civicportal.audience.services import DECLINED

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-new-password-7"
QUESTIONS = reverse("audience:profile-questions")


def sign_up(client, email="new@example.org", **extra):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, **extra},
    )


def test_sign_up_leads_to_the_questions_then_where_the_resident_was_going(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    response = sign_up(client, next="/ideas/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == QUESTIONS
    assert parse_qs(location.query) == {"next": ["/ideas/"]}
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "voluntary" in html and "groups of 10 people or more" in html
    assert 'value="/ideas/"' in html
    response = client.post(QUESTIONS, {"action": "skip", "next": "/ideas/"})
    assert response.status_code == 302 and response["Location"] == "/ideas/"


def test_after_confirming_the_address_the_questions_come_first(client):
    # Mandatory verification (the default): the first sign-in is on confirming the address.
    assert sign_up(client)["Location"] == reverse("account_email_verification_sent")
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body)
    response = client.post(path.group(1))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == QUESTIONS


def test_the_questions_are_asked_once(client, resident):
    assert profile_questions_step(None, resident, "/") == f"{QUESTIONS}?next=%2F"
    client.force_login(resident)
    client.post(QUESTIONS, {"action": "skip"})
    assert ProfileQuestionsAsked.objects.get(user=resident).skipped
    assert profile_questions_step(None, resident, "/") is None
    assert not ProfileAnswer.objects.exists()


def test_no_active_question_means_no_detour(resident):
    ProfileQuestion.objects.update(active=False)
    assert profile_questions_step(None, resident, "/") is None


def test_saving_stores_each_answer_and_prefer_not_to_say(client, resident, area):
    client.force_login(resident)
    response = client.post(
        QUESTIONS, {"action": "save", "age-band": "18-24", "district": DECLINED, "next": "/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    answers = {a.question.key: a for a in ProfileAnswer.objects.filter(user=resident)}
    assert answers["age-band"].choice.key == "18-24"
    assert answers["district"].declined and answers["district"].area is None
    assert not ProfileQuestionsAsked.objects.get(user=resident).skipped

    # Later, from the profile: the page shows the answers, which can change or go.
    page = client.get(QUESTIONS).content.decode()
    assert re.search(r'value="18-24"[^>]*checked', page)
    client.post(QUESTIONS, {"action": "save", "age-band": "", "district": area.slug})
    answers = {a.question.key: a for a in ProfileAnswer.objects.filter(user=resident)}
    assert set(answers) == {"district"} and answers["district"].area == area


def test_the_profile_links_to_the_questions(client, resident):
    client.force_login(resident)
    assert QUESTIONS in client.get(reverse("accounts:profile")).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"age-band": "999"},
        {"age-band": "18-24", "district": "no-such-area"},
        {"age-band": ["18-24", "25-34"], "district": "<b>"},
    ],
)
def test_a_bad_answer_is_refused_with_a_message_and_changes_nothing(client, resident, data):
    client.force_login(resident)
    response = client.post(QUESTIONS, {"action": "save", **data})
    assert response.status_code == 400
    assert "Choose one of the answers offered" in response.content.decode()
    assert not ProfileAnswer.objects.exists()
    assert not ProfileQuestionsAsked.objects.exists()


def test_an_outside_next_is_not_followed(client, resident):
    client.force_login(resident)
    response = client.post(QUESTIONS, {"action": "skip", "next": "https://evil.example/"})
    assert response["Location"] == reverse("accounts:profile")


def test_the_questions_need_an_account(client):
    response = client.get(QUESTIONS)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(QUESTIONS, {"action": "skip"}).status_code == 302
    assert not ProfileQuestionsAsked.objects.exists()


def test_a_question_the_council_adds_is_asked_too(client, resident):
    gender = ProfileQuestion.objects.create(key="gender", label="Your gender", order=30)
    gender.choices.create(key="woman", label="Woman", order=1)
    gender.choices.create(key="man", label="Man", order=2)
    client.force_login(resident)
    assert "Your gender" in client.get(QUESTIONS).content.decode()
    client.post(QUESTIONS, {"action": "save", "gender": "woman"})
    assert ProfileAnswer.objects.get(user=resident, question=gender).choice.key == "woman"


def test_the_built_in_questions_come_back_after_a_migrate_and_keep_the_councils_changes():
    from civicportal.audience.services import builtin_questions_ensure

    ProfileQuestion.objects.filter(key="age-band").update(active=False, label="Age")
    ProfileQuestion.objects.filter(key="district").delete()
    builtin_questions_ensure()
    builtin_questions_ensure()
    age = ProfileQuestion.objects.get(key="age-band")
    assert (age.active, age.label, age.choices.count()) == (False, "Age", 8)
    assert ProfileQuestion.objects.get(key="district").kind == "areas"
