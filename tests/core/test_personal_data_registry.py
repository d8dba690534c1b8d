"""Every module of ours that keeps data about a person says how to export and erase it.

A module holds data about a person when one of its models points to the user model. Such
a module registers a part (``civicportal.kernel.personal_data``) from its ``ready()``; the
part's name is free ("account", "participation"), so a part belongs to the app whose code
defines its eraser. Third-party apps (allauth, auditlog, the admin) are outside this check:
the accounts part exports and erases what allauth and auditlog keep.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.apps import AppConfig, apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from civicportal.kernel import personal_data
from tests.accounts.factories import UserFactory


def _ours(app: AppConfig) -> bool:
    path = Path(app.path).resolve()
    return path.is_relative_to(Path(settings.BASE_DIR).resolve()) and not any(
        part in ("site-packages", "dist-packages") for part in path.parts
    )


def _apps_holding_people() -> set[str]:
    """Labels of our apps with a model that points to the user model, or is it."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    holders = {user_model._meta.app_label}
    for model in apps.get_models():
        if any(
            field.is_relation and field.concrete and field.related_model is user_model
            for field in model._meta.get_fields()
        ):
            holders.add(model._meta.app_label)
    return {label for label in holders if _ours(apps.get_app_config(label))}


def _app_of(part: personal_data.Part) -> str | None:
    app = apps.get_containing_app_config(part.erase.__module__)
    return app.label if app else None


def test_every_app_that_keeps_data_about_people_registers_its_part():
    holders = _apps_holding_people()
    # Finding nothing would mean the discovery broke, not that nobody keeps personal data.
    assert holders, "no app of ours has a model pointing to the user model"
    registered = {_app_of(part) for part in personal_data.parts()}
    missing = sorted(holders - registered)
    assert missing == [], f"these apps keep personal data but register no part: {missing}"


@pytest.mark.django_db
def test_every_part_exports_json_for_someone_who_did_nothing_yet():
    user = UserFactory()
    for part in personal_data.parts():
        exported = part.export(user)
        assert isinstance(exported, dict | list), part.name
        json.dumps(exported, cls=DjangoJSONEncoder)
