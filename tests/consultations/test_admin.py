"""The admin: documents checked by content, questions frozen after the first response."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from consultations import services
from consultations.models import Document, Question
from tests.consultations.factories import ConsultationFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def question_post(question: Question, **changes) -> dict:
    data = {
        "consultation": question.consultation_id,
        "order": question.order,
        "text": question.text,
        "help_text": "",
        "kind": question.kind,
        "allow_other": "",
        "max_length": question.max_length,
        "rating_min": question.rating_min,
        "rating_max": question.rating_max,
        "rating_min_label": "",
        "rating_max_label": "",
        "depends_on": question.depends_on_id or "",
        "depends_on_answer": "",
        "choices-TOTAL_FORMS": "0",
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_admin_edits_questions_before_the_first_response(client, manager, questionnaire):
    client.force_login(manager)
    question = questionnaire.idea
    url = reverse("admin:consultations_question_change", args=[question.pk])
    response = client.post(url, question_post(question, text="Your ideas?"))
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert question.text == "Your ideas?"


def test_admin_refuses_editing_questions_after_the_first_response(
    client, manager, questionnaire, resident
):
    q = questionnaire
    services.response_submit(consultation=q.consultation, user=resident, answers=q.valid())
    client.force_login(manager)
    url = reverse("admin:consultations_question_change", args=[q.idea.pk])
    page = client.get(url, follow=True).content.decode()
    assert "its questions are frozen" in page and "new version" in page
    response = client.post(url, question_post(q.idea, text="Sneaky change"))
    assert response.status_code == 403
    q.idea.refresh_from_db()
    assert q.idea.text == "Ideas?"
    add = client.post(
        reverse("admin:consultations_question_add"), question_post(q.idea, text="New one", order=9)
    )
    assert add.status_code == 200 and "its questions are frozen" in add.content.decode()
    assert not Question.objects.filter(text="New one").exists()


def test_admin_copy_as_new_version_action(client, manager, questionnaire, resident):
    q = questionnaire
    services.response_submit(consultation=q.consultation, user=resident, answers=q.valid())
    client.force_login(manager)
    response = client.post(
        reverse("admin:consultations_consultation_changelist"),
        {"action": "copy_as_version", "_selected_action": [q.consultation.pk]},
        follow=True,
    )
    assert "New version of" in response.content.decode()
    assert q.consultation.next_versions.get().questions.count() == 6


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def consultation_post(consultation, files) -> dict:
    data = {
        "title": consultation.title,
        "slug": consultation.slug,
        "summary": consultation.summary,
        "area": "",
        "is_published": "on",
        "audience": consultation.audience,
        "opens_at_0": consultation.opens_at.strftime("%Y-%m-%d"),
        "opens_at_1": consultation.opens_at.strftime("%H:%M:%S"),
        "closes_at_0": consultation.closes_at.strftime("%Y-%m-%d"),
        "closes_at_1": consultation.closes_at.strftime("%H:%M:%S"),
        "results_public_after_close": "on",
        "documents-TOTAL_FORMS": str(len(files)),
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for index, file in enumerate(files):
        data[f"documents-{index}-title"] = f"Document {index}"
        data[f"documents-{index}-file"] = file
        data[f"documents-{index}-order"] = str(index)
    return data


@pytest.mark.parametrize(
    "name, content, accepted",
    [
        ("plan.pdf", b"%PDF-1.7\n%fake but starts right\n", True),
        ("map.png", _png(), True),
        ("plan.pdf", b"MZ\x90\x00 an executable", False),
        ("map.png", b"%PDF-1.7\n", False),  # a PDF under an image's name
        ("plan.pdf", _png(), False),  # an image under a PDF's name
    ],
)
def test_admin_checks_documents_by_content(client, manager, consultation, name, content, accepted):
    client.force_login(manager)
    url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    response = client.post(
        url, consultation_post(consultation, [SimpleUploadedFile(name, content)])
    )
    if accepted:
        assert response.status_code == 302, response.content.decode()[:3000]
        document = Document.objects.get()
        assert document.kind == ("pdf" if name.endswith(".pdf") else "image")
    else:
        assert response.status_code == 200
        assert not Document.objects.exists()


def _change_page_queries(client, consultation) -> int:
    url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count('name="questions-') > 0  # the questionnaire is editable
    return len(queries)


def test_consultation_page_queries_do_not_grow_with_its_questions(client, manager):
    """Each question row's condition select and the frozen check run once per page."""
    short, long = ConsultationFactory(), ConsultationFactory()
    for consultation, count in ((short, 2), (long, 12)):
        for _ in range(count):
            QuestionFactory(consultation=consultation, choices=["Yes", "No"])
    client.force_login(manager)
    assert _change_page_queries(client, short) == _change_page_queries(client, long)
