"""docker-compose.yml and the Dockerfile point at things that exist in the code.

No Docker engine runs in CI, so these tests read both files and check every command,
module, management command, health-check URL, environment variable and copied path
against the code itself.
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from celery.app.utils import find_app
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS_SOURCE = (ROOT / "civicportal" / "settings.py").read_text()
# Services that run our image (the others are postgres and redis from Docker Hub).
PORTAL_SERVICES = {name: s for name, s in SERVICES.items() if "build" in s}


def interpolate(value: str) -> str:
    """Resolve compose ``${VAR:-default}`` / ``${VAR:?error}`` the way a filled .env would."""
    value = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: m.group(2), value)
    value = re.sub(r"\$\{(\w+):\?[^}]*\}", lambda m: f"example-{m.group(1).lower()}", value)
    return value.replace("$$", "$")


def as_args(command: str | list[str]) -> list[str]:
    args = shlex.split(command) if isinstance(command, str) else list(command)
    return [interpolate(str(arg)) for arg in args]


def dockerfile_instructions(keyword: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [
        line.strip()[len(keyword) :].strip()
        for line in joined.splitlines()
        if line.strip().upper().startswith(keyword + " ")
    ]


def healthcheck_args(service: dict) -> list[str]:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return as_args(test)
    kind, *rest = test
    if kind == "CMD-SHELL":
        return as_args(" ".join(rest))
    assert kind == "CMD", f"unknown healthcheck form {kind!r}"
    return as_args(rest)


def check_gunicorn(args: list[str]) -> None:
    from gunicorn.config import Config

    assert args[0] == "gunicorn"
    options = Config().parser().parse_args(args[1:])  # exits on an unknown option
    (app_uri,) = options.args
    module_name, _, attribute = app_uri.partition(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute or "application")), app_uri
    assert module_name == settings.WSGI_APPLICATION.rsplit(".", 1)[0]


def check_celery(args: list[str]) -> str:
    """Parse the command line with celery's own CLI; return the subcommand."""
    assert args[0] == "celery"
    position = next(i for i, arg in enumerate(args) if arg in celery_cli.commands)
    name, group_args, sub_args = args[position], args[1:position], args[position + 1 :]
    context = celery_cli.make_context("celery", [*group_args, name])  # fails on a bad option
    app = find_app(context.params["app"])
    assert app.main == "civicportal"
    context.obj = CLIContext(app=app, no_color=True, workdir=None, quiet=True)
    celery_cli.commands[name].make_context(name, sub_args, parent=context)
    return name


def check_manage_py(args: list[str]) -> None:
    assert args[:2] == ["python", "manage.py"], args
    assert args[2] in get_commands(), f"manage.py has no {args[2]!r} command"


def check_command(args: list[str]) -> None:
    if args[0] == "gunicorn":
        check_gunicorn(args)
    elif args[0] == "celery":
        check_celery(args)
    elif args[:2] == ["python", "manage.py"]:
        check_manage_py(args)
    else:
        pytest.fail(f"unexpected command {args!r}")


def test_compose_runs_web_worker_beat_postgres_redis_and_a_migration_step():
    assert {"web", "worker", "beat", "migrate", "postgres", "redis"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"
    assert set(PORTAL_SERVICES) == {"web", "worker", "beat", "migrate"}


@pytest.mark.parametrize("name", ["web", "worker", "beat", "migrate"])
def test_every_portal_command_points_at_existing_code(name):
    check_command(as_args(PORTAL_SERVICES[name]["command"]))


def test_web_serves_the_wsgi_application_with_gunicorn():
    check_gunicorn(as_args(SERVICES["web"]["command"]))


def test_worker_and_beat_use_the_celery_app_with_its_beat_schedule():
    assert check_celery(as_args(SERVICES["worker"]["command"])) == "worker"
    assert check_celery(as_args(SERVICES["beat"]["command"])) == "beat"
    app = find_app("civicportal")
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert schedule, "beat has nothing to schedule"
    for entry in schedule.values():
        assert entry["task"] in app.tasks


def test_migrate_runs_once_before_the_portal_starts():
    assert as_args(SERVICES["migrate"]["command"])[2] == "migrate"
    assert SERVICES["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_healthchecks_use_real_urls_and_commands():
    web = healthcheck_args(SERVICES["web"])
    urls = re.findall(r"https?://[^'\"\s)]+", " ".join(web))
    assert urls, "the web health check requests no URL"
    for url in urls:
        path = re.sub(r"^https?://[^/]+", "", url)
        assert resolve(path).url_name == "healthz"
    assert "pg_isready" in " ".join(healthcheck_args(SERVICES["postgres"]))
    assert healthcheck_args(SERVICES["redis"]) == ["redis-cli", "ping"]
    assert check_celery(healthcheck_args(SERVICES["worker"])) == "inspect"


def test_every_variable_given_to_the_portal_is_read_by_settings():
    for name, service in PORTAL_SERVICES.items():
        for variable in service["environment"]:
            assert f'"{variable}"' in SETTINGS_SOURCE, f"{name}: settings.py never reads {variable}"


def test_secrets_must_be_supplied_not_defaulted():
    environment = PORTAL_SERVICES["web"]["environment"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", environment["SECRET_KEY"])
    assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:?" in SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_env_example_names_only_variables_something_reads():
    compose_source = (ROOT / "docker-compose.yml").read_text()
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    assert "SECRET_KEY" in names
    for variable in names:
        assert f'"{variable}"' in SETTINGS_SOURCE or "${" + variable in compose_source, variable


def test_health_check_host_is_allowed_and_exempt_from_the_https_redirect():
    allowed = interpolate(PORTAL_SERVICES["web"]["environment"]["ALLOWED_HOSTS"]).split(",")
    assert "127.0.0.1" in allowed
    assert any(re.search(pattern, "healthz") for pattern in settings.SECURE_REDIRECT_EXEMPT)


def test_media_volume_is_mounted_where_the_image_keeps_uploads():
    env_media_root = re.search(r"MEDIA_ROOT=(\S+)", DOCKERFILE).group(1)
    for name in ("web", "worker"):
        mounts = [volume.split(":") for volume in PORTAL_SERVICES[name]["volumes"]]
        assert ["media", env_media_root] in mounts, name
    assert PORTAL_SERVICES["web"]["environment"]["MEDIA_ROOT"] == env_media_root
    assert {"postgres-data", "media"} <= set(COMPOSE["volumes"])


def test_build_context_and_dockerfile_exist():
    for name, service in PORTAL_SERVICES.items():
        context = ROOT / service["build"]["context"]
        assert context.is_dir(), name
        assert (context / service["build"].get("dockerfile", "Dockerfile")).is_file(), name
    assert (ROOT / ".dockerignore").is_file()


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/")
        for pattern in patterns
    )


def test_dockerfile_copies_only_paths_that_exist_and_are_not_ignored():
    ignore = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copies = [c for c in dockerfile_instructions("COPY") if not c.startswith("--from")]
    assert copies
    for copy in copies:
        *sources, _destination = [part for part in copy.split() if not part.startswith("--")]
        for source in sources:
            assert list(ROOT.glob(source)), f"COPY {source}: no such file in the build context"
            assert not _ignored(source, ignore), f"COPY {source} is excluded by .dockerignore"
    # Every Python package the project ships is copied into the image.
    copied = {part for copy in copies for part in copy.split()}
    for package in ("civicportal", "proposals", "consultations", "budgeting", "alerts"):
        assert package in copied, package


def test_dockerfile_installs_from_the_lockfile_builds_assets_and_drops_root():
    assert re.search(r"^FROM python:\$\{PYTHON_VERSION\}-slim", DOCKERFILE, re.M)
    assert "ARG PYTHON_VERSION=3.11" in DOCKERFILE
    runs = " ".join(dockerfile_instructions("RUN"))
    assert "uv sync --frozen" in runs
    assert "npm ci" in runs
    assert "compilemessages" in runs and "collectstatic --noinput" in runs
    users = dockerfile_instructions("USER")
    assert users and users[-1] not in {"root", "0"}
    cmd = json.loads(dockerfile_instructions("CMD")[-1])
    check_gunicorn(cmd)
