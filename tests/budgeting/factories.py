"""Budgeting factories.

ProcessFactory(state="voting")      a process whose rules are frozen when past review
BallotFactory(process=p, kind=...)  a ballot (city-wide unless area=...)
ProjectFactory(ballot=b)            a feasible project on that ballot
knapsack(budget=10000)              a knapsack ballot with projects of 6000, 3000 and 2500
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from budgeting.models import Ballot, BudgetProcess, Project


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetProcess

    title = factory.Sequence(lambda n: f"Budget {n}")
    slug = factory.Sequence(lambda n: f"budget-{n}")
    state = BudgetProcess.State.VOTING
    voting_closes = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    rules_frozen_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.state not in ("draft", "submission", "review") else None
    )


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    process = factory.SubFactory(ProcessFactory)
    area = None
    kind = Ballot.Kind.KNAPSACK
    budget = Decimal(10000)
    max_choices = factory.LazyAttribute(lambda o: 3 if o.kind == Ballot.Kind.APPROVAL else None)
    min_choices = 1
    points_total = factory.LazyAttribute(lambda o: 10 if o.kind == Ballot.Kind.CUMULATIVE else None)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    ballot = factory.SubFactory(BallotFactory)
    process = factory.LazyAttribute(lambda o: o.ballot.process)
    title = factory.Sequence(lambda n: f"Project {n}")
    description = "Something good for the neighbourhood."
    estimated_cost = Decimal(3000)
    feasibility = Project.Feasibility.FEASIBLE
    reviewed_at = factory.LazyFunction(timezone.now)


def knapsack(budget=10000, **kwargs):
    ballot = BallotFactory(kind=Ballot.Kind.KNAPSACK, budget=Decimal(budget), **kwargs)
    projects = [
        ProjectFactory(ballot=ballot, estimated_cost=Decimal(cost)) for cost in (6000, 3000, 2500)
    ]
    return ballot, projects
