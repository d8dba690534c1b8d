"""docker-compose.yml, deploy/Caddyfile and the Dockerfile point at things that exist.

No Docker engine runs in CI, so these tests read the files and check every command,
module, management command, health-check URL, environment variable, volume and copied path
against the code itself. The proxy's Caddyfile is also checked by the real Caddy binary
(Debian's caddy 2.6; the image runs a newer 2.x, and the file keeps to 2.6 syntax): it must
validate, and Caddy run on loopback in front of a local HTTP server must serve uploads from
a folder, refuse bodies over the cap and pass everything else on.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import http.client
import importlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
COMPOSE_SOURCE = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_SOURCE)
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS_SOURCE = (ROOT / "civicportal" / "settings.py").read_text()
# Services that run our image (the others are postgres, redis and the proxy from Docker Hub).
PORTAL_SERVICES = {name: s for name, s in SERVICES.items() if "build" in s}
PROXY = SERVICES["proxy"]


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
    assert {"web", "worker", "beat", "migrate", "postgres", "redis", "proxy"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"
    assert set(PORTAL_SERVICES) == {"web", *WORKERS, "beat", "migrate"}


WORKERS = ("worker", "worker-alerts", "worker-sms")


def worker_queues(name: str) -> set[str]:
    """The queues a worker service consumes (every declared queue without --queues)."""
    args = as_args(SERVICES[name]["command"])
    assert check_celery(args) == "worker", name
    given = [arg.split("=", 1)[1] for arg in args if arg.startswith(("--queues=", "-Q="))]
    if not given:
        return {queue.name for queue in settings.CELERY_TASK_QUEUES}
    return set(given[0].split(","))


def test_every_queue_has_a_worker_and_alerts_have_workers_of_their_own():
    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    served = {name: worker_queues(name) for name in WORKERS}
    for name, queues in served.items():
        assert queues <= declared, f"{name} consumes queues the portal never fills"
    assert set().union(*served.values()) == declared, "some queue has no worker"
    alert_queues = {q for q in declared if q.split(".")[0] == settings.URGENT_QUEUE}
    assert {f"{settings.URGENT_QUEUE}.{c}" for c in settings.URGENT_CHANNEL_QUEUES} < alert_queues
    # Only alert queues on the alert workers, and no alert queue on the general worker.
    assert served["worker"] == declared - alert_queues
    assert served["worker-alerts"] | served["worker-sms"] == alert_queues
    # Texts wait for the gateway's rate: never on a worker that sends other channels.
    assert served["worker-sms"] == {f"{settings.URGENT_QUEUE}.sms"}


def test_workers_take_alerts_first_and_an_alerts_post_and_phone_channels_before_its_emails():
    """Queues are taken in the order listed ("priority"), the first non-empty one first."""
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] == "priority"
    declared = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    assert declared[-1] == settings.CELERY_TASK_DEFAULT_QUEUE  # everything else comes last
    args = as_args(SERVICES["worker-alerts"]["command"])
    (queues,) = [arg.split("=", 1)[1].split(",") for arg in args if arg.startswith("--queues=")]
    assert queues[0] == settings.URGENT_QUEUE  # the fan-out makes the work of the rest
    assert queues.index("urgent.push") < queues.index("urgent.email")
    # The post is one task: behind the email chunks it would wait for all of them.
    assert queues.index("urgent.social") < queues.index("urgent.push")
    assert queues.index("urgent.inbox") < queues.index("urgent.email")
    assert declared.index("urgent.push") < declared.index("urgent.email")
    assert declared.index("urgent.sms") < declared.index("urgent.email")


def test_readme_names_the_worker_layout():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Workers and queues", 1)[1].split("\n## ", 1)[0]
    for name in WORKERS:
        assert f"`{name}`" in section, name
    for queue in settings.CELERY_TASK_QUEUES:
        assert f"`{queue.name}`" in section, queue.name


@pytest.mark.parametrize("name", ["web", *WORKERS, "beat", "migrate"])
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
    for name in ("web", *WORKERS, "beat"):
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
    for name in WORKERS:
        assert check_celery(healthcheck_args(SERVICES[name])) == "inspect", name


def test_every_variable_given_to_the_portal_is_read_by_settings():
    for name, service in PORTAL_SERVICES.items():
        for variable in service["environment"]:
            assert f'"{variable}"' in SETTINGS_SOURCE, f"{name}: settings.py never reads {variable}"


def test_secrets_must_be_supplied_not_defaulted():
    environment = PORTAL_SERVICES["web"]["environment"]
    for variable in ("SECRET_KEY", "CENSUS_HASH_KEY"):
        assert re.fullmatch(rf"\$\{{{variable}:\?[^}}]+\}}", environment[variable]), variable
    # Email may go through EMAIL_URL or a provider's backend set in .env; the settings refuse
    # to start with neither (tests/core/test_settings.py), so compose passes it on as given.
    assert environment["EMAIL_URL"] == "${EMAIL_URL:-}"
    assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:?" in SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_the_portal_trusts_exactly_the_one_proxy_in_front_of_it():
    proxies = [name for name, s in SERVICES.items() if "caddy" in s.get("image", "")]
    assert len(proxies) == 1
    for name, service in PORTAL_SERVICES.items():
        assert service["environment"]["TRUSTED_PROXY_COUNT"] == "1", name


def env_example_names() -> list[str]:
    return re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, re.M)


def test_env_example_names_only_variables_something_reads():
    names = env_example_names()
    assert "SECRET_KEY" in names
    for variable in names:
        assert f'"{variable}"' in SETTINGS_SOURCE or "${" + variable in COMPOSE_SOURCE, variable


def test_env_example_names_every_variable_compose_reads():
    used = set(re.findall(r"(?<!\$)\$\{(\w+)", COMPOSE_SOURCE))
    assert {"SECRET_KEY", "CENSUS_HASH_KEY", "EMAIL_URL", "SITE_DOMAIN", "PROXY_TLS"} <= used
    assert used - set(env_example_names()) == set()


def test_env_example_required_values_are_left_blank_for_the_council():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", ENV_EXAMPLE, re.M))
    for variable in ("SECRET_KEY", "CENSUS_HASH_KEY", "POSTGRES_PASSWORD", "EMAIL_URL"):
        assert values[variable] == "", f"{variable} must not come with a shared example value"


def test_env_example_names_one_host_for_the_proxy_and_the_portal():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", ENV_EXAMPLE, re.M))
    host = values["SITE_DOMAIN"]
    assert values["ALLOWED_HOSTS"].split(",") == [host]
    assert values["SITE_URL"] == f"https://{host}"
    assert values["CSRF_TRUSTED_ORIGINS"].split(",") == [f"https://{host}"]


def test_health_check_host_is_allowed_and_exempt_from_the_https_redirect():
    allowed = interpolate(PORTAL_SERVICES["web"]["environment"]["ALLOWED_HOSTS"]).split(",")
    assert "127.0.0.1" in allowed
    assert any(re.search(pattern, "healthz") for pattern in settings.SECURE_REDIRECT_EXEMPT)


def test_media_volume_is_mounted_where_the_image_keeps_uploads():
    env_media_root = re.search(r"MEDIA_ROOT=(\S+)", DOCKERFILE).group(1)
    for name in ("web", *WORKERS):
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


# --- The reverse proxy (Caddy) and the volumes that outlive a recreate ------------------

CADDYFILE_PATH = ROOT / "deploy" / "Caddyfile"
CADDYFILE = CADDYFILE_PATH.read_text()
# Where docker-compose.yml mounts the Caddyfile: the official image's command reads it there.
CADDYFILE_IN_IMAGE = "/etc/caddy/Caddyfile"
CERTS_IN_IMAGE = "/etc/caddy/certs"
# Caddy's size units (go-humanize): KB and MB are powers of 1000, KiB and MiB of 1024.
SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "KiB": 2**10, "MB": 10**6, "MiB": 2**20, "GB": 10**9}


def volume_mounts(service: dict) -> dict[str, tuple[str, str]]:
    """``{target: (source, mode)}`` of a service's short-syntax volume entries."""
    mounts = {}
    for entry in service.get("volumes", []):
        source, target, *mode = interpolate(entry).split(":")
        mounts[target] = (source, mode[0] if mode else "rw")
    return mounts


def caddy_lines() -> list[str]:
    """The Caddyfile's directive lines, comments and blank lines dropped."""
    lines = (line.split("#", 1)[0].strip() for line in CADDYFILE.splitlines())
    return [line for line in lines if line]


def caddy_block(opening: str) -> list[str]:
    """The lines inside the block that starts with ``opening {`` (its braces balanced)."""
    lines = caddy_lines()
    start = lines.index(f"{opening} {{")
    depth, inside = 1, []
    for line in lines[start + 1 :]:
        depth += line.count("{") - line.count("}")
        if depth == 0:
            return inside
        inside.append(line)
    pytest.fail(f"the Caddyfile never closes {opening!r}")


def caddy_size(value: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([KMG]i?B|B)?", value)
    assert match, f"{value!r} is not a size in a unit the test knows"
    return int(match.group(1)) * SIZE_UNITS[match.group(2) or ""]


def web_port() -> int:
    """The port gunicorn binds in the web service, which it also exposes to the others."""
    args = as_args(SERVICES["web"]["command"])
    (bind,) = [arg.split("=", 1)[1] for arg in args if arg.startswith("--bind=")]
    port = int(bind.rsplit(":", 1)[1])
    assert [str(item) for item in SERVICES["web"]["expose"]] == [str(port)]
    return port


def media_in_proxy() -> str:
    (target,) = [t for t, (source, _) in volume_mounts(PROXY).items() if source == "media"]
    return target


def body_cap() -> int:
    (max_size,) = [line.split()[1] for line in caddy_block("request_body")]
    return caddy_size(max_size)


def upload_limits() -> dict[str, int]:
    """Every ``*_MAX_BYTES`` limit in settings and in the apps' modules, by name."""
    limits = {name: getattr(settings, name) for name in dir(settings) if name.endswith("MAX_BYTES")}
    for package in ("civicportal", "proposals", "consultations", "budgeting", "alerts"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path.name == "settings.py":
                continue
            for name in re.findall(r"^(\w*MAX_BYTES)\s*=", path.read_text(), re.M):
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                limits[f"{module}.{name}"] = getattr(importlib.import_module(module), name)
    return limits


def test_only_the_proxy_is_published_on_the_host():
    assert "ports" not in SERVICES["web"], "gunicorn must be reachable only through the proxy"
    assert web_port() == 8000
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {str(port) for port in PROXY["ports"]} == {"80:80", "443:443", "443:443/udp"}


def test_proxy_runs_the_official_caddy_image_with_the_caddyfile_read_only():
    # Docker Hub's official image (no publisher prefix), pinned to a minor version.
    assert re.fullmatch(r"caddy:2\.\d+", PROXY["image"]), PROXY["image"]
    assert "build" not in PROXY
    mounts = volume_mounts(PROXY)
    source, mode = mounts[CADDYFILE_IN_IMAGE]
    assert (ROOT / source).resolve() == CADDYFILE_PATH
    assert mode == "ro"
    # The council's certificate folder (PROXY_TLS=files), read-only, where the Caddyfile looks.
    assert mounts[CERTS_IN_IMAGE][1] == "ro"
    assert (ROOT / mounts[CERTS_IN_IMAGE][0]).is_dir()
    assert f"{CERTS_IN_IMAGE}/" in CADDYFILE
    # Certificates and the ACME account survive a recreate: no new certificate per upgrade.
    for target in ("/data", "/config"):
        assert mounts[target][0] in COMPOSE["volumes"], target
    assert PROXY["depends_on"]["web"]["condition"] == "service_started"


def test_proxy_mounts_the_media_volume_read_only_and_serves_it_at_media_url():
    assert volume_mounts(PROXY)[media_in_proxy()] == ("media", "ro")
    assert settings.MEDIA_URL == "/media/"
    block = caddy_block(f"handle_path {settings.MEDIA_URL}*")
    assert f"root * {media_in_proxy()}" in block
    assert "file_server" in block
    assert not any("browse" in line for line in block), "uploads are never listed"


def test_proxy_passes_everything_else_to_the_web_service():
    assert caddy_block("handle") == [f"reverse_proxy web:{web_port()}"]
    # Django trusts the scheme the proxy reports (Caddy sets X-Forwarded-Proto itself).
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


def test_proxy_body_cap_fits_the_largest_upload_with_its_form():
    limits = upload_limits()
    assert {"PROPOSALS_IMAGE_MAX_BYTES", "consultations.validators.DOCUMENT_MAX_BYTES"} <= set(
        limits
    )
    # One file at its largest plus the rest of its form, which Django caps on its own.
    needed = max(limits.values()) + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert needed <= body_cap() <= 2 * needed, (limits, body_cap())


def test_proxy_refuses_an_announced_oversize_body_at_the_same_cap():
    (matcher,) = [line for line in caddy_lines() if line.startswith("@over_cap ")]
    announced = re.findall(r"Content-Length\}\) > (\d+)", matcher)
    assert [int(n) for n in announced] == [body_cap()]
    assert caddy_block("handle @over_cap") == ['respond "Request body too large" 413']


def test_proxy_site_address_and_certificate_mode_come_from_the_environment():
    assert "{$SITE_DOMAIN} {" in caddy_lines()
    environment = PROXY["environment"]
    assert re.fullmatch(r"\$\{SITE_DOMAIN:\?[^}]+\}", environment["SITE_DOMAIN"])
    (imported,) = [line for line in caddy_lines() if line.startswith("import tls-")]
    default = re.fullmatch(r"import tls-\{\$PROXY_TLS:(\w+)\}", imported).group(1)
    assert environment["PROXY_TLS"] == "${PROXY_TLS:-" + default + "}"
    modes = set(re.findall(r"^\(tls-(\w+)\) \{$", CADDYFILE, re.M))
    assert modes == {"auto", "files", "internal"}
    assert default == "auto"


def test_beat_schedule_lives_on_a_named_volume_the_image_prepares():
    args = as_args(SERVICES["beat"]["command"])
    (schedule,) = [arg.split("=", 1)[1] for arg in args if arg.startswith("--schedule=")]
    folder = str(Path(schedule).parent)
    source, mode = volume_mounts(SERVICES["beat"])[folder]
    assert source in COMPOSE["volumes"] and mode == "rw"
    # A new named volume takes the folder's owner from the image: the portal user may write.
    runs = " ".join(dockerfile_instructions("RUN"))
    assert re.search(rf"mkdir -p [^&]*{re.escape(folder)}\b", runs)
    assert re.search(r"chown -R civicportal:civicportal /app/var\b", runs)


# --- The real Caddy binary ------------------------------------------------------------


@pytest.fixture
def caddy(tmp_path) -> tuple[str, dict[str, str]]:
    """The caddy binary and an environment that keeps its state inside tmp_path."""
    binary = shutil.which("caddy")
    if binary is None:
        pytest.fail(
            "caddy is not installed: `apt-get install -y caddy` (Debian's 2.6 is enough). "
            "It checks deploy/Caddyfile, which no Docker engine runs here."
        )
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    return binary, environment


def caddy_validate(binary: str, config: Path, environment: dict[str, str]) -> None:
    result = subprocess.run(
        [binary, "validate", "--adapter", "caddyfile", "--config", str(config)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Valid configuration" in result.stdout + result.stderr


def self_signed_certificate(folder: Path, host: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.mark.parametrize("mode", ["auto", "internal", None])
def test_caddy_validates_the_caddyfile(caddy, mode):
    binary, environment = caddy
    environment["SITE_DOMAIN"] = "participate.example.org"
    if mode is not None:  # None: PROXY_TLS unset, as in a .env that leaves it out
        environment["PROXY_TLS"] = mode
    caddy_validate(binary, CADDYFILE_PATH, environment)


def test_caddy_validates_the_caddyfile_with_the_councils_certificate(caddy, tmp_path):
    binary, environment = caddy
    certs = tmp_path / "certs"
    self_signed_certificate(certs, "participate.example.org")
    # The same file, reading the certificate folder where the test made it.
    config = tmp_path / "Caddyfile"
    config.write_text(CADDYFILE.replace(CERTS_IN_IMAGE, str(certs)))
    environment.update(SITE_DOMAIN="participate.example.org", PROXY_TLS="files")
    caddy_validate(binary, config, environment)


def test_caddy_refuses_an_unknown_certificate_mode(caddy):
    binary, environment = caddy
    environment.update(SITE_DOMAIN="participate.example.org", PROXY_TLS="letsencrypt")
    result = subprocess.run(
        [binary, "validate", "--adapter", "caddyfile", "--config", str(CADDYFILE_PATH)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "tls-letsencrypt" in result.stderr


class Upstream:
    """gunicorn's stand-in on loopback: records each request and answers 200 with JSON."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received = len(self.rfile.read(length))
                seen = {"method": self.command, "path": self.path, "received": received}
                seen["headers"] = {key.lower(): value for key, value in self.headers.items()}
                upstream.requests.append(seen)
                body = json.dumps(seen).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, format, *args) -> None:  # quiet test output
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def running_proxy(caddy, tmp_path):
    """Caddy running deploy/Caddyfile on loopback in front of ``Upstream``.

    Three values name places that exist only in the containers and are replaced here:
    the web service (by the upstream's address), the media volume's mount point (by a
    folder) and Caddy's admin endpoint (switched off, so parallel runs do not meet on
    port 2019). The site address is plain http://, so Caddy fetches no certificate.
    """
    binary, environment = caddy
    upstream = Upstream()
    media = tmp_path / "media"
    port = free_port()
    backend = f"reverse_proxy web:{web_port()}"
    root = f"root * {media_in_proxy()}"
    assert CADDYFILE.count(backend) == 1 and CADDYFILE.count(root) == 1
    config = tmp_path / "Caddyfile"
    config.write_text(
        "{\n\tadmin off\n}\n"
        + CADDYFILE.replace(backend, f"reverse_proxy 127.0.0.1:{upstream.port}").replace(
            root, f"root * {media}"
        )
    )
    environment["SITE_DOMAIN"] = f"http://127.0.0.1:{port}"
    log = (tmp_path / "caddy.log").open("w")
    process = subprocess.Popen(
        [binary, "run", "--adapter", "caddyfile", "--config", str(config)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail("caddy stopped:\n" + (tmp_path / "caddy.log").read_text()[-3000:])
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("caddy did not listen within 20 s")
                time.sleep(0.1)
        yield port, media, upstream
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        upstream.close()


def request(port: int, method: str, path: str, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_caddy_serves_uploads_from_the_media_folder_without_listing_it(running_proxy):
    port, media, upstream = running_proxy
    picture = media / "proposals" / "ideas" / "2026" / "05" / "3f9a0c1d2e4b5a6978c0d1e2.jpg"
    picture.parent.mkdir(parents=True)
    picture.write_bytes(b"\xff\xd8\xff\xe0 a photo of the bridge")

    status, headers, body = request(port, "GET", "/media/proposals/ideas/2026/05/" + picture.name)
    assert (status, body) == (200, picture.read_bytes())
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["X-Content-Type-Options"] == "nosniff"
    for folder in ("/media/", "/media/proposals/", "/media/proposals/ideas/2026/05/"):
        assert request(port, "GET", folder)[0] == 404, folder
    assert request(port, "GET", "/media/proposals/missing.jpg")[0] == 404
    assert upstream.requests == [], "uploads never reach gunicorn"


@pytest.mark.slow
def test_caddy_passes_other_paths_to_the_portal_with_the_scheme(running_proxy):
    port, _media, upstream = running_proxy
    status, _headers, body = request(port, "GET", "/static/css/site.css?v=1")
    assert status == 200
    seen = json.loads(body)
    assert upstream.requests == [seen]
    assert (seen["method"], seen["path"]) == ("GET", "/static/css/site.css?v=1")
    assert seen["headers"]["x-forwarded-proto"] == "http"  # "https" behind the real site
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert seen["headers"]["host"] == f"127.0.0.1:{port}"


@pytest.mark.slow
def test_caddy_passes_a_body_at_the_cap_and_refuses_one_over_it(running_proxy):
    port, _media, upstream = running_proxy
    cap = body_cap()
    status, _headers, body = request(port, "POST", "/admin/upload/", b"\0" * cap)
    assert status == 200
    assert json.loads(body)["received"] == cap

    # One byte more, announced in Content-Length: refused before the body is sent.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("POST", "/admin/upload/")
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(cap + 1))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
    finally:
        connection.close()
    assert [seen["received"] for seen in upstream.requests] == [cap]
