"""response_submit's checks per question type, time and audience; one response per
resident under concurrent sends; publishing; announcements; personal data."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.utils import timezone

from civicportal.kernel import personal_data
from civicportal.notifications.models import Event
from consultations import selectors, services
from consultations.models import Answer, Audience, Consultation, Response
from tests.accounts.factories import AreaFactory, UserFactory
from tests.consultations.conftest import Questionnaire
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def submit_errors(questionnaire, user, answers) -> dict:
    with pytest.raises(ValidationError) as caught:
        services.response_submit(
            consultation=questionnaire.consultation, user=user, answers=answers
        )
    assert not Response.objects.exists()
    return caught.value.message_dict


def test_response_submit_stores_every_type_of_answer(questionnaire, resident):
    q = questionnaire
    response = services.response_submit(
        consultation=q.consultation, user=resident, answers=q.valid()
    )
    rows = {(a.question_id, a.choice_id, a.number, a.text) for a in response.answers.all()}
    assert rows == {
        (q.cycle.pk, q.bike.pk, None, ""),
        (q.how_often.pk, None, 3, ""),
        (q.wanted.pk, q.lanes.pk, None, ""),
        (q.wanted.pk, q.lights.pk, None, ""),
        (q.wanted.pk, None, None, "Showers"),
        (q.idea.pk, None, None, "More racks"),
        (q.rank.pk, q.speed.pk, 1, ""),
        (q.rank.pk, q.safety.pk, 2, ""),
        (q.rank.pk, q.cost.pk, 3, ""),
        (q.agree.pk, None, 1, "Good plan"),
    }


def test_response_submit_refuses_a_required_question_left_empty(questionnaire, resident):
    errors = submit_errors(
        questionnaire, resident, questionnaire.valid({questionnaire.cycle.pk: {}})
    )
    assert errors[f"q{questionnaire.cycle.pk}"] == ["Answer this question; it is required."]


def test_response_submit_refuses_choices_that_do_not_exist(questionnaire, resident):
    q = questionnaire
    errors = submit_errors(
        q,
        resident,
        q.valid(
            {
                q.cycle.pk: {"choice": q.lanes.pk},  # a choice of another question
                q.wanted.pk: {"choices": [q.lanes.pk, 999999]},
            }
        ),
    )
    assert "is not one of the choices" in errors[f"q{q.cycle.pk}"][0]
    assert "“999999” is not one of the choices" in errors[f"q{q.wanted.pk}"][0]


def test_response_submit_refuses_too_long_text(questionnaire, resident):
    q = questionnaire
    errors = submit_errors(
        q,
        resident,
        q.valid(
            {
                q.idea.pk: {"text": "x" * 21},
                q.wanted.pk: {"choices": [], "other": "y" * 51},
                q.agree.pk: {"value": "no", "comment": "z" * 31},
            }
        ),
    )
    assert errors[f"q{q.idea.pk}"] == [
        "Your answer is 21 characters long; this question takes at most 20."
    ]
    assert "51 characters" in errors[f"q{q.wanted.pk}"][0]
    assert "31 characters" in errors[f"q{q.agree.pk}"][0]


@pytest.mark.parametrize(
    "order, message",
    [
        (["speed", "speed", "cost"], "Rank each item once: “Speed” has more than one place."),
        (["speed", "safety"], "Give every item a place: “Cost” has none yet."),
        (["speed", "safety", "bike"], "is not one of the items to rank"),
    ],
)
def test_response_submit_refuses_bad_rankings(questionnaire, resident, order, message):
    q = questionnaire
    ids = [getattr(q, name).pk for name in order]
    errors = submit_errors(q, resident, q.valid({q.rank.pk: {"order": ids}}))
    assert message in errors[f"q{q.rank.pk}"][0]


@pytest.mark.parametrize("value", [0, 8, "lots"])
def test_response_submit_refuses_ratings_out_of_range(questionnaire, resident, value):
    q = questionnaire
    errors = submit_errors(q, resident, q.valid({q.how_often.pk: {"value": value}}))
    assert errors[f"q{q.how_often.pk}"] == ["Choose a rating from 1 to 7."]


def test_response_submit_refuses_an_answer_to_a_hidden_conditional_question(
    questionnaire, resident
):
    q = questionnaire
    errors = submit_errors(q, resident, q.valid({q.cycle.pk: {"choice": q.bus.pk}}))
    assert errors[f"q{q.how_often.pk}"] == [
        "This question applies only when the answer to “How do you get to work?” is "
        "“Bike”; leave it empty."
    ]


def test_response_submit_needs_a_required_conditional_question_only_when_shown(
    questionnaire, resident
):
    q = questionnaire
    errors = submit_errors(q, resident, q.valid({q.how_often.pk: {}}))
    assert errors[f"q{q.how_often.pk}"] == ["Answer this question; it is required."]
    answers = q.valid({q.cycle.pk: {"choice": q.car.pk}})
    del answers[q.how_often.pk]
    response = services.response_submit(consultation=q.consultation, user=resident, answers=answers)
    assert not response.answers.filter(question=q.how_often).exists()


def test_response_submit_refuses_unknown_questions_and_yes_no_garbage(questionnaire, resident):
    q = questionnaire
    errors = submit_errors(
        q, resident, q.valid({123456: {"text": "?"}, q.agree.pk: {"value": "maybe"}})
    )
    assert errors["answers"] == ["There is no question 123456 in this consultation."]
    assert errors[f"q{q.agree.pk}"] == ["Answer yes or no."]


def test_sending_again_replaces_the_answers(questionnaire, resident):
    q = questionnaire
    services.response_submit(consultation=q.consultation, user=resident, answers=q.valid())
    answers = q.valid({q.cycle.pk: {"choice": q.car.pk}})
    del answers[q.how_often.pk]
    response = services.response_submit(consultation=q.consultation, user=resident, answers=answers)
    assert Response.objects.count() == 1
    assert response.revision == 2
    assert not Answer.objects.filter(question=q.how_often).exists()
    assert Answer.objects.get(question=q.cycle).choice == q.car


@pytest.mark.parametrize("when", ["upcoming", "closed"])
def test_no_answers_before_opening_or_after_closing(resident, when):
    consultation = ConsultationFactory(**{when: True})
    q = Questionnaire(consultation)
    with pytest.raises(PermissionDenied) as caught:
        services.response_submit(consultation=consultation, user=resident, answers=q.valid())
    assert ("opens on" if when == "upcoming" else "closed on") in str(caught.value)
    assert not Response.objects.exists()


def test_the_server_clock_decides_not_the_moment_the_page_was_loaded(questionnaire, resident):
    consultation = questionnaire.consultation
    Consultation.objects.filter(pk=consultation.pk).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )
    consultation.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.response_submit(
            consultation=consultation, user=resident, answers=questionnaire.valid()
        )


def test_an_unpublished_consultation_takes_no_answers(resident):
    consultation = ConsultationFactory(is_published=False)
    with pytest.raises(PermissionDenied):
        services.response_submit(consultation=consultation, user=resident, answers={})


def test_anonymous_answers_need_an_audience_of_everyone_and_a_browser_token(db):
    consultation = ConsultationFactory(audience=Audience.SIGNED_IN)
    with pytest.raises(PermissionDenied, match="Sign in"):
        services.response_submit(consultation=consultation, anon_token="t1", answers={})
    consultation = ConsultationFactory(audience=Audience.EVERYONE)
    with pytest.raises(PermissionDenied, match="cookies"):
        services.response_submit(consultation=consultation, answers={})
    first = services.response_submit(consultation=consultation, anon_token="t1", answers={})
    again = services.response_submit(consultation=consultation, anon_token="t1", answers={})
    assert first.pk == again.pk and again.revision == 2
    services.response_submit(consultation=consultation, anon_token="t2", answers={})
    assert consultation.responses.count() == 2


def test_anonymous_answers_are_rate_limited_per_network_address(settings, db):
    settings.CONSULTATIONS_ANON_RATE_LIMIT = 2
    consultation = ConsultationFactory(audience=Audience.EVERYONE)
    for token in ("a", "b"):
        services.response_submit(
            consultation=consultation, anon_token=token, answers={}, client_key="10.0.0.1"
        )
    with pytest.raises(ValidationError, match="Many anonymous answers"):
        services.response_submit(
            consultation=consultation, anon_token="c", answers={}, client_key="10.0.0.1"
        )
    # Changing an existing response is not a new one; another address is not limited.
    services.response_submit(
        consultation=consultation, anon_token="a", answers={}, client_key="10.0.0.1"
    )
    services.response_submit(
        consultation=consultation, anon_token="c", answers={}, client_key="10.0.0.2"
    )
    assert consultation.responses.count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_response_per_resident_under_concurrent_sends():
    consultation = ConsultationFactory()
    q = Questionnaire(consultation)
    resident = UserFactory()
    choices = [q.bike, q.bus, q.car, q.bus, q.car, q.bike]
    barrier = threading.Barrier(len(choices))
    failures: list[BaseException] = []

    def send(choice):
        try:
            answers = q.valid({q.cycle.pk: {"choice": choice.pk}})
            if choice != q.bike:
                del answers[q.how_often.pk]
            barrier.wait()
            services.response_submit(consultation=consultation, user=resident, answers=answers)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=send, args=(c,)) for c in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    response = Response.objects.get(consultation=consultation, user=resident)
    assert response.revision == len(choices)
    # The answers are those of one send, not a mix of several.
    assert Answer.objects.filter(response=response, question=q.cycle).count() == 1
    assert Answer.objects.filter(response=response, question=q.rank).count() == 3


def test_results_count_each_question_in_a_constant_number_of_queries(
    questionnaire, django_assert_max_num_queries
):
    q = questionnaire
    for choice in (q.bike, q.bike, q.bus):
        answers = q.valid({q.cycle.pk: {"choice": choice.pk}})
        if choice != q.bike:
            del answers[q.how_often.pk]
        services.response_submit(consultation=q.consultation, user=UserFactory(), answers=answers)
    with django_assert_max_num_queries(7):
        results = selectors.results_get(consultation=q.consultation)
    assert results.responses == 3
    by_question = {r.question.pk: r for r in results.questions}
    cycle = by_question[q.cycle.pk]
    assert [(r.label, r.count, r.percent) for r in cycle.rows] == [
        ("Bike", 2, 66.7),
        ("Bus", 1, 33.3),
        ("Car", 0, 0.0),
    ]
    assert by_question[q.how_often.pk].average == 3.0
    wanted = by_question[q.wanted.pk]
    assert wanted.answered == 3
    assert [r.count for r in wanted.rows] == [3, 0, 3, 3]  # Lanes, Parking, Lights, Other
    assert by_question[q.idea.pk].samples == ["More racks"] * 3
    assert by_question[q.rank.pk].rows[1].count == 3  # Speed ranked first by all
    assert [r.count for r in by_question[q.agree.pk].rows] == [3, 0]


def test_csv_export_is_anonymised_with_one_row_per_response(questionnaire):
    q = questionnaire
    alice = UserFactory(email="alice@example.org", display_name="Alice")
    services.response_submit(consultation=q.consultation, user=alice, answers=q.valid())
    answers = q.valid({q.cycle.pk: {"choice": q.car.pk}, q.agree.pk: {"value": "no"}})
    del answers[q.how_often.pk]
    services.response_submit(consultation=q.consultation, user=UserFactory(), answers=answers)
    rows = list(selectors.results_csv_rows(consultation=q.consultation, chunk_size=2))
    assert rows[0][:3] == ["respondent", "last changed (date)", "1. How do you get to work?"]
    assert rows[0][-1] == "6. comment"
    assert len(rows) == 3
    first = rows[1]
    assert first[0] == 1
    assert first[2:] == [
        "Bike",
        3,
        "Lanes; Lights; Other: Showers",
        "More racks",
        "Speed > Safety > Cost",
        "Yes",
        "Good plan",
    ]
    assert rows[2][2:4] == ["Car", ""] and rows[2][7] == "No"
    flat = repr(rows)
    assert "alice" not in flat.lower() and str(alice.pk) not in [str(c) for c in first[:1]]


def test_results_publish_needs_a_closed_consultation_and_notifies_respondents(manager, resident):
    consultation = ConsultationFactory()
    q = Questionnaire(consultation)
    services.response_submit(consultation=consultation, user=resident, answers=q.valid())
    with pytest.raises(ValidationError, match="once the consultation has closed"):
        services.results_publish(actor=manager, consultation=consultation)
    Consultation.objects.filter(pk=consultation.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    consultation.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.results_publish(actor=resident, consultation=consultation)
    services.results_publish(actor=manager, consultation=consultation)
    services.results_publish(actor=manager, consultation=consultation)  # idempotent
    consultation.refresh_from_db()
    assert consultation.results_published_at is not None
    event = Event.objects.get(kind="consultations.results_published")
    assert set(event.deliveries.values_list("recipient_id", flat=True)) == {resident.pk}


def test_results_stay_internal_when_residents_were_told_so(manager):
    consultation = ConsultationFactory(closed=True, results_public_after_close=False)
    with pytest.raises(ValidationError, match="stay internal"):
        services.results_publish(actor=manager, consultation=consultation)


def test_announce_opened_notifies_the_area_once(db):
    area = AreaFactory()
    here, elsewhere = UserFactory(home_area=area), UserFactory(home_area=AreaFactory())
    consultation = ConsultationFactory(area=area)
    ConsultationFactory(area=area, upcoming=True)
    ConsultationFactory(area=area, is_published=False)
    assert services.consultations_announce_opened() == 1
    assert services.consultations_announce_opened() == 0
    event = Event.objects.get(kind="consultations.opened")
    assert event.idempotency_key == f"consultations.opened:{consultation.pk}"
    recipients = set(event.deliveries.values_list("recipient_id", flat=True))
    assert recipients == {here.pk} and elsewhere.pk not in recipients


def test_erasing_a_resident_keeps_their_answers_counted_but_unlinked(questionnaire, resident):
    q = questionnaire
    services.response_submit(consultation=q.consultation, user=resident, answers=q.valid())
    part = next(p for p in personal_data.parts() if p.name == "consultations")
    exported = part.export(resident)
    assert exported[0]["consultation"] == q.consultation.title
    assert {"question": "How do you get to work?", "answer": "Bike"} in exported[0]["answers"]
    part.erase(resident)
    resident.delete()
    response = Response.objects.get()
    assert response.user_id is None
    assert selectors.results_get(consultation=q.consultation).responses == 1


def test_copy_as_version_carries_questions_and_conditions(questionnaire, manager):
    copy = services.consultation_copy_as_version(
        actor=manager, consultation=questionnaire.consultation
    )
    assert copy.slug.endswith("-v2") and not copy.is_published
    how_often = copy.questions.get(order=2)
    assert how_often.depends_on == copy.questions.get(order=1)
    assert [c.label for c in how_often.depends_on_choices.all()] == ["Bike"]
