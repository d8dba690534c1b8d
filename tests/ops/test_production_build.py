"""Build what the image builds, without Docker, and start it.

No Docker engine runs in CI, so this module follows the Dockerfile's build stage on this
machine: it copies what the stage COPYs into a temporary /app, runs the stage's own
``uv sync`` line (the lockfile without the dev extra, into a clean virtualenv) and its own
build step (``compilemessages`` and ``collectstatic``) with the stage's ENV and nothing
else. The tests then run that virtualenv with a production-like environment: the deploy
check, an import of every module and URLconf, and gunicorn answering ``/healthz``.

A module that runtime code imports but only the dev extra installs fails here as it fails
in production: at URLconf import, in ``migrate``, ``web`` and ``worker`` alike.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import database_url_for, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
INSTRUCTIONS = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text()).splitlines()
RUNTIME_PACKAGES = (
    "civicportal",
    "proposals",
    "consultations",
    "budgeting",
    "alerts",
    "community",
    "outreach",
)
# Installed for development only; none of them may reach the image.
DEV_ONLY = ("pytest", "pytest-django", "ruff", "playwright", "factory-boy", "pabutools")
IMAGE_DIR = "/app"  # the WORKDIR of the build and runtime stages


def stage(name: str | None) -> list[str]:
    """The instructions of the stage ``FROM ... AS name`` (None: the last, unnamed one)."""
    starts = [i for i, line in enumerate(INSTRUCTIONS) if line.startswith("FROM ")]
    for start, end in zip(starts, [*starts[1:], len(INSTRUCTIONS)], strict=True):
        words = INSTRUCTIONS[start].split()
        stage_name = words[3] if len(words) > 3 and words[2].upper() == "AS" else None
        if stage_name == name:
            return [line.strip() for line in INSTRUCTIONS[start:end] if line.strip()]
    raise AssertionError(f"the Dockerfile has no stage {name!r}")


def stage_env(lines: list[str], app: Path, path: str) -> dict[str, str]:
    """The stage's ENV, with /app mapped to ``app`` and $PATH to ``path``."""
    env: dict[str, str] = {}
    for line in lines:
        if line.startswith("ENV "):
            for item in shlex.split(line[4:]):
                name, _, value = item.partition("=")
                value = value.replace("$PATH", path)
                env[name] = re.sub(rf"(?<![\w/]){IMAGE_DIR}(?=/|$)", str(app), value)
    return env


def run_line(lines: list[str], marker: str) -> str:
    (line,) = [line for line in lines if line.startswith("RUN ") and marker in line]
    return line[4:]


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps ``relative`` out of the build context (its simple forms)."""
    return any(
        fnmatch.fnmatch(relative, pattern)
        or fnmatch.fnmatch(relative, pattern.removeprefix("**/"))
        or fnmatch.fnmatch(Path(relative).name, pattern.removeprefix("**/"))
        or relative.startswith(pattern.rstrip("/") + "/")
        for pattern in patterns
    )


def copy_into_image(source: Path, target: Path, patterns: list[str]) -> None:
    relative = source.relative_to(ROOT).as_posix()
    if ignored(relative, patterns):
        return
    if source.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for child in sorted(source.iterdir()):
            copy_into_image(child, target / child.name, patterns)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def copy_build_context(lines: list[str], app: Path) -> None:
    """Every COPY of the build stage, from the working tree into ``app``."""
    patterns = dockerignore()
    for line in lines:
        if not line.startswith("COPY "):
            continue
        words = line.split()[1:]
        origin = next((w.removeprefix("--from=") for w in words if w.startswith("--from=")), None)
        *sources, destination = [w for w in words if not w.startswith("--")]
        if origin is not None and origin != "assets":
            continue  # a tool's binary (uv): this machine has its own
        target = app / destination
        for source in sources:
            if origin == "assets":
                # The assets stage runs `npm ci` in /app/static, as `make assets` does here.
                tree = ROOT / source.removeprefix(IMAGE_DIR + "/")
                assert tree.is_dir(), f"{tree} is missing: run `make assets` first"
                shutil.copytree(tree, target, symlinks=True)
                continue
            matches = sorted(ROOT.glob(source))
            assert matches, f"COPY {source}: no such file"
            for match in matches:
                into = target / match.name if destination.endswith("/") else target
                copy_into_image(match, into, patterns)


def run(command: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 120):
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{shlex.join(command)} exited with {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-8000:]}",
            pytrace=False,
        )
    return result


def system_path() -> str:
    """PATH without this test run's virtualenv: the image's python must not fall back to it."""
    own = str(Path(sys.prefix) / "bin")
    return os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p and p != own)


def uv_executable() -> str:
    """The uv of the development environment (the dev extra pins it)."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert uv, "uv is not installed"
    return uv


@dataclass(frozen=True)
class Image:
    app: Path  # what /app holds at the end of the build stage
    runtime_env: dict[str, str]  # the runtime stage's ENV, mapped into ``app``

    @property
    def python(self) -> str:
        return str(self.app / ".venv" / "bin" / "python")


@pytest.fixture(scope="session")
def image(tmp_path_factory) -> Image:
    """The build stage, run here: a copy of the context, `uv sync`, the build step.

    Session-scoped: pytest-django runs database tests first, which splits this module's
    tests apart; a module-scoped image would be built twice.
    """
    app = tmp_path_factory.mktemp("image") / "app"
    app.mkdir()
    build = stage("build")
    copy_build_context(build, app)
    base = {"PATH": system_path(), "LANG": "C.UTF-8", "HOME": str(app.parent)}
    build_env = stage_env(build, app, base["PATH"])

    # The dependencies, exactly as the stage installs them (uv's cache makes this quick).
    sync = run_line(build, "uv sync")
    assert "--frozen" in sync and "--no-dev" in sync, sync
    assert "--extra" not in sync and "--all-extras" not in sync, sync
    uv = uv_executable()
    uv_env = {
        **os.environ,  # uv's cache and index settings
        **build_env,
        "PATH": f"{Path(uv).parent}{os.pathsep}{build_env['PATH']}",
        "UV_PYTHON": sys.executable,  # this interpreter's version: the one the image pins
    }
    uv_env.pop("VIRTUAL_ENV", None)
    run(["sh", "-c", sync], env=uv_env, cwd=app, timeout=300)

    # The build step (translations and static files): the stage's ENV, nothing of ours.
    run(["sh", "-c", run_line(build, "collectstatic")], env={**base, **build_env}, cwd=app)

    final = stage(None)
    return Image(app=app, runtime_env={**base, **stage_env(final, app, base["PATH"])})


@pytest.fixture
def production_env(image, db, redis_server) -> dict[str, str]:
    """What a deployment sets, over the image's ENV: fresh secrets, PostgreSQL, Redis, SMTP.

    The database is pytest's, migrated (``db`` makes pytest-django create it, which it does
    only for a run that asks for it); the Redis is a throwaway server of this test.
    """
    from django.db import connection

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise RuntimeError("The production build test needs DATABASE_URL (PostgreSQL).")
    (image.app / "var" / "media").mkdir(parents=True, exist_ok=True)
    return {
        **image.runtime_env,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CENSUS_HASH_KEY": secrets.token_urlsafe(50),
        "EMAIL_URL": "smtp://127.0.0.1:2525",
        "DATABASE_URL": database_url_for(database_url, connection.settings_dict["NAME"]),
        "REDIS_URL": redis_server.url,
        "ALLOWED_HOSTS": "portal.example.org,127.0.0.1",
        "SITE_URL": "https://portal.example.org",
    }


def test_lockfile_matches_pyproject():
    """The image installs with --frozen, which trusts uv.lock even when it is stale."""
    env = {**os.environ}
    env.pop("VIRTUAL_ENV", None)
    run([uv_executable(), "lock", "--check"], env=env, cwd=ROOT)


def test_image_installs_no_dev_dependency(image):
    probe = (
        "import importlib.metadata as m, json;"
        "print(json.dumps(sorted({d.metadata['Name'].lower() for d in m.distributions()})))"
    )
    result = run([image.python, "-c", probe], env=image.runtime_env, cwd=image.app)
    installed = {re.sub(r"[-_.]+", "-", name) for name in json.loads(result.stdout)}
    assert {"django", "gunicorn", "lxml"} <= installed
    assert not installed & set(DEV_ONLY)


def test_build_step_compiles_translations_and_collects_static_files(image):
    assert list(image.app.glob("civicportal/locale/*/LC_MESSAGES/django.mo"))
    static_root = Path(image.runtime_env["STATIC_ROOT"])
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert manifest["paths"], "collectstatic wrote an empty manifest"
    assert not list(static_root.glob("**/node_modules")), "the npm tree was collected"


def test_deploy_check_passes_with_production_settings(image, production_env):
    command = [image.python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    run(command, env=production_env, cwd=image.app)


IMPORT_EVERYTHING = """
import importlib, pkgutil, sys

import django

django.setup()

from django.urls import URLResolver, get_resolver

from civicportal.celery import app

def fail(name):
    raise  # walk_packages calls this inside its except block: re-raise that error

modules = 0
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(package.__path__, prefix=name + ".", onerror=fail):
        importlib.import_module(info.name)
        modules += 1

def views(resolver):
    count = 0
    for pattern in resolver.url_patterns:  # loads each included URLconf
        if isinstance(pattern, URLResolver):
            count += views(pattern)
        else:
            assert callable(pattern.callback), pattern
            count += 1
    return count

resolver = get_resolver()
resolver.reverse_dict  # builds the reverse lookup of every URLconf
app.loader.import_default_modules()  # what a Celery worker imports at start
print(modules, views(resolver), len(app.tasks))
"""


def test_every_runtime_module_and_urlconf_imports(image, production_env):
    command = [image.python, "-c", IMPORT_EVERYTHING, *RUNTIME_PACKAGES]
    result = run(command, env=production_env, cwd=image.app)
    modules, views, tasks = map(int, result.stdout.split())
    assert modules > 200 and views > 100 and tasks > 10, result.stdout


def test_gunicorn_from_the_image_answers_healthz(image, production_env, tmp_path):
    (cmd,) = [json.loads(line[4:]) for line in stage(None) if line.startswith("CMD ")]
    assert cmd[0] == "gunicorn"
    port = free_port()
    # The image's command, on a free loopback port and with one worker to start quickly.
    args = [
        str(image.app / ".venv" / "bin" / "gunicorn"),
        *(arg for arg in cmd[1:] if not arg.startswith(("--bind", "--workers"))),
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
    ]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            args, cwd=image.app, env=production_env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        status, body = None, ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                    status, body = r.status, r.read().decode()
                break
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read().decode(errors="replace")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        output = log.read_text(errors="replace")[-8000:]
        assert process.poll() is None, f"gunicorn exited with {process.returncode}\n{output}"
        assert status == 200, f"/healthz answered {status}: {body}\n{output}"
        assert json.loads(body) == {
            "status": "ok",
            "checks": {"database": "up", "cache": "up", "broker": "up"},
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
