"""Settings fail closed: with DEBUG off no public key, no shared census key, no silent email.

Each case imports the settings module in a fresh interpreter with exactly the environment
given, as gunicorn, the worker and manage.py would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-real-secret-key-for-this-test-only-0123456789",
    "CENSUS_HASH_KEY": "a-census-key-for-this-test-only",
    "EMAIL_URL": "smtp+tls://relay.example.org:587",
    "DATABASE_URL": "postgres://portal@db.example.org:5432/portal",
    "ALLOWED_HOSTS": "portal.example.org",
}
READ = ["SECRET_KEY", "CENSUS_HASH_KEY", "EMAIL_BACKEND", "EMAIL_FILE_PATH", "DEBUG"]


def load_settings(env: dict[str, str], names: list[str] = READ) -> subprocess.CompletedProcess:
    """Import the settings with exactly ``env``; print the values of ``names`` as JSON."""
    code = (
        "import json, importlib; s = importlib.import_module('civicportal.settings'); "
        f"print(json.dumps({{k: getattr(s, k) if isinstance(getattr(s, k), bool) "
        f"else str(getattr(s, k)) for k in {names!r}}}))"
    )
    base = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(env: dict[str, str], names: list[str] = READ) -> dict:
    result = load_settings(env, names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused(env: dict[str, str]) -> str:
    result = load_settings(env)
    assert result.returncode != 0, f"settings loaded: {result.stdout}"
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr


def without(name: str) -> dict[str, str]:
    return {key: value for key, value in PRODUCTION.items() if key != name}


def test_production_settings_load_with_their_own_secrets():
    values = loaded(PRODUCTION)
    assert values["SECRET_KEY"] == PRODUCTION["SECRET_KEY"]
    assert values["CENSUS_HASH_KEY"] == PRODUCTION["CENSUS_HASH_KEY"]
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize("database", ["postgres", "embedded"])
def test_debug_off_refuses_to_start_without_secret_key_whatever_the_database(database):
    env = without("SECRET_KEY")
    if database == "embedded":
        del env["DATABASE_URL"]  # it used to fall back to a published key here
    assert "SECRET_KEY is not set" in refused(env)


def test_debug_off_refuses_to_start_without_its_own_census_key():
    stderr = refused(without("CENSUS_HASH_KEY"))
    assert "CENSUS_HASH_KEY is not set" in stderr


def test_census_key_is_not_derived_from_secret_key():
    first = loaded(PRODUCTION)
    rotated = loaded({**PRODUCTION, "SECRET_KEY": "the-next-secret-key-after-rotation-987654"})
    assert first["CENSUS_HASH_KEY"] == rotated["CENSUS_HASH_KEY"]


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    ],
)
def test_debug_off_refuses_an_email_backend_that_sends_nothing(backend):
    stderr = refused({**without("EMAIL_URL"), "EMAIL_BACKEND": backend})
    assert "sends nothing" in stderr


def test_debug_off_refuses_to_start_with_no_way_to_send_email():
    assert "No way to send email" in refused(without("EMAIL_URL"))


def test_a_provider_backend_is_accepted_without_email_url():
    backend = "anymail.backends.postmark.EmailBackend"
    assert loaded({**without("EMAIL_URL"), "EMAIL_BACKEND": backend})["EMAIL_BACKEND"] == backend


def test_a_local_trial_writes_emails_to_files_under_var():
    # `make run`: DEBUG on, nothing else set. Emails go to var/mail, not to the terminal.
    values = loaded({"DEBUG": "1"})
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(values["EMAIL_FILE_PATH"]) == ROOT / "var" / "mail"
    assert values["SECRET_KEY"].startswith("insecure-local")


def test_debug_off_on_the_embedded_database_still_secures_cookies():
    secure = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"]
    assert loaded(without("DATABASE_URL"), secure) == dict.fromkeys(secure, True)
