from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse

from civicportal.accounts import roles
from civicportal.accounts.models import ResidencyRequest, User
from civicportal.core import selectors, services
from civicportal.core.models import Comment, Flag, Follow, ModerationCase
from civicportal.kernel import personal_data
from civicportal.kernel.models import Job
from civicportal.kernel.selectors import personal_data_export
from civicportal.kernel.services import job_run
from civicportal.notifications.models import (
    Delivery,
    NotificationPreference,
    PhoneNumber,
    PushSubscription,
)
from civicportal.notifications.services import event_create
from tests.accounts.factories import DEFAULT_PASSWORD, AreaFactory, StaffFactory, UserFactory
from tests.core.factories import comment_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def footprint(item, resident):
    """A resident who has taken part in everything core, accounts and notifications keep."""
    own = comment_post(resident, item, "My own **comment**")
    others = comment_post(UserFactory(), item, "Someone else's comment")
    reply = comment_post(UserFactory(), item, "A reply to mine", parent=own)
    services.flag_create(reporter=resident, target=others, reason="spam")
    services.follow_set(user=resident, target=item, following=True)
    ResidencyRequest.objects.create(user=resident, area=AreaFactory(), note="12 Mill Lane")
    NotificationPreference.objects.create(
        user=resident, topic="moderation.decision", channel="email", enabled=False
    )
    PhoneNumber.objects.create(user=resident, number="+3545551234")
    PushSubscription.objects.create(
        user=resident, endpoint="https://push.example/abc", p256dh="key", auth="secret"
    )
    event_create(
        kind="core.test_notice",
        recipients=[resident],
        channels_for=lambda user: ["inbox", "email"],
        context={"subject": "A notice"},
        idempotency_key="core-test-notice-1",
    )
    return {"own": own, "others": others, "reply": reply}


# --- Export: a private background job ----------------------------------------------------

EXPORT = reverse("core:personal-data-export")


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Where the export's background job keeps its file (a folder of this test)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def export_through_the_job(client) -> tuple[Job, dict]:
    """Ask for one's data, run the job as the worker would, download the file."""
    response = client.post(EXPORT)
    job = Job.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message
    download = client.get(reverse("kernel:job-download", args=[job.pk]))
    assert download.status_code == 200
    return job, download


def test_export_needs_sign_in(client):
    for response in (client.get(EXPORT), client.post(EXPORT)):
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    assert not Job.objects.exists()


def test_export_is_one_json_attachment_with_every_part(client, footprint, resident):
    client.force_login(resident)
    job, response = export_through_the_job(client)
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(b"".join(response.streaming_content))
    assert data["account"]["email"] == resident.email
    parts = data["parts"]
    assert {"participation", "account", "notifications"} <= set(parts)
    assert (job.progress_done, job.progress_total) == (len(parts), len(parts))
    assert job.kind == "kernel.personal_data_export" and job.started_by == resident

    participation = parts["participation"]
    assert [c["text"] for c in participation["comments"]] == ["My own **comment**"]
    assert [r["reason"] for r in participation["reports"]] == ["spam"]
    assert participation["follows"][0]["on"]["type"] == "accounts.area"

    account = parts["account"]
    assert account["profile"]["display_name"] == "Pat Resident"
    assert account["residency_requests"][0]["note"] == "12 Mill Lane"
    assert "identifier_hash" not in json.dumps(account)

    notifications = parts["notifications"]
    # The test notice, and the notice of the reply to the resident's comment, by email and
    # in the inbox each.
    assert sorted(m["channel"] for m in notifications["messages"]) == [
        "email",
        "email",
        "inbox",
        "inbox",
    ]
    assert notifications["phone_number"]["number"] == "+3545551234"
    assert notifications["push_subscriptions"][0]["endpoint"] == "https://push.example/abc"
    assert notifications["preferences"][0]["enabled"] is False


def test_the_file_is_the_selectors_export_as_indented_json(client, footprint, resident):
    client.force_login(resident)
    _job, response = export_through_the_job(client)
    text = b"".join(response.streaming_content).decode("utf-8")
    data = json.loads(text)
    expected = personal_data_export(user=resident)
    expected["generated_at"] = data["generated_at"]  # the only part that moves
    assert text == json.dumps(expected, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    assert list(data) == ["site", "council", "generated_at", "account", "parts"]


def test_asking_does_no_work_in_the_request_and_asking_twice_starts_one_job(
    client, resident, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(EXPORT)
        second = client.post(EXPORT)
    job = Job.objects.get()
    assert len(callbacks) == 1  # handed to the workers on commit, nothing more
    assert job.state == Job.State.QUEUED and not job.result_file
    assert first["Location"] == second["Location"] == job.get_absolute_url()


def test_only_the_resident_sees_or_downloads_their_data(client, footprint, resident):
    client.force_login(resident)
    job, _response = export_through_the_job(client)
    page, download = job.get_absolute_url(), reverse("kernel:job-download", args=[job.pk])
    assert "/staff/" in page  # the job pages: a resident reaches their own without staff MFA
    assert client.get(page).status_code == 200
    for someone_else in (
        UserFactory(),
        StaffFactory(role=roles.ADMINISTRATOR, mfa=True),
        StaffFactory(role=roles.MODERATOR, mfa=True),
    ):
        client.force_login(someone_else)
        assert client.get(page).status_code == 403
        assert client.get(download).status_code == 403
        assert client.post(reverse("kernel:job-cancel", args=[job.pk])).status_code == 403
    client.logout()
    assert client.get(download).status_code == 302  # to sign in
    assert reverse("account_login") in client.get(download)["Location"]


def test_profile_page_asks_for_the_data_with_a_post_button(client, resident):
    client.force_login(resident)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert f'<form method="post" action="{EXPORT}" data-personal-data-form>' in page
    assert "Download everything we hold about you (JSON)" in page
    assert "data.json" not in page


def test_export_page_lists_earlier_downloads(client, resident):
    client.force_login(resident)
    page = client.get(EXPORT).content.decode()
    assert "Prepare my data" in page and "Your latest downloads" not in page
    job, _response = export_through_the_job(client)
    page = client.get(EXPORT).content.decode()
    assert job.get_absolute_url() in page
    assert reverse("kernel:job-download", args=[job.pk]) in page
    client.force_login(UserFactory())
    assert job.get_absolute_url() not in client.get(EXPORT).content.decode()


def test_asking_for_ones_data_is_for_active_signed_in_accounts():
    from django.contrib.auth.models import AnonymousUser

    assert UserFactory().has_perm("kernel.export_personal_data")
    assert StaffFactory(role=roles.MODERATOR, mfa=True).has_perm("kernel.export_personal_data")
    assert not UserFactory(is_active=False).has_perm("kernel.export_personal_data")
    assert not AnonymousUser().has_perm("kernel.export_personal_data")


def test_export_holds_nothing_of_other_residents(footprint, resident):
    data = personal_data_export(user=UserFactory())
    assert data["parts"]["participation"]["comments"] == []
    assert data["parts"]["notifications"]["messages"] == []


# --- Deletion ----------------------------------------------------------------------------


def test_deletion_page_asks_for_the_password(client, resident):
    client.force_login(resident)
    page = client.get(reverse("core:account-delete")).content.decode()
    assert "Your password" in page
    assert "Deleted resident" in page


def test_wrong_password_changes_nothing(client, footprint, resident):
    client.force_login(resident)
    response = client.post(reverse("core:account-delete"), {"confirmation": "not it"})
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=resident.pk).exists()
    assert Comment.objects.filter(author=resident).exists()


def test_deletion_anonymises_content_keeps_counts_and_erases_the_rest(
    client, footprint, resident, item
):
    user_id = resident.pk
    flags_before = Flag.objects.count()
    open_reports_before = selectors.moderation_queue().get().open_reports
    client.force_login(resident)

    response = client.post(reverse("core:account-delete"), {"confirmation": DEFAULT_PASSWORD})

    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not User.objects.filter(pk=user_id).exists()
    # Content stays, anonymised; the thread keeps its reply.
    own = Comment.objects.get(pk=footprint["own"].pk)
    assert own.author is None and own.body == "My own **comment**"
    assert own.author_name == "Deleted resident"
    thread = selectors.comment_thread(target=item)
    assert footprint["reply"].pk in [r.pk for c in thread for r in c.thread_replies]
    # Reports still count, linked to no one.
    assert Flag.objects.count() == flags_before
    assert selectors.moderation_queue().get().open_reports == open_reports_before
    assert Flag.objects.filter(reporter__isnull=True).count() == 1
    # What was only theirs is gone.
    assert not Follow.objects.filter(user_id=user_id).exists()
    assert not ResidencyRequest.objects.filter(user_id=user_id).exists()
    assert not Delivery.objects.filter(recipient_id=user_id).exists()
    assert not NotificationPreference.objects.filter(user_id=user_id).exists()
    assert not PhoneNumber.objects.filter(user_id=user_id).exists()
    assert not PushSubscription.objects.filter(user_id=user_id).exists()
    assert not LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_pk=str(user_id)
    ).exists()
    # And they are signed out.
    assert "_auth_user_id" not in client.session


def test_deletion_is_all_or_nothing(footprint, resident):
    def failing_eraser(user):
        raise RuntimeError("an app's eraser failed")

    personal_data.register("failing", export=lambda user: {}, erase=failing_eraser)
    try:
        with pytest.raises(RuntimeError):
            services.account_delete(user=resident, confirmation=DEFAULT_PASSWORD)
    finally:
        personal_data.unregister("failing")
    assert User.objects.filter(pk=resident.pk).exists()
    assert Comment.objects.filter(author=resident).count() == 1
    assert Follow.objects.filter(user=resident).exists()


def test_administrators_cannot_delete_themselves_here(db):
    admin = StaffFactory(is_superuser=True)
    with pytest.raises(ValidationError, match="another administrator"):
        services.account_delete(user=admin, confirmation=DEFAULT_PASSWORD)


def test_accounts_without_password_confirm_with_their_email(db):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    with pytest.raises(ValidationError):
        services.account_delete(user=user, confirmation="someone@else.example")
    services.account_delete(user=user, confirmation=user.email.upper())
    assert not User.objects.filter(pk=user.pk).exists()


def test_moderation_history_survives_the_authors_deletion(item, resident, moderator):
    comment = comment_post(resident, item, "Reported")
    services.flag_create(reporter=UserFactory(), target=comment, reason="spam")
    services.moderation_decide(
        moderator=moderator, case=ModerationCase.objects.get(), action="hide", reason="Spam."
    )
    services.account_delete(user=resident, confirmation=DEFAULT_PASSWORD)
    case = ModerationCase.objects.get()
    assert case.author is None
    assert case.decisions.get(action="hide").moderator == moderator


def test_every_foreign_key_to_users_lets_the_account_go():
    """Deleting a user must never be blocked, and content and votes must survive it.

    Content, votes and records of what others did point to the user with SET_NULL; only
    data that is the resident's alone may CASCADE. Apps that add a foreign key to the
    user model are checked here too.
    """
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    must_survive = ("ballot", "vote", "comment", "flag", "idea", "argument", "point", "project")
    problems = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model is user_model):
                continue
            if field.many_to_many:
                continue
            on_delete = field.remote_field.on_delete
            label = f"{model._meta.label}.{field.name}"
            if on_delete not in (models.SET_NULL, models.CASCADE):
                problems.append(f"{label} uses {on_delete.__name__}")
            elif (
                model._meta.app_label not in {"accounts", "notifications", "account", "mfa"}
                and any(word in model._meta.model_name for word in must_survive)
                and on_delete is not models.SET_NULL
            ):
                problems.append(f"{label} must be SET_NULL: it outlives the account")
    assert problems == []
