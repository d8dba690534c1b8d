"""The consultations API: reads, published results, and the resident's response through
the same checks as the page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import Response
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def api(name, *args):
    return reverse(f"v1:consultations:{name}", args=args)


def test_lists_published_consultations_and_questions(client, questionnaire):
    ConsultationFactory(is_published=False, title="Hidden")
    data = client.get(api("consultation-list"), {"phase": "open"}).json()
    assert [c["slug"] for c in data["results"]] == [questionnaire.consultation.slug]
    questions = client.get(api("question-list", questionnaire.consultation.slug)).json()
    assert [q["kind"] for q in questions] == [
        "single",
        "rating",
        "multiple",
        "text",
        "ranking",
        "yes_no",
    ]
    assert questions[1]["depends_on"] == questionnaire.cycle.pk
    assert questions[1]["depends_on_choices"] == [questionnaire.bike.pk]


def test_submit_and_replace_a_response(client, questionnaire, resident):
    q = questionnaire
    client.force_login(resident)
    url = api("response", q.consultation.slug)
    answers = {str(k): v for k, v in q.valid().items()}
    response = client.post(url, {"answers": answers}, content_type="application/json")
    assert response.status_code == 201, response.json()
    answers[str(q.idea.pk)] = {"text": "Changed"}
    response = client.put(url, {"answers": answers}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["answers"][str(q.idea.pk)] == {"text": "Changed"}
    assert Response.objects.get().revision == 2
    assert client.get(url).json()["revision"] == 2


def test_submit_uses_the_same_validation_as_the_form(client, questionnaire, resident):
    q = questionnaire
    client.force_login(resident)
    answers = {str(k): v for k, v in q.valid({q.cycle.pk: {"choice": q.bus.pk}}).items()}
    response = client.post(
        api("response", q.consultation.slug), {"answers": answers}, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "leave it empty" in error["fields"][f"q{q.how_often.pk}"][0]
    assert not Response.objects.exists()


def test_submit_after_closing_is_refused_with_the_reason(client, resident):
    consultation = ConsultationFactory(closed=True)
    client.force_login(resident)
    response = client.post(
        api("response", consultation.slug), {"answers": {}}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "closed on" in response.json()["error"]["message"]


def test_submit_needs_authentication(client, questionnaire):
    response = client.post(
        api("response", questionnaire.consultation.slug),
        {"answers": {}},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_results_only_once_published(client, manager, questionnaire):
    consultation = questionnaire.consultation
    consultation.closes_at = timezone.now()
    consultation.save()
    url = api("results", consultation.slug)
    assert client.get(url).status_code == 403
    from consultations import services

    services.results_publish(actor=manager, consultation=consultation)
    data = client.get(url).json()
    assert data["responses"] == 0 and len(data["questions"]) == 6
