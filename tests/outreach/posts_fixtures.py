"""Test data of the council's social posts: editors, an alert approver who is also an
editor, public items to post about, and posts in each state made through the services."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from alerts.roles import ALERT_APPROVER
from civicportal.core.shareables import item_get
from outreach.models import Post
from outreach.roles import SOCIAL_EDITOR
from outreach.services import posts as services
from tests.accounts.factories import StaffFactory
from tests.consultations.factories import ConsultationFactory


def editor(**kwargs):
    return StaffFactory(role=SOCIAL_EDITOR, mfa=True, **kwargs)


def editor_and_alert_approver(**kwargs):
    user = editor(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=ALERT_APPROVER)[0])
    return user


def consultation(**fields):
    defaults = {"title": "Riverside park plan", "summary": "Tell us what the park needs."}
    return ConsultationFactory(**{**defaults, **fields})


def compose(*, by=None, kind="consultations.opening", pk=None, scheduled_for=None, **fields):
    """A draft post with the pre-filled texts of ``kind``/``pk`` (a new consultation)."""
    if pk is None:
        pk = consultation().pk
    item = item_get(kind, pk)
    return services.post_create(
        actor=by or editor(),
        source_kind=kind,
        source_id=pk,
        texts=fields.pop("texts", None) or services.texts_prefill(item),
        card_title=fields.pop("card_title", item.title),
        card_description=fields.pop("card_description", item.description),
        scheduled_for=scheduled_for,
    )


def awaiting(*, by=None, **fields) -> Post:
    by = by or editor()
    post = compose(by=by, **fields)
    return services.post_submit(actor=by, post=post)


def approved(*, by=None, approved_by=None, **fields) -> Post:
    post = awaiting(by=by, **fields)
    return services.post_approve(
        actor=approved_by or editor(), post=post, version=services.post_version(post)
    )


def in_an_hour():
    return timezone.now() + timedelta(hours=1)
