"""The README's table of settings lists every variable the portal, compose and make read."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from civicportal.core import settings_reference

ROOT = Path(settings.BASE_DIR)
SETTINGS_FILE = ROOT / "civicportal" / "settings.py"


def table_rows(document: str) -> set[str]:
    start = document.index(settings_reference.START_MARKER)
    end = document.index(settings_reference.END_MARKER)
    return set(re.findall(r"^\| `([A-Z0-9_*]+)` \|", document[start:end], flags=re.MULTILINE))


def test_readme_carries_the_table_made_from_the_settings_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    out = io.StringIO()
    call_command("settings_table", stdout=out)
    start = readme.index(settings_reference.START_MARKER)
    end = readme.index(settings_reference.END_MARKER) + len(settings_reference.END_MARKER)
    assert readme[start:end] == out.getvalue().rstrip("\n"), (
        "README.md's table of settings is out of date: run "
        "`python manage.py settings_table --write README.md`"
    )


def test_every_variable_read_in_settings_is_in_the_readme():
    # Independent of the parser: every quoted upper-case name passed to an env_* helper.
    source = SETTINGS_FILE.read_text(encoding="utf-8")
    read = set(re.findall(r'env_(?:str|int|bool|list)\(\s*"([A-Z0-9_]+)"', source))
    read |= {f"{p}*" for p in re.findall(r'env_prefixed\(\s*"([A-Z0-9_]+)"', source)}
    assert len(read) > 100
    rows = table_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    assert read - rows == set()


def test_settings_read_the_environment_only_through_the_documented_helpers():
    source = SETTINGS_FILE.read_text(encoding="utf-8")
    helpers = source[: source.index("# --- Core")]
    rest = source[len(helpers) :]
    assert "os.environ" not in rest and "getenv" not in rest


def test_every_compose_and_make_variable_is_documented():
    compose = settings_reference.compose_variables((ROOT / "docker-compose.yml").read_text())
    make = settings_reference.make_variables((ROOT / "Makefile").read_text())
    setting_names = {v.name for v in settings_reference.settings_variables(SETTINGS_FILE)}
    assert compose - setting_names - set(settings_reference.COMPOSE_VARIABLES) == set()
    assert make - setting_names - set(settings_reference.MAKE_VARIABLES) == set()
    # ... and nothing is documented there that they no longer read.
    assert set(settings_reference.COMPOSE_VARIABLES) - compose == set()
    assert set(settings_reference.MAKE_VARIABLES) - make - {"PYTEST_ARGS"} == set()


def test_env_example_names_only_documented_variables():
    text = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    rows = table_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    assert named and named - rows == set()


def test_a_setting_read_without_a_comment_is_refused(tmp_path):
    module = tmp_path / "settings.py"
    module.write_text(
        "# --- Core ----\n"
        "# The portal's name.\n"
        'SITE_NAME = env_str("SITE_NAME", "x")\n'
        'SITE_COLOUR = env_str("SITE_COLOUR", "red")\n'
    )
    with pytest.raises(settings_reference.UndocumentedSetting, match="SITE_COLOUR"):
        settings_reference.settings_variables(module)


def test_the_comment_above_a_read_and_its_default_make_its_row(tmp_path):
    module = tmp_path / "settings.py"
    module.write_text(
        "# --- Mail ----\n"
        "# Seconds to wait for the relay.\n"
        'EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)\n'
        'ANYMAIL = env_prefixed("ANYMAIL_")  # A provider\'s keys.\n'
    )
    table = settings_reference.render_table(settings_reference.settings_variables(module))
    assert "#### Mail" in table
    assert "| `EMAIL_TIMEOUT` | `20` | Seconds to wait for the relay. |" in table
    assert "| `ANYMAIL_*` |  | A provider's keys. |" in table


def test_write_refuses_a_document_without_markers(tmp_path):
    document = tmp_path / "README.md"
    document.write_text("# No table here\n")
    with pytest.raises(CommandError, match="no settings-table markers"):
        call_command("settings_table", write=str(document), stdout=io.StringIO())
    assert document.read_text() == "# No table here\n"
