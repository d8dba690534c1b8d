"""The demo city in tests: seed_demo runs only with DEBUG on, as in a local trial."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import override_settings


def seed_demo(*args: str, **options) -> str:
    """Run ``manage.py seed_demo`` as `make run` does (DEBUG on) and return what it printed."""
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()
