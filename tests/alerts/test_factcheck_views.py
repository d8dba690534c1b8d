"""Rumour control's pages: the public lists (overall and per incident), each fact check's
schema.org ClaimReview, the Atom feed, a resident's question, and the staff desk (second
factor, queues, the two-person rule on the page; the admin has no way to approve)."""

from __future__ import annotations

import json
import re

import feedparser
import pytest

from alerts.models import FactCheck, FactCheckQuestion
from alerts.services import factchecks as services
from tests.accounts.factories import StaffFactory, UserFactory
from tests.alerts.factcheck_factories import (
    content,
    draft,
    editor,
    pending,
    published_standalone,
    question,
)
from tests.alerts.factories import approver, author, published
from tests.proposals.factories import pdf_named_jpg

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', re.S)


def _approved(alert, **fields) -> FactCheck:
    by = author()
    fact_check = pending(by=by, alert=alert, **fields)
    return services.factcheck_approve(
        actor=approver(), fact_check=fact_check, version=services.factcheck_version(fact_check)
    )


def test_fact_check_page_carries_a_claim_review_with_its_required_properties(client, settings):
    settings.COUNCIL_NAME = "Riverside City Council"
    fact_check = published_standalone(
        claim="The </script> bridge is closed", claim_url="https://social.example.net/p/9"
    )
    page = client.get(fact_check.get_absolute_url()).content.decode()
    [raw] = JSON_LD.findall(page)
    review = json.loads(raw)
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "The </script> bridge is closed"
    assert review["url"] == f"http://testserver{fact_check.get_absolute_url()}"
    assert review["datePublished"] == fact_check.published_at.date().isoformat()
    assert review["author"] == {
        "@type": "Organization",
        "name": "Riverside City Council",
        "url": "http://testserver/",
    }
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"] == "False"
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (1, 5, 1)
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["firstAppearance"]["url"] == "https://social.example.net/p/9"
    assert [a["url"] for a in item["appearance"]] == ["https://social.example.net/p/9"]


def test_claim_review_has_no_appearance_when_no_source_of_the_claim_is_known(client):
    fact_check = published_standalone(claim_url="", verdict="true")
    review = json.loads(
        JSON_LD.findall(client.get(fact_check.get_absolute_url()).content.decode())[0]
    )
    assert "appearance" not in review["itemReviewed"]
    assert review["reviewRating"]["ratingValue"] == 5


def test_public_pages_list_published_fact_checks_overall_and_per_incident(client):
    alert = published(headline="Flooding on Quay Street")
    about = _approved(alert, claim="The dam has broken")
    standalone = published_standalone(claim="Tap water is poisoned")
    hidden = draft(claim="A draft nobody sees")
    drill = _approved(published(status="Exercise"), claim="Drill rumour")
    overall = client.get("/rumours/").content.decode()
    assert "The dam has broken" in overall and "Tap water is poisoned" in overall
    assert "A draft nobody sees" not in overall and "Drill rumour" not in overall
    incident = client.get(f"/alerts/{alert.pk}/rumours/").content.decode()
    assert "The dam has broken" in incident and "Tap water is poisoned" not in incident
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(drill.get_absolute_url()).status_code == 404
    assert client.get(f"/alerts/{drill.alert_id}/rumours/").status_code == 404
    assert client.get(standalone.get_absolute_url()).status_code == 200
    assert client.get("/rumours/?verdict=nonsense").status_code == 200
    assert about


def test_rumour_control_list_is_a_constant_number_of_queries(client, django_assert_max_num_queries):
    alert = published()
    _approved(alert)
    client.get("/rumours/")
    with django_assert_max_num_queries(20) as few:
        client.get("/rumours/")
    for _ in range(4):
        _approved(alert)
        published_standalone()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/rumours/")


def test_atom_feed_lists_published_fact_checks(client):
    fact_check = published_standalone(claim="Schools close tomorrow", verdict="misleading")
    draft(claim="Not yet")
    response = client.get("/rumours/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert "Rumour control" in feed.feed.title
    [entry] = feed.entries
    assert entry.title == "Misleading: Schools close tomorrow"
    assert entry.link.endswith(fact_check.get_absolute_url())
    assert "safe to drink" in entry.summary
    assert entry.published_parsed is not None


def test_resident_asks_and_sees_the_answer_on_their_page(client):
    resident = UserFactory()
    client.force_login(resident)
    response = client.post(
        "/rumours/ask/", {"text": "Is the bridge closed?", "link": "https://example.org/x"}
    )
    assert response.status_code == 302 and response["Location"] == "/rumours/mine/"
    asked = FactCheckQuestion.objects.get(user=resident)
    services.question_answer(actor=editor(), question=asked, answer="No, it is open.")
    mine = client.get("/rumours/mine/").content.decode()
    assert "Is the bridge closed?" in mine and "No, it is open." in mine


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"text": "Is it true?", "link": "javascript:alert(1)"}, "http:// or https://"),
        ({"text": "Is it\x0b true?"}, "control character"),
        ({"text": "Is it true?", "screenshot": "pdf"}, "Upload a valid image"),
    ],
)
def test_ask_page_refuses_bad_input_with_a_message_and_stores_nothing(client, data, words):
    client.force_login(UserFactory())
    if data.get("screenshot") == "pdf":
        data["screenshot"] = pdf_named_jpg()
    response = client.post("/rumours/ask/", data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not FactCheckQuestion.objects.exists()


def test_ask_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/rumours/ask/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_desk_needs_the_second_factor_and_a_rumour_role(client):
    client.force_login(StaffFactory(role="Fact-check editor", mfa=False))
    assert client.get("/staff/rumours/").status_code == 302  # sent to set up MFA
    client.force_login(UserFactory())
    assert client.get("/staff/rumours/").status_code == 403
    for person in (editor(), author(), approver()):
        client.force_login(person)
        assert client.get("/staff/rumours/").status_code == 200


def test_staff_desk_shows_the_queues(client):
    asked = question(text="Are the shops closing?")
    waiting = pending(by=author(), alert=published(), claim="The power will be off all week")
    client.force_login(editor())
    page = client.get("/staff/rumours/").content.decode()
    assert "Are the shops closing?" in page and f"?question={asked.pk}" in page
    assert "The power will be off all week" in page and waiting.get_staff_url() in page


def test_self_approval_is_refused_on_the_staff_page(client):
    by = approver()
    by.groups.add(*author().groups.all())
    client.force_login(by)
    fact_check = pending(by=by, alert=published())
    version = services.factcheck_version(fact_check)
    response = client.post(f"/staff/rumours/{fact_check.pk}/approve/", {"version": version})
    assert response.status_code == 403
    assert "two-person rule" in response.content.decode()
    assert FactCheck.objects.get(pk=fact_check.pk).state == FactCheck.State.PENDING
    client.force_login(approver())
    screen = client.get(f"/staff/rumours/{fact_check.pk}/").content.decode()
    assert f'value="{version}"' in screen
    client.post(f"/staff/rumours/{fact_check.pk}/approve/", {"version": version})
    assert FactCheck.objects.get(pk=fact_check.pk).state == FactCheck.State.PUBLISHED


def test_editor_writes_a_fact_check_from_a_question_and_publishes_it_through_pages(client):
    asked = question(text="Is the school shut?")
    client.force_login(editor())
    form = client.get(f"/staff/rumours/new/?question={asked.pk}").content.decode()
    assert "Is the school shut?" in form
    response = client.post(
        f"/staff/rumours/new/?question={asked.pk}",
        {
            "claim": "The school is shut",
            "verdict": "false",
            "facts": "It opens as usual.",
            "sources": "School notice | https://school.example.org/news\nhttps://council.example.org",
        },
    )
    fact_check = FactCheck.objects.get()
    assert response["Location"] == fact_check.get_staff_url()
    assert fact_check.sources == [
        {"title": "School notice", "url": "https://school.example.org/news"},
        {"title": "", "url": "https://council.example.org"},
    ]
    client.post(f"/staff/rumours/{fact_check.pk}/publish/")
    asked.refresh_from_db()
    assert asked.state == FactCheckQuestion.State.FACT_CHECKED
    assert client.get(fact_check.get_absolute_url()).status_code == 200


def test_staff_form_refuses_a_source_that_is_not_http_with_a_message(client):
    client.force_login(editor())
    response = client.post(
        "/staff/rumours/new/",
        {"claim": "X", "verdict": "false", "facts": "Y", "sources": "Bad | javascript:alert(1)"},
    )
    assert response.status_code == 400 and "http:// or https://" in response.content.decode()
    assert not FactCheck.objects.exists()


def test_self_approval_is_refused_in_the_admin(client):
    """The admin has no approve action and no change form; its only way is a link to the
    staff screen, where the author is refused."""
    by = approver(is_superuser=True)
    by.groups.add(*author().groups.all())
    fact_check = pending(by=by, alert=published())
    client.force_login(by)
    listing = client.get("/admin/alerts/factcheck/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert 'name="action"' not in page or "approve" not in page
    assert f'href="/staff/rumours/{fact_check.pk}/"' in page
    change = client.post(
        f"/admin/alerts/factcheck/{fact_check.pk}/change/",
        {"state": "published", "approver": by.pk},
    )
    assert change.status_code == 403
    refused = client.post(
        f"/staff/rumours/{fact_check.pk}/approve/",
        {"version": services.factcheck_version(fact_check)},
    )
    assert refused.status_code == 403
    fact_check.refresh_from_db()
    assert fact_check.state == FactCheck.State.PENDING and fact_check.approver is None


def test_admin_question_queue_filters_waiting_questions(client):
    question(text="Waiting one")
    client.force_login(editor())
    page = client.get("/admin/alerts/factcheckquestion/?state__exact=new").content.decode()
    assert "Waiting one" in page


def test_content_helper_matches_page_defaults():
    # The factories' content is valid as written (the tests above rely on it).
    assert services.content_clean(content()).claim
