"""Demo data: Riverside's participatory budget, in its voting phase, with some ballots cast."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from budgeting.models import Ballot, BallotSubmission, BudgetProcess, ProcessTransition, Project
from budgeting.roles import BUDGET_OFFICER
from budgeting.services import ballot_cast
from civicportal.core import demo

demo.register_staff(BUDGET_OFFICER, local_part="budget", display_name="Björn Sveinsson")

SLUG = "riverside-neighbourhood-budget"

CITYWIDE_PROJECTS = [
    (
        "Solar lights along the riverside walk",
        42000,
        "LED lamps powered by the sun on the 3 km walk between the lido and the old mill.",
    ),
    (
        "Free bike repair stations",
        18000,
        "Six stations with tools and a pump at the library, the station and three parks.",
    ),
    (
        "Drinking fountains in the parks",
        24000,
        "Eight fountains with a bottle filler and a dog bowl.",
    ),
    ("Tree planting for shade", 35000, "Two hundred street trees where the summer heat is worst."),
    (
        "Accessible toilets at the market square",
        56000,
        "Step-free toilets with a changing place, open every day.",
    ),
]
DISTRICT_PROJECTS = [
    ("New benches on the green", 6000, "Ten benches with backrests and armrests around the green."),
    (
        "Safer crossing by the school",
        15000,
        "A raised zebra crossing and flashing signs outside the primary school.",
    ),
    ("Community garden beds", 8000, "Raised beds that neighbours can book for a season."),
    (
        "Play area refurbishment",
        22000,
        "New swings, a climbing frame and soft ground for the under-tens.",
    ),
]


@demo.register("budgeting", order=300)
def seed_budget(ctx: demo.DemoContext) -> None:
    """A process in its voting phase: a city-wide knapsack ballot and approval ballots for
    four districts, feasible projects on each, and ballots from some verified residents.
    Runs once: a second seed_demo finds the process by its slug and changes nothing."""
    existing = BudgetProcess.objects.filter(slug=SLUG).first()
    if existing is not None:
        ctx.say(f"Budget: “{existing.title}” already seeded ({existing.get_state_display()}).")
        return
    now = ctx.now
    officer = ctx.staff.get(BUDGET_OFFICER)
    process = BudgetProcess.objects.create(
        title="Riverside neighbourhood budget",
        slug=SLUG,
        description=(
            "The council sets aside 200,000 EUR for projects chosen by residents: 100,000 EUR "
            "for the whole city and 25,000 EUR for each of four neighbourhoods."
        ),
        state=BudgetProcess.State.VOTING,
        submission_opens=now - timedelta(days=60),
        review_opens=now - timedelta(days=30),
        voting_opens=now - timedelta(days=3),
        voting_closes=now + timedelta(days=18),
        results_on=now + timedelta(days=21),
        tally_rule=BudgetProcess.TallyRule.MES_ADD1,
        rules_frozen_at=now - timedelta(days=3),
        created_at=now - timedelta(days=70),
    )
    demo.history_backdate(process, process.created_at)
    for from_state, to_state, days in (
        ("", BudgetProcess.State.DRAFT, 70),
        (BudgetProcess.State.DRAFT, BudgetProcess.State.SUBMISSION, 60),
        (BudgetProcess.State.SUBMISSION, BudgetProcess.State.REVIEW, 30),
        (BudgetProcess.State.REVIEW, BudgetProcess.State.VOTING, 3),
    ):
        ProcessTransition.objects.create(
            process=process,
            from_state=from_state,
            to_state=to_state,
            actor=officer,
            note="demo",
            at=now - timedelta(days=days),
        )
    citywide = Ballot.objects.create(
        process=process, kind=Ballot.Kind.KNAPSACK, budget=Decimal(100000), order=0
    )
    demo.history_backdate(citywide, process.created_at)
    ballots = [citywide]
    reviewed = now - timedelta(days=5)
    residents = list(ctx.residents)
    rng = ctx.random

    def project(ballot: Ballot, index: int, title: str, cost: int, description: str) -> None:
        # Put forward while submissions were open (from 60 to 30 days ago), reviewed during
        # the review, before voting opened.
        made = Project.objects.create(
            process=process,
            ballot=ballot,
            title=title,
            description=description,
            estimated_cost=Decimal(cost),
            submitted_by=residents[index % len(residents)] if residents else None,
            submitted_at=now - timedelta(days=45 - index),
            feasibility=Project.Feasibility.FEASIBLE,
            feasibility_reason="Checked by the parks and highways teams.",
            reviewed_by=officer,
            reviewed_at=reviewed,
            order=index,
        )
        demo.history_backdate(made, made.submitted_at)

    for index, (title, cost, description) in enumerate(CITYWIDE_PROJECTS):
        project(citywide, index, title, cost, description)
    for number, area in enumerate(ctx.areas[:4], start=1):
        ballot = Ballot.objects.create(
            process=process,
            area=area,
            kind=Ballot.Kind.APPROVAL,
            budget=Decimal(25000),
            max_choices=2,
            order=number,
        )
        demo.history_backdate(ballot, process.created_at)
        ballots.append(ballot)
        for index, (title, cost, description) in enumerate(DISTRICT_PROJECTS):
            project(ballot, index + number, f"{title} ({area.name})", cost, description)
    cable_car = Project.objects.create(
        process=process,
        ballot=citywide,
        title="Cable car to Westhill",
        description="A cable car from the station to the top of Westhill.",
        estimated_cost=Decimal(2500000),
        feasibility=Project.Feasibility.NOT_FEASIBLE,
        feasibility_reason="It costs 25 times the city-wide budget and needs planning consent.",
        reviewed_by=officer,
        reviewed_at=reviewed,
        submitted_at=now - timedelta(days=40),
    )
    demo.history_backdate(cable_car, cable_car.submitted_at)

    cast = 0
    voters = [user for user in residents if user.is_verified][1:]  # the demo voter left to try
    for user in voters[: len(voters) * 2 // 3]:
        # Each voter fills in their ballots one after another, some time since voting opened.
        voted = ctx.between(max(process.voting_opens, user.verified_at), now)
        for ballot in ballots:
            if ballot.area_id not in (None, user.home_area_id):
                continue
            options = list(ballot.projects.filter(feasibility=Project.Feasibility.FEASIBLE))
            rng.shuffle(options)
            chosen, spent = {}, Decimal(0)
            for option in options:
                if ballot.kind == Ballot.Kind.APPROVAL and len(chosen) >= ballot.max_choices:
                    break
                if ballot.kind == Ballot.Kind.KNAPSACK and spent + option.cost > ballot.budget:
                    continue
                if rng.random() < 0.6:
                    chosen[option.pk] = 1
                    spent += option.cost
            if chosen:
                submission = ballot_cast(actor=user, ballot=ballot, selections=chosen)
                BallotSubmission.objects.filter(pk=submission.pk).update(submitted_at=voted)
                voted = min(voted + timedelta(minutes=2), now)
                cast += 1
    ctx.say(
        f"Budget: “{process.title}” open for voting until "
        f"{timezone.localtime(process.voting_closes):%Y-%m-%d}, {len(ballots)} ballots, "
        f"{cast} ballots cast."
    )
