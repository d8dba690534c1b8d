"""Residents' pages and the budget officers' admin screens."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from budgeting import services
from budgeting.models import Ballot, BallotSubmission, BudgetProcess, TallyResult
from civicportal.kernel.models import Job
from civicportal.kernel.services import job_run
from tests.accounts.factories import AreaFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def ballot_url(ballot: Ballot) -> str:
    return reverse("budgeting:ballot", args=[ballot.process.slug, ballot.pk])


@pytest.fixture
def knapsack():
    ballot = BallotFactory(kind=Ballot.Kind.KNAPSACK, budget=Decimal(10000))
    projects = [
        ProjectFactory(ballot=ballot, title=f"Project {cost}", estimated_cost=Decimal(cost))
        for cost in (6000, 3000, 2500, 1000, 500, 400, 300, 200)
    ]
    return ballot, projects


def test_process_pages_and_home_section(client, knapsack):
    ballot, projects = knapsack
    process = ballot.process
    assert process.title in client.get(reverse("budgeting:process-list")).content.decode()
    page = client.get(process.get_absolute_url()).content.decode()
    assert "Sign in</a> to vote" in page and "10,000 EUR" in page
    home = client.get(reverse("home")).content.decode()
    assert 'id="section-budgeting"' in home and process.title in home
    assert client.get(reverse("budgeting:project-list", args=[process.slug])).status_code == 200
    detail = client.get(projects[0].get_absolute_url()).content.decode()
    assert "6,000 EUR" in detail


def test_draft_process_is_hidden_from_the_public(client):
    process = ProcessFactory(state="draft")
    assert client.get(process.get_absolute_url()).status_code == 404
    assert process.title not in client.get(reverse("budgeting:process-list")).content.decode()


def test_project_list_filters_and_answers_htmx_with_the_partial(client, knapsack):
    ballot, _projects = knapsack
    ProjectFactory(
        ballot=ballot, title="Refused one", feasibility="not_feasible", feasibility_reason="No"
    )
    url = reverse("budgeting:project-list", args=[ballot.process.slug])
    page = client.get(url, {"feasibility": "not_feasible"}).content.decode()
    assert "Refused one" in page and "Project 6000" not in page
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Project 6000" in partial


def test_project_list_query_count_does_not_grow(client, django_assert_max_num_queries, knapsack):
    ballot, _projects = knapsack
    url = reverse("budgeting:project-list", args=[ballot.process.slug])
    with django_assert_max_num_queries(8):
        client.get(url)
    ProjectFactory.create_batch(10, ballot=ballot)
    with django_assert_max_num_queries(8):
        client.get(url)


def test_ballot_order_is_random_per_voter_and_stable(client, knapsack):
    ballot, projects = knapsack
    orders = []
    for _ in range(3):
        voter = UserFactory(verified=True)
        client.force_login(voter)
        first = client.get(ballot_url(ballot)).context["form"].projects
        second = client.get(ballot_url(ballot)).context["form"].projects
        assert first == second
        assert sorted(p.pk for p in first) == sorted(p.pk for p in projects)
        orders.append([p.pk for p in first])
    assert len({tuple(order) for order in orders}) > 1


def test_ballot_without_javascript_records_and_can_be_changed(client, knapsack):
    ballot, projects = knapsack
    voter = UserFactory(verified=True)
    client.force_login(voter)
    page = client.get(ballot_url(ballot)).content.decode()
    assert 'data-cost="6000.00"' in page and "budgeting/ballot." in page
    response = client.post(ballot_url(ballot), {"projects": [projects[0].pk, projects[1].pk]})
    recorded = reverse("budgeting:ballot-recorded", args=[ballot.process.slug, ballot.pk])
    assert response.status_code == 302 and response.url == recorded
    page = client.get(recorded).content.decode()
    assert "Your ballot was recorded" in page and "Project 6000" in page
    assert "Change my ballot" in page
    # The ballot page shows the stored choices, ticked.
    form = client.get(ballot_url(ballot)).context["form"]
    assert sorted(form["projects"].value()) == sorted([str(projects[0].pk), str(projects[1].pk)])
    client.post(ballot_url(ballot), {"projects": [projects[2].pk]})
    submission = BallotSubmission.objects.get()
    assert list(submission.selections.values_list("project_id", flat=True)) == [projects[2].pk]


def test_over_budget_ballot_is_refused_with_a_message_and_choices_kept(client, knapsack):
    ballot, projects = knapsack
    client.force_login(UserFactory(verified=True))
    chosen = [projects[0].pk, projects[1].pk, projects[2].pk]
    response = client.post(ballot_url(ballot), {"projects": chosen})
    assert response.status_code == 400
    page = response.content.decode()
    assert "more than the budget of 10,000 EUR" in page
    assert page.count("checked") == 3
    assert not BallotSubmission.objects.exists()


def test_cumulative_ballot_page_takes_points(client):
    ballot = BallotFactory(kind=Ballot.Kind.CUMULATIVE, points_total=5)
    a, b = ProjectFactory.create_batch(2, ballot=ballot)
    client.force_login(UserFactory(verified=True))
    response = client.post(ballot_url(ballot), {f"points_{a.pk}": "3", f"points_{b.pk}": "2"})
    assert response.status_code == 302
    assert dict(BallotSubmission.objects.get().selections.values_list("project_id", "points")) == {
        a.pk: 3,
        b.pk: 2,
    }
    response = client.post(ballot_url(ballot), {f"points_{a.pk}": "5", f"points_{b.pk}": "2"})
    assert "you have 5 to share out" in response.content.decode()


def test_unverified_resident_is_told_how_to_get_verified(client, knapsack):
    ballot, _projects = knapsack
    client.force_login(UserFactory())
    response = client.get(ballot_url(ballot))
    assert response.status_code == 403
    assert reverse("accounts:verification") in response.content.decode()


def test_other_district_ballot_is_explained(client):
    ballot = BallotFactory(area=AreaFactory(name="Eastgate", slug="eastgate"))
    client.force_login(UserFactory(verified=True))
    response = client.get(ballot_url(ballot))
    assert response.status_code == 403 and "residents of Eastgate" in response.content.decode()


def test_anonymous_voter_is_sent_to_sign_in(client, knapsack):
    ballot, _projects = knapsack
    response = client.get(ballot_url(ballot))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_project_submission_form(client):
    process = ProcessFactory(state="submission", voting_closes=None)
    ballot = BallotFactory(process=process)
    client.force_login(UserFactory())
    url = reverse("budgeting:project-submit", args=[process.slug])
    response = client.post(url, {"ballot": ballot.pk, "title": "Bench", "estimated_cost": "-5"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"description", "estimated_cost"}
    response = client.post(
        url,
        {
            "ballot": ballot.pk,
            "title": "Bench",
            "description": "By the pond",
            "estimated_cost": "900",
        },
    )
    assert response.status_code == 302
    assert process.projects.get().feasibility == "pending"


def test_results_page_hidden_until_published_then_shows_reasons_and_turnout(client, officer):
    ballot = BallotFactory(kind=Ballot.Kind.KNAPSACK, budget=Decimal(10000))
    a = ProjectFactory(ballot=ballot, title="Lamps", estimated_cost=Decimal(6000))
    b = ProjectFactory(ballot=ballot, title="Benches", estimated_cost=Decimal(5000))
    for choice in ({a.pk: 1}, {a.pk: 1, b.pk: 1} if False else {b.pk: 1}, {a.pk: 1}):
        services.ballot_cast(actor=UserFactory(verified=True), ballot=ballot, selections=choice)
    services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="P", selections={b.pk: 1}
    )
    process = ballot.process
    services.process_advance(actor=officer, process=process, to_state="closed")
    services.results_compute(actor=officer, process=process)
    url = reverse("budgeting:results", args=[process.slug])
    assert client.get(url).status_code == 404
    services.process_advance(actor=officer, process=process, to_state="results")
    page = client.get(url).content.decode()
    assert "Lamps" in page and "Funded by the greedy count: 2 votes" in page
    assert "only 4,000 EUR of the budget was left" in page
    assert "Funded in round 1 by equal shares" in page
    assert "4 people voted." in page  # three online and one on paper, in the summary
    assert "6,000 EUR" in page  # Lamps' cost, beside its bar
    turnout = page[page.index("data-turnout") :]
    assert 'Online</th><td class="text-end">3' in turnout
    assert 'Paper or in person</th><td class="text-end">1' in turnout
    export = client.get(reverse("budgeting:ballot-export", args=[process.slug, ballot.pk]))
    assert export.status_code == 200 and export.content.startswith(b"META")


def test_results_page_is_translated(client, officer, settings):
    ballot = BallotFactory(kind=Ballot.Kind.APPROVAL, max_choices=1, budget=Decimal(1000))
    a = ProjectFactory(ballot=ballot, estimated_cost=Decimal(600))
    services.ballot_cast(actor=UserFactory(verified=True), ballot=ballot, selections={a.pk: 1})
    services.process_advance(actor=officer, process=ballot.process, to_state="closed")
    services.results_compute(actor=officer, process=ballot.process)
    services.process_advance(actor=officer, process=ballot.process, to_state="results")
    row = TallyResult.objects.get(rule="greedy").rows.get()
    assert row.reason_key == "greedy_funded" and row.reason_params["cost"] == "600"


# --- Admin ----------------------------------------------------------------------------


def _change_form_data(response) -> dict:
    """The POST data of an admin change form, as its page shows it."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is not None:
            data[name] = value.pk if hasattr(value, "pk") else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for inline_form in formset.forms:
            for name, field in inline_form.fields.items():
                value = inline_form.initial.get(name, field.initial)
                if value is not None:
                    data[f"{inline_form.prefix}-{name}"] = (
                        value.pk if hasattr(value, "pk") else value
                    )
    return {k: v for k, v in data.items() if v != ""}


def test_admin_refuses_to_change_frozen_voting_rules_and_says_why(client, officer, knapsack):
    ballot, _projects = knapsack
    client.force_login(officer)
    url = reverse("admin:budgeting_budgetprocess_change", args=[ballot.process.pk])
    data = _change_form_data(client.get(url))
    data["tally_rule"] = "greedy"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "frozen since voting opened" in response.content.decode()
    data["tally_rule"] = ballot.process.tally_rule
    data["ballots-0-budget"] = "20000"
    response = client.post(url, data)
    assert "frozen since voting opened" in response.content.decode()
    ballot.refresh_from_db()
    assert ballot.budget == Decimal(10000)


def test_admin_paper_entry_and_conflicts(client, officer, knapsack):
    from civicportal.accounts.census import hash_identifier
    from civicportal.accounts.models import ResidencyRequest

    ballot, projects = knapsack
    voter = UserFactory(verified=True)
    ResidencyRequest.objects.create(
        user=voter,
        area=voter.home_area,
        identifier_hash=hash_identifier("ID-77"),
        status="approved",
        reviewed_at=ballot.process.created_at,
    )
    services.ballot_cast(actor=voter, ballot=ballot, selections={projects[0].pk: 1})
    client.force_login(officer)
    url = reverse("admin:budgeting_budgetprocess_paper", args=[ballot.process.pk])
    response = client.post(
        url, {"ballot": ballot.pk, "voter_identifier": "id 77", "selections": f"{projects[1].pk}"}
    )
    assert response.status_code == 302
    response = client.post(url, {"ballot": ballot.pk, "voter_identifier": "X", "selections": "abc"})
    assert "is not a project number" in response.content.decode()
    conflicts = client.get(
        reverse("admin:budgeting_budgetprocess_conflicts", args=[ballot.process.pk])
    ).content.decode()
    assert "Online" in conflicts and "Paper or in person" in conflicts
    assert BallotSubmission.objects.filter(counted=True).get().channel == "paper"


def test_admin_actions_close_compute_and_publish(client, officer, knapsack):
    ballot, projects = knapsack
    services.ballot_cast(
        actor=UserFactory(verified=True), ballot=ballot, selections={projects[0].pk: 1}
    )
    client.force_login(officer)
    url = reverse("admin:budgeting_budgetprocess_changelist")
    pk = [ballot.process.pk]
    response = client.post(url, {"action": "advance_selected", ACTION_CHECKBOX_NAME: pk})
    assert response.status_code == 302
    # Counting is a background job: the action starts it and goes to its progress page.
    response = client.post(url, {"action": "compute_results", ACTION_CHECKBOX_NAME: pk})
    job = Job.objects.get(kind="budgeting.results_compute")
    assert response["Location"] == reverse("kernel:job-detail", args=[job.pk])
    assert job.params == {"process_id": ballot.process.pk} and job.state == "queued"
    job_run(job.pk)  # what the worker does with the task
    job.refresh_from_db()
    assert job.state == "succeeded", job.message
    assert TallyResult.objects.filter(ballot=ballot).count() == 3
    response = client.post(
        url, {"action": "publish_results", ACTION_CHECKBOX_NAME: pk}, follow=True
    )
    assert response.status_code == 200
    ballot.process.refresh_from_db()
    assert ballot.process.state == BudgetProcess.State.RESULTS
    response = client.post(
        url, {"action": "compute_results", ACTION_CHECKBOX_NAME: pk}, follow=True
    )
    assert "once voting has closed" in response.content.decode()


def test_admin_screens_refuse_other_staff(client, knapsack):
    from civicportal.accounts import roles
    from tests.accounts.factories import StaffFactory

    ballot, _projects = knapsack
    client.force_login(StaffFactory(role=roles.MODERATOR, mfa=True))
    assert client.get(reverse("admin:budgeting_budgetprocess_changelist")).status_code == 403
    paper = reverse("admin:budgeting_budgetprocess_paper", args=[ballot.process.pk])
    assert client.get(paper).status_code == 403
