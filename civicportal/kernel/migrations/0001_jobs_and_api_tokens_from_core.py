"""Background jobs and API tokens move from the core app to the kernel (issue 19), rows and
all: nothing is copied, the tables are renamed.

The models are created in the kernel's state only, on the tables the core made
(``core_job``, ``core_apitoken``); the tables are then renamed (``kernel_job``,
``kernel_apitoken``) and so are the jobs' two indexes. The core's
``0006_jobs_and_api_tokens_to_kernel`` then drops its own two models from its state, without
touching the database. The content types follow in ``0002_content_types_from_core``, the
jobs' kind names in ``0003_job_kinds_from_core``.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import civicportal.kernel.models.jobs


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_background_jobs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "digest",
                            models.CharField(max_length=64, unique=True, verbose_name="digest"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="created at"
                            ),
                        ),
                        ("expires_at", models.DateTimeField(verbose_name="expires at")),
                        (
                            "second_factor",
                            models.BooleanField(
                                default=False,
                                help_text=(
                                    "Created from a sign-in that passed two-factor "
                                    "authentication; staff powers through the API need it."
                                ),
                                verbose_name="second factor",
                            ),
                        ),
                        (
                            "fingerprint",
                            models.CharField(
                                help_text=(
                                    "SHA-256 of the account's password hash, authenticators, "
                                    "staff status and roles when the token was created: any "
                                    "change ends the token."
                                ),
                                max_length=64,
                                verbose_name="fingerprint",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_token",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API token",
                        "verbose_name_plural": "API tokens",
                        "db_table": "core_apitoken",
                    },
                ),
                migrations.CreateModel(
                    name="Job",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=100, verbose_name="kind")),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("queued", "Waiting to start"),
                                    ("running", "Running"),
                                    ("succeeded", "Finished"),
                                    ("failed", "Failed"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="queued",
                                max_length=20,
                                verbose_name="state",
                            ),
                        ),
                        (
                            "progress_done",
                            models.PositiveBigIntegerField(default=0, verbose_name="done"),
                        ),
                        (
                            "progress_total",
                            models.PositiveBigIntegerField(
                                blank=True, null=True, verbose_name="total"
                            ),
                        ),
                        (
                            "message",
                            models.TextField(
                                blank=True,
                                help_text=(
                                    "The current step, or what went wrong (naming the line or "
                                    "record)."
                                ),
                                verbose_name="message",
                            ),
                        ),
                        (
                            "params",
                            models.JSONField(blank=True, default=dict, verbose_name="parameters"),
                        ),
                        (
                            "inputs",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text=(
                                    "Files uploaded for the job (private storage); deleted "
                                    "when it finishes."
                                ),
                                verbose_name="uploaded files",
                            ),
                        ),
                        (
                            "result_file",
                            models.FileField(
                                blank=True,
                                max_length=255,
                                storage=civicportal.kernel.models.jobs.private_storage_get,
                                upload_to="",
                                verbose_name="result file",
                            ),
                        ),
                        (
                            "result_name",
                            models.CharField(
                                blank=True, max_length=255, verbose_name="result file name"
                            ),
                        ),
                        (
                            "result_url",
                            models.CharField(
                                blank=True, max_length=500, verbose_name="result address"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="created at"
                            ),
                        ),
                        (
                            "queued_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="handed to the workers at"
                            ),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="started at"),
                        ),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
                        ),
                        (
                            "heartbeat_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="worker heartbeat"
                            ),
                        ),
                        (
                            "cancel_requested",
                            models.BooleanField(default=False, verbose_name="cancel requested"),
                        ),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
                        ),
                        (
                            "started_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="jobs",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="started by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "background job",
                        "verbose_name_plural": "background jobs",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["started_by", "-created_at"], name="core_job_starter_idx"
                            ),
                            models.Index(
                                condition=models.Q(("state__in", ["queued", "running"])),
                                fields=["state", "heartbeat_at"],
                                name="core_job_active_idx",
                            ),
                        ],
                        "db_table": "core_job",
                    },
                ),
            ],
        ),
        # The kernel's own table names (table=None: the default, "<app label>_<model>").
        migrations.AlterModelTable(name="apitoken", table=None),
        migrations.AlterModelTable(name="job", table=None),
        migrations.RenameIndex(
            model_name="job", new_name="kernel_job_starter_idx", old_name="core_job_starter_idx"
        ),
        migrations.RenameIndex(
            model_name="job", new_name="kernel_job_active_idx", old_name="core_job_active_idx"
        ),
    ]
