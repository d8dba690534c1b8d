"""Background jobs and API tokens moved from core to the kernel (issue 19): on a database
that had them under core, every row comes along, renamed tables and all, the content types
that permissions and logs point at are relabelled, the platform's job kinds take their new
names, and all of it can be undone.

The test migrates the real database back to before the move, writes rows through the models
as they stood then, and migrates forward again; it runs on PostgreSQL and on SQLite.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from civicportal.kernel.models import ApiToken, Job
from tests.accounts.factories import UserFactory

BEFORE = [("core", "0005_background_jobs"), ("kernel", None)]
AFTER = [
    ("core", "0006_jobs_and_api_tokens_to_kernel"),
    ("kernel", "0003_job_kinds_from_core"),
]


def _migrate(targets) -> MigrationExecutor:
    """Migrate the database to ``targets``; then an executor that knows what is applied."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, info in constraints.items() if info["index"]}


@pytest.fixture
def migrated_back():
    """A function that migrates the database back to before the move; the database is
    migrated to the latest state again afterwards, whatever the test did. Accounts are made
    before it is called: the account model of today knows the tokens' new table."""
    executors = []

    def migrate_back() -> MigrationExecutor:
        executors.append(_migrate(BEFORE))
        return executors[-1]

    yield migrate_back
    if executors:
        _migrate(executors[-1].loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_jobs_and_api_tokens_move_to_the_kernel_with_their_rows_and_back(migrated_back):
    resident, staff = UserFactory(), UserFactory(is_staff=True)
    executor = migrated_back()
    old = executor.loader.project_state(BEFORE[0]).apps
    assert {"core_job", "core_apitoken"} <= _tables()
    assert not {"kernel_job", "kernel_apitoken"} & _tables()
    expires_at = timezone.now() + timedelta(days=30)
    old_token = old.get_model("core", "ApiToken").objects.create(
        user_id=resident.pk,
        digest="a" * 64,
        expires_at=expires_at,
        second_factor=True,
        fingerprint="f" * 64,
    )
    old_job = old.get_model("core", "Job")
    export = old_job.objects.create(
        kind="core.personal_data_export",
        state="succeeded",
        started_by_id=resident.pk,
        progress_done=4,
        progress_total=4,
        params={"note": "ß and ð"},
        result_file="jobs/1/abc/my-data.json",
        result_name="my-data.json",
    )
    check = old_job.objects.create(kind="core.check", state="queued", started_by_id=staff.pk)
    module_job = old_job.objects.create(
        kind="budgeting.pabulib_import", state="running", started_by_id=staff.pk, attempts=2
    )
    job_type, _ = ContentType.objects.get_or_create(app_label="core", model="job")
    token_type, _ = ContentType.objects.get_or_create(app_label="core", model="apitoken")

    _migrate(AFTER)
    ContentType.objects.clear_cache()

    assert {"kernel_job", "kernel_apitoken"} <= _tables()
    assert not {"core_job", "core_apitoken"} & _tables()
    assert {"kernel_job_starter_idx", "kernel_job_active_idx"} <= _indexes("kernel_job")
    token = ApiToken.objects.get()
    assert (token.pk, token.user, token.digest, token.fingerprint, token.second_factor) == (
        old_token.pk,
        resident,
        "a" * 64,
        "f" * 64,
        True,
    )
    assert token.expires_at == expires_at
    jobs = {job.pk: job for job in Job.objects.all()}
    assert set(jobs) == {export.pk, check.pk, module_job.pk}
    moved = jobs[export.pk]
    assert (moved.kind, moved.state, moved.started_by, moved.params) == (
        "kernel.personal_data_export",
        Job.State.SUCCEEDED,
        resident,
        {"note": "ß and ð"},
    )
    assert (moved.progress_done, moved.progress_total, moved.result_name) == (4, 4, "my-data.json")
    assert moved.result_file.name == "jobs/1/abc/my-data.json"
    assert jobs[check.pk].kind == "kernel.check" and jobs[check.pk].kind_spec is not None
    untouched = jobs[module_job.pk]  # a module's kind keeps its name
    assert (untouched.kind, untouched.attempts) == ("budgeting.pabulib_import", 2)
    # The same content type rows, now the kernel's: permissions and log entries follow.
    assert ContentType.objects.get_for_model(Job).pk == job_type.pk
    assert ContentType.objects.get_for_model(ApiToken).pk == token_type.pk
    assert not ContentType.objects.filter(app_label="core", model__in=["job", "apitoken"]).exists()
    # The renamed table's ids go on from where they were.
    assert Job.objects.create(kind="kernel.check").pk > max(jobs)

    _migrate(BEFORE)
    ContentType.objects.clear_cache()

    assert {"core_job", "core_apitoken"} <= _tables()
    assert not {"kernel_job", "kernel_apitoken"} & _tables()
    assert {"core_job_starter_idx", "core_job_active_idx"} <= _indexes("core_job")
    old_job = executor.loader.project_state(BEFORE[0]).apps.get_model("core", "Job")
    assert dict(old_job.objects.filter(pk__in=jobs).values_list("pk", "kind")) == {
        export.pk: "core.personal_data_export",
        check.pk: "core.check",
        module_job.pk: "budgeting.pabulib_import",
    }
    assert ContentType.objects.get(pk=job_type.pk).app_label == "core"
    assert ContentType.objects.get(pk=token_type.pk).app_label == "core"
