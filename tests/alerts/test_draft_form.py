"""The author's draft form asks for each CAP code (nothing pre-chosen), and the author and
the approver are told when a language has no text, before the alert goes out."""

from __future__ import annotations

import pytest

from alerts.models import Alert
from tests.alerts.factories import (
    alert_form_data,
    approver,
    area,
    author,
    draft,
    pending,
    subscriber,
)

pytestmark = pytest.mark.django_db

CODES = ("category", "severity", "urgency", "certainty", "response_type")


def test_the_draft_form_starts_with_no_code_chosen(client):
    client.force_login(author())
    form = client.get("/staff/alerts/new/").context["form"]
    for name in CODES:
        assert form[name].value() in (None, ""), name
        assert form.fields[name].choices[0][0] == "", name


@pytest.mark.parametrize("name", CODES)
def test_a_draft_without_a_code_is_refused_and_nothing_is_stored(client, name):
    client.force_login(author())
    response = client.post("/staff/alerts/new/", alert_form_data(area(), **{name: ""}))
    assert response.status_code == 200
    assert response.context["form"].errors[name] == ["This field is required."]
    assert not Alert.objects.exists()


def test_the_draft_and_the_approval_screen_warn_of_a_language_without_text(client):
    where = area()
    subscriber(areas=[where], preferred_language="is")
    alert = draft(areas=[where])
    client.force_login(alert.created_by)
    page = client.get(f"/staff/alerts/{alert.pk}/").content.decode()
    assert 'data-language-missing="is"' in page and "No Icelandic text." in page
    assert "whole message in English" in page and "1 of the people it reaches now reads" in page
    waiting = pending(areas=[where])
    client.force_login(approver())
    screen = client.get(f"/staff/alerts/messages/{waiting.messages.get().pk}/approve/")
    assert "No Icelandic text." in screen.content.decode()


def test_no_warning_when_both_languages_have_text(client):
    alert = pending(
        second_language="is",
        second_headline="Flóð",
        second_description="Áin flæðir.",
        second_instruction="Haldið ykkur frá ánni.",
    )
    client.force_login(approver())
    for path in (
        f"/staff/alerts/{alert.pk}/",
        f"/staff/alerts/messages/{alert.messages.get().pk}/approve/",
    ):
        assert "data-language-missing" not in client.get(path).content.decode()
