"""Test data for rumour control: staff in each role, fact check contents, questions."""

from __future__ import annotations

from alerts.models import Alert, FactCheck, FactCheckQuestion
from alerts.roles import FACTCHECK_EDITOR
from alerts.services import factchecks as services
from tests.accounts.factories import StaffFactory, UserFactory


def editor(**kwargs):
    return StaffFactory(role=FACTCHECK_EDITOR, mfa=True, **kwargs)


def content(**fields) -> services.FactCheckContent:
    defaults = {
        "claim": "The water from the taps in Harbourside is poisoned.",
        "verdict": "false",
        "facts": "The water company tested it this morning: it is safe to drink.",
        "sources": [{"title": "Water company notice", "url": "https://water.example.org/notice"}],
        "claim_url": "https://social.example.net/@someone/1234",
    }
    defaults.update(fields)
    return services.FactCheckContent(**defaults)


def draft(*, by=None, alert: Alert | None = None, **fields) -> FactCheck:
    return services.factcheck_create(actor=by or editor(), content=content(alert=alert, **fields))


def pending(*, by, alert: Alert, **fields) -> FactCheck:
    fact_check = draft(by=by, alert=alert, **fields)
    return services.factcheck_submit(actor=by, fact_check=fact_check)


def published_standalone(**fields) -> FactCheck:
    by = editor()
    fact_check = draft(by=by, **fields)
    return services.factcheck_publish(actor=by, fact_check=fact_check)


def question(*, user=None, **fields) -> FactCheckQuestion:
    fields.setdefault("text", "Is it true the bridge on Quay Street collapsed?")
    return services.question_ask(actor=user or UserFactory(), **fields)
