"""The README's table of settings, made from the settings module's own source.

Every environment variable the portal reads goes through one of the ``env_*`` helpers in
``civicportal/settings.py`` with a literal name; the comment just above the read (or at the
end of its line) is its documentation. This module finds those reads with ``ast``, so the
table lists every variable the code reads, with the default the code uses, and a setting
without a comment is an error rather than a silent gap. Variables that only
``docker-compose.yml`` or the ``Makefile`` read are documented here, beside the check that
they exist there.

``python manage.py settings_table --write README.md`` rewrites the table between its markers;
``tests/core/test_settings_reference.py`` fails when the README's copy is out of date.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_list", "env_prefixed"}
START_MARKER = "<!-- settings-table:start (made by `python manage.py settings_table`) -->"
END_MARKER = "<!-- settings-table:end -->"
SECTION_RE = re.compile(r"^# --- (?P<title>.+?) -+$")

# Read by docker-compose.yml only (the containers' settings are in the table above them).
COMPOSE_VARIABLES = {
    "POSTGRES_PASSWORD": "Password of the `postgres` service's database user (required).",
    "SITE_DOMAIN": (
        "The portal's domain name, for which the proxy obtains or loads the TLS certificate "
        "(required)."
    ),
    "PROXY_TLS": (
        "Where the proxy's HTTPS certificate comes from: `auto` (Let's Encrypt, default), "
        "`files` (the council's own, in PROXY_CERTS_DIR) or `internal` (Caddy's own "
        "authority, test servers only)."
    ),
    "PROXY_CERTS_DIR": (
        "With PROXY_TLS=files: the host folder holding `fullchain.pem` and `privkey.pem` "
        "(default `./deploy/certs`)."
    ),
    "WEB_CONCURRENCY": "gunicorn worker processes of the `web` service (default 3).",
    "WORKER_CONCURRENCY": (
        "Celery worker processes of the `worker` service: everything but alerts (default 2)."
    ),
    "ALERT_WORKER_CONCURRENCY": (
        "Celery worker processes of the `worker-alerts` service: alert fan-outs, emails, "
        "pushes, in-app notices and posts (default 3)."
    ),
    "SMS_WORKER_CONCURRENCY": (
        "Celery worker processes of the `worker-sms` service: alert texts, paced at the "
        "gateway's rate whatever their number (default 1)."
    ),
}

# Read by the Makefile (`make run`, `make test`).
MAKE_VARIABLES = {
    "PYTHON": "Python 3.11 or later that makes the virtual environment (default python3).",
    "HOST": "Address `make run` serves on (default 127.0.0.1; 0.0.0.0 for other machines).",
    "PORT": "Port `make run` serves on (default 8000).",
    "SEED_DEMO": (
        "`make run SEED_DEMO=1` seeds the demo city into a database that is not empty or not "
        "the embedded default (never do this on a council's database)."
    ),
    "TEST_DATABASE_URL": (
        "PostgreSQL server `make test` uses (default postgres://root@127.0.0.1:5432/civicportal)."
    ),
    "TEST_REDIS_URL": "Redis database `make test` uses (default redis://127.0.0.1:6379/1).",
    "TEST_E2E_DATABASE_URL": (
        "PostgreSQL database of the browser journeys in `make test`, which run beside the other "
        "tests (default postgres://root@127.0.0.1:5432/civicportal_e2e)."
    ),
    "TEST_E2E_REDIS_URL": (
        "Redis database of the browser journeys in `make test` (default redis://127.0.0.1:6379/3)."
    ),
    "PYTEST_ARGS": (
        "Extra arguments for both pytest runs on PostgreSQL in `make test` (the other tests and "
        "the browser journeys), e.g. `-k alerts -x`."
    ),
    "E2E_EMBEDDED_ARGS": (
        "Extra arguments for the browser journeys' second pass on the embedded default "
        "(SQLite) in `make test`, e.g. `-k ballot`."
    ),
}


class UndocumentedSetting(Exception):
    """A variable is read without a comment saying what it is for."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    description: str
    section: str


def _comments(source: str) -> dict[int, tuple[str, bool]]:
    """Line number -> (comment text, whether the comment is alone on its line)."""
    comments: dict[int, tuple[str, bool]] = {}
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            alone = not lines[row - 1][:col].strip()
            comments[row] = (token.string.lstrip("#").strip(), alone)
    return comments


def _comment_block_above(line: int, comments: dict[int, tuple[str, bool]]) -> list[str]:
    block: list[str] = []
    row = line - 1
    while row in comments and comments[row][1] and not SECTION_RE.match(f"# {comments[row][0]}"):
        block.insert(0, comments[row][0])
        row -= 1
    return block


def _describe(call: ast.Call, statement: ast.stmt, comments) -> str:
    trailing = comments.get(call.lineno)
    if trailing and not trailing[1]:
        text = trailing[0]
    else:
        block = _comment_block_above(call.lineno, comments)
        if not block and call.lineno == statement.lineno:
            # NAME = env_str(
            #     "NAME", ...)  -- the comment stands above the statement.
            block = _comment_block_above(statement.lineno, comments)
        text = " ".join(block)
    return re.sub(r"\s*noqa:.*$", "", text).strip()


def _default(call: ast.Call, source: str) -> str:
    helper = call.func.id  # type: ignore[attr-defined]
    if helper == "env_prefixed":
        return ""
    node = call.args[1] if len(call.args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "default":
            node = keyword.value
    if node is None:
        return {"env_bool": "False", "env_int": ""}.get(helper, "")
    if isinstance(node, ast.Constant):
        return str(node.value)
    return ast.get_source_segment(source, node) or ""


def _sections(source: str) -> list[tuple[int, str]]:
    return [
        (number, match.group("title"))
        for number, line in enumerate(source.splitlines(), start=1)
        if (match := SECTION_RE.match(line.strip()))
    ]


def settings_variables(path: Path) -> list[Variable]:
    """Every variable ``path`` reads through an ``env_*`` helper, in the file's order.

    Raises ``UndocumentedSetting`` naming each read without a comment, or whose name is not
    a literal (the table could not list it).
    """
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    comments = _comments(source)
    sections = _sections(source)
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent

    found: dict[str, Variable] = {}
    undocumented: dict[str, int] = {}
    problems: list[str] = []
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ENV_HELPERS
    ]
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
        if not call.args or not isinstance(call.args[0], ast.Constant):
            problems.append(f"line {call.lineno}: the variable's name is not a literal string")
            continue
        name = call.args[0].value
        if call.func.id == "env_prefixed":
            name = f"{name}*"
        statement = call
        while not isinstance(statement, ast.stmt):
            statement = parents[statement]
        description = _describe(call, statement, comments)
        # A variable read in several places is documented where a comment stands above one
        # of its reads (e.g. the digest hour, read for the daily and the weekly schedule).
        if name in found:
            continue
        if not description:
            undocumented.setdefault(name, call.lineno)
            continue
        section = next((t for line, t in reversed(sections) if line < call.lineno), "")
        found[name] = Variable(name, _default(call, source), description, section)
    problems += [
        f"line {line}: {name} has no comment saying what it does"
        for name, line in undocumented.items()
        if name not in found
    ]
    if problems:
        raise UndocumentedSetting("; ".join(problems))
    return list(found.values())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default_cell(default: str) -> str:
    return f"`{_cell(default)}`" if default else ""


def render_table(variables: list[Variable]) -> str:
    lines = [START_MARKER, ""]
    section = None
    for variable in variables:
        if variable.section != section:
            section = variable.section
            lines += ["", f"#### {section}", "", "| Variable | Default | What it does |"]
            lines.append("|---|---|---|")
        lines.append(
            f"| `{variable.name}` | {_default_cell(variable.default)} "
            f"| {_cell(variable.description)} |"
        )
    for title, documented in (
        ("docker-compose.yml", COMPOSE_VARIABLES),
        ("Makefile", MAKE_VARIABLES),
    ):
        lines += ["", f"#### Read by {title} only", "", "| Variable | What it does |", "|---|---|"]
        lines += [f"| `{name}` | {_cell(text)} |" for name, text in documented.items()]
    lines += ["", END_MARKER]
    return "\n".join(lines[:2] + lines[3:])  # no blank line doubled after the start marker


def replace_table(document: str, table: str) -> str:
    """``document`` with the text between the markers replaced by ``table``."""
    start = document.find(START_MARKER)
    end = document.find(END_MARKER)
    if start < 0 or end < start:
        raise ValueError("the document has no settings-table markers")
    return document[:start] + table + document[end + len(END_MARKER) :]


def compose_variables(compose_text: str) -> set[str]:
    """Names docker-compose.yml interpolates (``${NAME}``, ``${NAME:-x}``, ``${NAME:?x}``)."""
    return set(re.findall(r"\$\{(\w+)", compose_text))


def make_variables(makefile_text: str) -> set[str]:
    """Names the Makefile lets a caller set (``NAME ?= ...``)."""
    return set(re.findall(r"^(\w+) \?=", makefile_text, flags=re.MULTILINE))
