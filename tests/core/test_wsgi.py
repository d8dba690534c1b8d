"""The WSGI module gunicorn loads: the URLconf loaded up front, the start-up state frozen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = """
import gc, json, sys
import civicportal.wsgi
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "views_loaded": "proposals.views" in sys.modules and "alerts.views" in sys.modules,
}))
"""


def test_wsgi_module_loads_the_urlconf_and_freezes_what_it_built():
    # A fresh interpreter, as a gunicorn worker: the test process has imported far more.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicportal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["views_loaded"]
    assert state["frozen"] > 50_000  # the apps, models, settings and views
