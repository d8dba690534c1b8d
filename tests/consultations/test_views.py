"""The residents' pages and the staff results pages, through the test client."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from civicportal.core.models import Comment
from civicportal.kernel.models import Job
from civicportal.kernel.services import job_run
from consultations.models import Audience, Response
from consultations.roles import CONSULTATION_MANAGER
from consultations.views import ANON_COOKIE
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory
from tests.consultations.conftest import Questionnaire
from tests.consultations.factories import ConsultationFactory, draft_with_paragraphs

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_files(settings, tmp_path):
    """Where the export's background job keeps its file (a folder of this test)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def staff_client(client, user):
    """Signed in, second factor passed (what allauth's MFA stage leaves in the session)."""
    client.force_login(user)
    return client


def form_data(q: Questionnaire, **extra) -> dict:
    data = {
        f"q{q.cycle.pk}": str(q.bike.pk),
        f"q{q.how_often.pk}": "3",
        f"q{q.wanted.pk}": [str(q.lanes.pk)],
        f"q{q.wanted.pk}_other": "",
        f"q{q.idea.pk}": "More racks",
        f"q{q.rank.pk}_rank_{q.safety.pk}": "2",
        f"q{q.rank.pk}_rank_{q.speed.pk}": "1",
        f"q{q.rank.pk}_rank_{q.cost.pk}": "3",
        f"q{q.agree.pk}": "yes",
        f"q{q.agree.pk}_comment": "",
        "shown": str(q.how_often.pk),
    }
    data.update(extra)
    return data


def test_list_shows_open_upcoming_and_closed_and_filters_by_area(
    client, django_assert_max_num_queries
):
    area, other = AreaFactory(name="Harbour", slug="harbour"), AreaFactory()
    ConsultationFactory(title="Harbour walk", area=area)
    ConsultationFactory(title="Elsewhere plan", area=other)
    ConsultationFactory(title="City budget", area=None)
    ConsultationFactory(title="Next year", upcoming=True)
    ConsultationFactory(title="Last year", closed=True)
    ConsultationFactory(title="Secret draft", is_published=False)
    url = reverse("consultations:consultation-list")
    page = client.get(url).content.decode()
    assert "Harbour walk" in page and "City budget" in page
    assert "Next year" not in page and "Secret draft" not in page
    assert "Next year" in client.get(url, {"phase": "upcoming"}).content.decode()
    assert "Last year" in client.get(url, {"phase": "closed"}).content.decode()
    filtered = client.get(url, {"area": "harbour"}).content.decode()
    assert "Harbour walk" in filtered and "City budget" in filtered
    assert "Elsewhere plan" not in filtered
    with django_assert_max_num_queries(6):
        client.get(url)


def test_detail_page_shows_summary_documents_and_drafts(client, questionnaire):
    consultation = questionnaire.consultation
    draft_with_paragraphs(consultation)
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "<strong>this</strong>" in page
    assert "Draft plan" in page
    assert "Sign in to answer this consultation." in page


def test_questionnaire_stores_answers_and_can_change_them(client, questionnaire, resident):
    q = questionnaire
    client.force_login(resident)
    url = reverse("consultations:questionnaire", args=[q.consultation.slug])
    response = client.post(url, form_data(q))
    assert response.status_code == 302
    answer = Response.objects.get(user=resident)
    assert answer.answers.get(question=q.rank, number=1).choice == q.speed
    page = client.get(url).content.decode()
    assert "Save my new answers" in page
    assert re.search(rf'value="{q.bike.pk}"[^>]*checked', page)
    client.post(url, form_data(q, **{f"q{q.idea.pk}": "Changed"}))
    assert Response.objects.get(user=resident).answers.get(question=q.idea).text == "Changed"


def test_questionnaire_keeps_every_typed_answer_when_refused(client, questionnaire, resident):
    q = questionnaire
    client.force_login(resident)
    url = reverse("consultations:questionnaire", args=[q.consultation.slug])
    data = form_data(
        q,
        **{
            f"q{q.idea.pk}": "This text is far too long",
            f"q{q.rank.pk}_rank_{q.cost.pk}": "1",
            f"q{q.agree.pk}_comment": "Keep me",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give each item a different place, from 1 to 3." in page
    assert "This text is far too long" in page and "Keep me" in page
    assert re.search(rf'value="{q.lanes.pk}"[^>]*checked', page)
    assert not Response.objects.exists()
    # The ranking fixed, the service's own message about the text shows beside it.
    data[f"q{q.rank.pk}_rank_{q.cost.pk}"] = "3"
    page = client.post(url, data).content.decode()
    assert "this question takes at most 20" in page
    assert f'href="#question-{q.idea.pk}"' in page


def test_without_javascript_a_revealed_question_is_a_second_step(client, questionnaire, resident):
    q = questionnaire
    client.force_login(resident)
    url = reverse("consultations:questionnaire", args=[q.consultation.slug])
    page = client.get(url).content.decode()
    assert re.search(rf'id="question-{q.how_often.pk}"[^>]*hidden', page)
    # Step one: the conditional question was hidden (shown=""), "Bike" reveals it.
    data = form_data(q, shown="")
    del data[f"q{q.how_often.pk}"]
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your answers open one more question" in page
    assert not re.search(rf'id="question-{q.how_often.pk}"[^>]*hidden', page)
    assert f'name="shown" value="{q.how_often.pk}"' in page
    assert "More racks" in page
    assert not Response.objects.exists()
    # Step two: answered, it is stored.
    data.update({f"q{q.how_often.pk}": "5", "shown": str(q.how_often.pk)})
    assert client.post(url, data).status_code == 302
    assert Response.objects.get().answers.get(question=q.how_often).number == 5


def test_answers_to_questions_the_page_hid_are_left_out(client, questionnaire, resident):
    q = questionnaire
    client.force_login(resident)
    url = reverse("consultations:questionnaire", args=[q.consultation.slug])
    data = form_data(q, **{f"q{q.cycle.pk}": str(q.bus.pk)})
    assert client.post(url, data).status_code == 302
    assert not Response.objects.get().answers.filter(question=q.how_often).exists()


def test_anonymous_answers_one_per_browser_with_a_signed_cookie(client, db):
    consultation = ConsultationFactory(audience=Audience.EVERYONE)
    q = Questionnaire(consultation)
    url = reverse("consultations:questionnaire", args=[consultation.slug])
    response = client.post(url, form_data(q))
    assert response.status_code == 302
    assert ANON_COOKIE in response.cookies and response.cookies[ANON_COOKIE]["httponly"]
    client.post(url, form_data(q, **{f"q{q.idea.pk}": "Again"}))
    assert Response.objects.count() == 1
    assert Response.objects.get().answers.get(question=q.idea).text == "Again"
    client.cookies.pop(ANON_COOKIE)
    client.post(url, form_data(q))
    assert Response.objects.count() == 2


def test_questionnaire_explains_why_one_may_not_answer(client, resident):
    consultation = ConsultationFactory(audience=Audience.VERIFIED)
    client.force_login(resident)
    url = reverse("consultations:questionnaire", args=[consultation.slug])
    response = client.get(url)
    assert response.status_code == 403
    assert "Only verified residents can answer" in response.content.decode()
    assert client.post(url, {}).status_code == 403


def test_results_hidden_until_published(client, manager, questionnaire, resident):
    q = questionnaire
    from consultations import services

    services.response_submit(consultation=q.consultation, user=resident, answers=q.valid())
    q.consultation.closes_at = timezone.now()
    q.consultation.save()
    url = reverse("consultations:results", args=[q.consultation.slug])
    response = client.get(url)
    assert response.status_code == 403
    assert "not published yet" in response.content.decode()
    assert "data-result-table" not in response.content.decode()
    services.results_publish(actor=manager, consultation=q.consultation)
    page = client.get(url).content.decode()
    assert "1 response." in page and "data-result-table" in page
    assert "More racks" not in page  # written answers stay internal


def test_staff_results_page_needs_the_role_and_two_factor(client, questionnaire):
    url = reverse("consultations:staff-results", args=[questionnaire.consultation.slug])
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    no_mfa = StaffFactory(role=CONSULTATION_MANAGER)
    client.force_login(no_mfa)
    assert client.get(url).url.startswith(reverse("mfa_activate_totp"))
    client.force_login(StaffFactory(role=roles.MODERATOR, mfa=True))
    assert client.get(url).status_code == 403


def test_staff_results_page_charts_tables_and_texts(client, manager, questionnaire, resident):
    q = questionnaire
    from consultations import services

    services.response_submit(consultation=q.consultation, user=resident, answers=q.valid())
    page = (
        staff_client(client, manager)
        .get(reverse("consultations:staff-results", args=[q.consultation.slug]))
        .content.decode()
    )
    assert 'role="img"' in page and f'aria-labelledby="chart-{q.cycle.pk}-title' in page
    assert "<title id=" in page and "data-result-table" in page
    assert "More racks" in page and "Showers" in page
    texts = client.get(
        reverse("consultations:staff-text-answers", args=[q.consultation.slug, q.idea.pk])
    ).content.decode()
    assert "More racks" in texts


def export_through_the_job(client, consultation) -> tuple:
    """Press the export button, run the job as the worker would, download the file."""
    response = client.post(reverse("consultations:staff-export", args=[consultation.slug]))
    job = Job.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message
    download = client.get(reverse("kernel:job-download", args=[job.pk]))
    assert download.status_code == 200
    return job, download


def test_staff_export_is_a_job_whose_file_is_the_anonymised_csv(
    client, manager, questionnaire, private_files
):
    q = questionnaire
    from consultations import services

    alice = UserFactory(email="alice@example.org")
    services.response_submit(consultation=q.consultation, user=alice, answers=q.valid())
    job, response = export_through_the_job(staff_client(client, manager), q.consultation)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="{q.consultation.slug}-responses.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark, so spreadsheets read UTF-8
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "1" and rows[1][2] == "Bike"
    assert "alice" not in text and str(alice.pk) != rows[1][0]
    assert (job.progress_done, job.progress_total) == (1, 1)
    assert job.message == f"1 response of “{q.consultation.title}” exported."
    assert job.result_url == reverse("consultations:staff-results", args=[q.consultation.slug])


def test_staff_export_is_a_post_button_with_csrf(manager, questionnaire, private_files):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    staff_client(client, manager)
    slug = questionnaire.consultation.slug
    url = reverse("consultations:staff-export", args=[slug])
    page = client.get(reverse("consultations:staff-results", args=[slug]))
    html = page.content.decode()
    assert f'<form method="post" action="{url}"' in html and "csrfmiddlewaretoken" in html
    assert client.get(url).status_code == 405  # a GET starts no work
    assert client.post(url).status_code == 403  # no CSRF token
    assert not Job.objects.exists()
    response = client.post(url, {"csrfmiddlewaretoken": str(page.context["csrf_token"])})
    assert response.status_code == 302
    assert Job.objects.get().kind == "consultations.responses_export"


def test_staff_export_is_refused_to_residents_and_other_staff(
    client, resident, questionnaire, private_files
):
    url = reverse("consultations:staff-export", args=[questionnaire.consultation.slug])
    client.force_login(resident)
    assert client.post(url).status_code == 403
    client.force_login(StaffFactory(role=BUDGET_OFFICER, mfa=True))
    assert client.post(url).status_code == 403
    assert not Job.objects.exists()


def test_staff_publish_button(client, manager, db):
    consultation = ConsultationFactory(closed=True)
    staff_client(client, manager)
    response = client.post(reverse("consultations:staff-publish", args=[consultation.slug]))
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.results_published_at is not None


def test_paragraph_page_takes_comments_through_the_core(client, resident, db):
    consultation = ConsultationFactory()
    draft, (first, _second) = draft_with_paragraphs(consultation)
    page = client.get(
        reverse("consultations:draft-detail", args=[consultation.slug, draft.pk])
    ).content.decode()
    assert f'id="paragraph-{first.pk}"' in page and 'data-comment-count="0"' in page
    client.force_login(resident)
    response = client.post(
        reverse("core:comment-create", args=["consultations.paragraph", first.pk]),
        {"body": "Please keep the trees.", "next": first.get_absolute_url()},
    )
    assert response.status_code == 302
    assert Comment.objects.get().object_id == first.pk
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Please keep the trees." in page and "First paragraph." in page
    page = client.get(
        reverse("consultations:draft-detail", args=[consultation.slug, draft.pk])
    ).content.decode()
    assert 'data-comment-count="1"' in page and ">1 comment<" in page


def test_paragraphs_of_unpublished_consultations_are_not_found(client, resident):
    consultation = ConsultationFactory(is_published=False)
    _draft, (first, _second) = draft_with_paragraphs(consultation)
    client.force_login(resident)
    assert client.get(first.get_absolute_url()).status_code == 404
    response = client.post(
        reverse("core:comment-create", args=["consultations.paragraph", first.pk]),
        {"body": "Hello"},
    )
    assert response.status_code == 404
