"""The platform names no module (docs/style.md §1).

``civicportal/`` never imports a domain module nor names one in code: each module plugs in
from its ``AppConfig.ready()`` (roles and rules, periodic jobs, topics, navigation, personal
data, schema names). The only places the platform may name a module are ``INSTALLED_APPS``
and the URL includes. The domain modules are read from ``INSTALLED_APPS`` (our own
top-level packages beside ``civicportal``), so a module added tomorrow is covered too.

The scan reads the code, not its prose: docstrings and comments may mention a module as an
example, imports and strings in code may not.
"""

from __future__ import annotations

import ast
import dbm
import os
import re
import shelve
import subprocess
import sys
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.sql import emit_post_migrate_signal
from drf_spectacular.generators import SchemaGenerator

from civicportal.accounts import roles
from civicportal.celery import app as celery_app
from civicportal.core import periodic
from civicportal.core.api import schema
from tests.processes import wait_for

ROOT = Path(settings.BASE_DIR).resolve()
PLATFORM = ROOT / "civicportal"
# Where naming a module is the point: the list of apps and the URL includes.
URL_MODULES = {PLATFORM / "urls.py", PLATFORM / "api_urls.py"}
SETTINGS_MODULE = PLATFORM / "settings.py"

# The beat schedule as it stood when the modules' jobs were still written into settings:
# nothing may be lost in the move (the platform's stay there; the modules' register).
PLATFORM_JOBS = {
    "core-clear-expired-sessions",
    "kernel-jobs-sweep",
    "notifications-deliveries-sweep",
    "notifications-subscribers-purge",
    "notifications-digests-daily",
    "notifications-digests-weekly",
}
MODULE_JOBS = {
    "proposals-ideas-forward": {
        "task": "proposals.tasks.ideas_forward_task",
        "schedule": crontab(hour=4, minute=10),
    },
    "proposals-ideas-archive-inactive": {
        "task": "proposals.tasks.ideas_archive_inactive_task",
        "schedule": crontab(hour=4, minute=40),
    },
    "budgeting-processes-advance-due": {
        "task": "budgeting.tasks.processes_advance_due_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "consultations-announce-opened": {
        "task": "consultations.tasks.consultations_announce_opened_task",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "alerts-expire": {
        "task": "alerts.tasks.alerts_expire_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "alerts-fan-outs-sweep": {
        "task": "alerts.tasks.alerts_fan_outs_sweep_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "alerts-callout-fan-outs-sweep": {
        "task": "alerts.tasks.callout_fan_outs_sweep_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "community-event-reminders": {
        "task": "community.tasks_events.event_reminders_send_task",
        "schedule": 600.0,
        "options": {"expires": 550},
    },
    "community-hashtag-posts-pull": {
        "task": "community.tasks_hashtags.hashtag_posts_pull_task",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
    "outreach-posts-publish-due": {
        "task": "outreach.tasks.posts_publish_due_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}


def domain_modules() -> dict[str, str]:
    """Top-level package -> app label of every installed app that is a package of ours
    beside ``civicportal`` (third-party apps live in site-packages, the platform inside
    ``civicportal/``)."""
    modules = {}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.parent == ROOT and path != PLATFORM:
            modules[config.name.split(".", 1)[0]] = config.label
    return modules


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (prose, not code)."""
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
        ):
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _allowed(path: Path, tree: ast.AST) -> set[int]:
    """ids of the string nodes where naming a module is allowed in ``path``."""
    allowed = set()
    for node in ast.walk(tree):
        if path == SETTINGS_MODULE and isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "INSTALLED_APPS" for t in targets):
                allowed.update(id(n) for n in ast.walk(node.value))
        if (
            path in URL_MODULES
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "include"
        ):
            allowed.update(id(n) for arg in node.args for n in ast.walk(arg))
    return allowed


def module_references(path: Path, modules: dict[str, str], source: str | None = None) -> list[str]:
    """``file:line: what`` for each import of a module, or string naming one, in ``path``
    (its text, or ``source`` read as if it were there), in line order."""
    names = set(modules) | set(modules.values())
    # "alerts", "alerts.models.CapStatus", "alerts:alert-list", "alerts/_banner.html",
    # "alerts-expire": a module's package, app label, URL namespace, templates or jobs.
    naming = re.compile(rf"^(?:{'|'.join(map(re.escape, sorted(names)))})(?:$|[.:/_-])")
    if source is None:
        source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    skip = _docstrings(tree) | _allowed(path, tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported = [node.module]
        else:
            imported = []
        found += [
            (node.lineno, f"imports {name}")
            for name in imported
            if name.split(".", 1)[0] in modules
        ]
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and naming.match(node.value)
        ):
            found.append((node.lineno, f"names {node.value!r}"))
    where = path.relative_to(ROOT)
    return [f"{where}:{line}: {what}" for line, what in sorted(found)]


def platform_files() -> list[Path]:
    return sorted(p for p in PLATFORM.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_domain_modules_are_found_in_installed_apps():
    modules = domain_modules()
    # The discovery itself must work, or the scan below would pass by finding no module.
    assert {"proposals", "consultations", "budgeting", "alerts"} <= set(modules)
    assert not any(name.startswith("civicportal") for name in modules)
    assert SETTINGS_MODULE in platform_files()


def test_the_platform_names_no_module():
    modules = domain_modules()
    found = [line for path in platform_files() for line in module_references(path, modules)]
    assert found == [], "the platform names domain modules:\n" + "\n".join(found)


def test_the_scan_sees_imports_and_dotted_names_but_not_prose():
    sample = PLATFORM / "core" / "_scan_sample.py"
    code = (
        '"""Docstrings may say alerts.models.Alert."""\n'
        "import alerts.models\n"
        "from proposals.models import Idea\n"
        "# a comment about budgeting.tasks\n"
        'TASK = "budgeting.tasks.processes_advance_due_task"\n'
        'LABEL = "alerts"\n'
        'URL = "consultations:detail"\n'
        'NOT_A_MODULE = "alertsmith.x"\n'
    )
    found = module_references(sample, domain_modules(), source=code)
    assert [line.split(": ", 1)[1] for line in found] == [
        "imports alerts.models",
        "imports proposals.models",
        "names 'budgeting.tasks.processes_advance_due_task'",
        "names 'alerts'",
        "names 'consultations:detail'",
    ]


def test_installed_apps_and_url_includes_may_name_modules():
    """The two allowed places are allowed only there: INSTALLED_APPS and include()."""
    modules = domain_modules()
    settings_tree = ast.parse(SETTINGS_MODULE.read_text(encoding="utf-8"))
    allowed = _allowed(SETTINGS_MODULE, settings_tree)
    named = {
        node.value
        for node in ast.walk(settings_tree)
        if isinstance(node, ast.Constant) and id(node) in allowed
    }
    assert set(modules) <= named
    urls_tree = ast.parse((PLATFORM / "urls.py").read_text(encoding="utf-8"))
    assert _allowed(PLATFORM / "urls.py", urls_tree)
    # The same include() outside the URL modules would be reported.
    assert not _allowed(PLATFORM / "core" / "urls.py", urls_tree)


# --- Roles come from the registry ---------------------------------------------------------


def test_each_domain_role_is_registered_by_its_own_module():
    modules = domain_modules()
    owners = {role.name: role.app_label for role in roles.roles_all()}
    # The platform's own roles, used by the participation pieces every module shares.
    assert owners[roles.MODERATOR] == "accounts"
    assert owners[roles.ADMINISTRATOR] == "accounts"
    domain = {name: label for name, label in owners.items() if label in modules.values()}
    assert domain == {
        "Budget officer": "budgeting",
        "Consultation manager": "consultations",
        "Alert author": "alerts",
        "Alert approver": "alerts",
        "Fact-check editor": "alerts",
        "Event organiser": "community",
        "Social media editor": "outreach",
    }


@pytest.mark.django_db
def test_ensure_role_groups_creates_exactly_the_registered_roles():
    Group.objects.all().delete()
    roles.ensure_role_groups()
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(
        role.name for role in roles.roles_all()
    )


@pytest.mark.django_db
def test_every_migrate_creates_the_registered_roles_groups():
    Group.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert set(Group.objects.values_list("name", flat=True)) == set(roles.ROLES)


@pytest.mark.django_db
def test_a_role_a_module_registers_gets_its_group():
    Group.objects.all().delete()
    roles.register("Tree warden", description="Looks after the council's trees.", app_label="x")
    try:
        roles.ensure_role_groups()
        assert Group.objects.filter(name="Tree warden").exists()
    finally:
        roles.unregister("Tree warden")
    Group.objects.all().delete()
    roles.ensure_role_groups()
    assert not Group.objects.filter(name="Tree warden").exists()


# --- The beat schedule comes from settings and the registry -------------------------------


def _beat_schedule() -> dict[str, dict]:
    celery_app.loader.import_default_modules()
    return celery_app.conf.beat_schedule


def test_beat_runs_the_platform_jobs_from_settings_and_the_modules_jobs_from_registry():
    schedule = _beat_schedule()
    assert set(schedule) == PLATFORM_JOBS | set(MODULE_JOBS)
    assert set(settings.CELERY_BEAT_SCHEDULE) == PLATFORM_JOBS
    for name in PLATFORM_JOBS:
        assert schedule[name] == settings.CELERY_BEAT_SCHEDULE[name]
    assert {job.name for job in periodic.jobs()} == set(MODULE_JOBS)
    for name, entry in MODULE_JOBS.items():
        assert schedule[name] == entry, name
        assert entry["task"] in celery_app.tasks, f"{name} names an unknown task"
        # Registered by the module whose task it runs.
        owner = apps.get_containing_app_config(entry["task"])
        assert owner is not None and owner.label in domain_modules().values()


@pytest.mark.slow
def test_a_real_beat_schedules_every_job(tmp_path):
    """``celery beat`` itself (not this process) sets Django up and reads the registry
    before it stores its schedule; a broker in memory, so that nothing is sent anywhere."""
    schedule_file = tmp_path / "beat-schedule"
    log = tmp_path / "beat.log"
    env = {**os.environ, "CELERY_BROKER_URL": "memory://localhost/", "LOG_FORMAT": "text"}

    def stored_jobs() -> set[str]:
        try:
            # Beat's own file, just written under tmp_path: nothing untrusted is unpickled.
            with shelve.open(str(schedule_file), flag="r") as stored:  # noqa: S301
                return set(stored.get("entries", {}))
        except dbm.error:
            return set()  # not written yet

    with log.open("wb") as output:
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "civicportal", "beat",
             "--schedule", str(schedule_file), "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        expected = PLATFORM_JOBS | set(MODULE_JOBS)
        found = wait_for(
            lambda: (jobs := stored_jobs()) >= expected and jobs,
            timeout=60,
            interval=0.5,
            message=f"beat did not store every job.\n{log.read_text(errors='replace')[-3000:]}",
        )
    finally:
        beat.terminate()
        beat.wait(timeout=20)
    # Celery's own cleanup job aside, nothing else.
    assert found - {"celery.backend_cleanup"} == expected


def test_a_modules_job_is_on_the_schedule_only_while_registered():
    (job,) = [job for job in periodic.jobs() if job.name == "alerts-expire"]
    periodic.unregister("alerts-expire")
    try:
        assert "alerts-expire" not in _beat_schedule()
    finally:
        periodic.register(job.name, task=job.task, schedule=job.schedule, options=job.options)
    assert _beat_schedule()["alerts-expire"] == MODULE_JOBS["alerts-expire"]

    added = periodic.register("trees-water", task="trees.tasks.trees_water_task", schedule=600.0)
    try:
        assert _beat_schedule()["trees-water"] == added.entry()
        assert added.entry() == {"task": "trees.tasks.trees_water_task", "schedule": 600.0}
    finally:
        periodic.unregister("trees-water")
    assert "trees-water" not in _beat_schedule()


def test_a_module_job_may_not_take_a_platform_jobs_name():
    with pytest.raises(ValueError, match="kernel-jobs-sweep"):
        periodic.register("kernel-jobs-sweep", task="trees.tasks.trees_water_task", schedule=60.0)
    platform_entry = settings.CELERY_BEAT_SCHEDULE["kernel-jobs-sweep"]
    assert _beat_schedule()["kernel-jobs-sweep"] == platform_entry


# --- Shared choice sets are named in the schema by the modules that own them --------------


def test_the_schema_names_the_choice_sets_the_modules_registered():
    platform_names = set(settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"])
    assert platform_names == {"LanguageEnum"}
    module_names = set(schema.enum_names()) - platform_names
    assert module_names == {
        "IdeaStatusEnum",
        "CapStatusEnum",
        "AlertStateEnum",
        "AlertMessageStateEnum",
        "VerdictEnum",
        "StoryStateEnum",
    }
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]
    assert module_names | platform_names <= set(components["schemas"])


def test_a_module_may_not_rename_a_platform_choice_set():
    with pytest.raises(ValueError, match="LanguageEnum"):
        schema.enum_name_register("LanguageEnum", ["en"])
    assert schema.enum_names()["LanguageEnum"] == settings.LANGUAGES
