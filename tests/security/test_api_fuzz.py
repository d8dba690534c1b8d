"""The whole API answers bad input with 4xx, never 5xx (specification §10).

Schemathesis reads the OpenAPI schema the portal serves (``/api/schema/``) and sends every
operation generated requests, both valid and invalid ones (wrong types, too long, missing
fields), in-process through the real middleware, views and PostgreSQL. On top of its own
strings, every string it generates for a path, a query or a body may be swapped for one of
``HOSTILE``: NUL, other control characters, very long text, formulas. Path parameters are
also pointed at objects that exist (an idea, a consultation, a budget...), so the requests
reach the code behind the 404. It runs once anonymously and once as a signed-in resident
(session and CSRF token, as the browser app sends them).

Bounded: ``EXAMPLES`` cases per operation, derandomised so that a run is reproducible.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from civicportal.wsgi import application
from consultations.models import Question
from tests.accounts.factories import AreaFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProjectFactory
from tests.conftest import _clear_cache_keys
from tests.consultations.factories import ConsultationFactory, QuestionFactory
from tests.proposals.factories import CategoryFactory, idea_post, point_post

pytestmark = pytest.mark.django_db

EXAMPLES = 25
CSRF = "f" * 32  # a CSRF secret: the cookie and the header carry the same value
HOSTILE = [
    "\x00",
    "park\x00",
    "\x01",
    "old-town\x1b[2J",
    "a\x08b\x0bc\x0cd",
    "\x7f",
    "\ufffe",
    "x" * 100_000,
    '=HYPERLINK("https://evil.example")',
    "' OR 1=1 --",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "%00",
    "",
    " ",
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure is reported as found
    suppress_health_check=list(HealthCheck),
)


def _hostile(value):
    """A strategy giving ``value`` or, for every string inside it, sometimes a hostile one."""
    if isinstance(value, str):
        return st.one_of(st.just(value), st.sampled_from(HOSTILE), st.just(value + "\x00"))
    if isinstance(value, dict):
        return st.fixed_dictionaries({key: _hostile(item) for key, item in value.items()})
    if isinstance(value, list):
        return st.tuples(*(_hostile(item) for item in value)).map(list)
    return st.just(value)


@pytest.fixture
def _keep_the_test_transaction():
    """The WSGI handler closes the database connection around each request, which would end
    the test's transaction: disconnect that, as Django's own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, _keep_the_test_transaction):
    """Objects for path parameters to point at: the ids and slugs they may take."""
    area = AreaFactory(slug="old-town")
    author = UserFactory(verified=True, home_area=area)
    category = CategoryFactory(slug="transport")
    idea = idea_post(author, category=category, area=area)
    point = point_post(author, idea, text="Good for older people.")
    consultation = ConsultationFactory(area=area)
    QuestionFactory(consultation=consultation, kind=Question.Kind.TEXT, max_length=200)
    QuestionFactory(consultation=consultation, choices=["Yes", "No"])
    project = ProjectFactory(
        ballot=BallotFactory(process__slug="park-budget", process__voting_closes=_next_week())
    )
    return {
        "idea": idea.pk,
        "point": point.pk,
        "consultation": consultation.slug,
        "process": project.process.slug,
        "area": area.slug,
        "project": project.pk,
        "ballot_id": project.ballot_id,
        "target": ["proposals.idea", "budgeting.project", "consultations.consultation"],
        "object_id": [idea.pk, project.pk, consultation.pk],
    }


def _next_week():
    return timezone.now() + timedelta(days=7)


def _known(world: dict, path: str, name: str) -> list:
    path = path.removeprefix("/api/v1")
    if name == "id":
        if path.startswith("/ideas/points/"):
            return [world["point"]]
        if path.startswith("/ideas/"):
            return [world["idea"]]
        if "/projects/" in path:
            return [world["project"]]
        return []
    if name == "slug":
        for prefix, key in (("/budget/", "process"), ("/consultations/", "consultation")):
            if path.startswith(prefix):
                return [world[key]]
        return [world["area"]]
    value = world.get(name, [])
    return value if isinstance(value, list) else [value]


def _load(world: dict):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not path_parameters:
            return st.just(path_parameters)
        path = context.operation.path
        options = {}
        for name, value in path_parameters.items():
            known = _known(world, path, name)
            options[name] = st.one_of(
                st.sampled_from(known) if known else st.just(value), _hostile(value)
            )
        return st.fixed_dictionaries(options)

    @schema.hook
    def flatmap_query(context, query):
        return _hostile(query)

    @schema.hook
    def flatmap_body(context, body):
        return _hostile(body)

    return schema


def _describe(error: BaseException) -> str:
    """What went wrong, in a few lines (the server's traceback is in the captured log)."""
    causes = getattr(error, "exceptions", None) or [error]
    lines = []
    for cause in causes:
        text = f"{type(cause).__name__}: {cause}"
        lines.append(text if len(text) < 1500 else f"{text[:1500]}…")
    notes = [n for n in getattr(error, "__notes__", []) if "curl" in n]
    return "\n".join(lines + [n[:1500] for n in notes])


def _fuzz(world: dict, **call_kwargs) -> int:
    """Every operation, valid and invalid cases; returns the number of operations run."""
    schema = _load(world)
    failures, count = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = [
            operation.as_strategy(generation_mode=mode)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]

        @FUZZ_SETTINGS
        @given(case=st.one_of(strategies))
        def run(case):
            _clear_cache_keys()  # the throttles would answer 429 after a few dozen requests
            response = case.call(**call_kwargs)
            case.validate_response(response, checks=[not_a_server_error])

        count += 1
        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # every operation is tried and reported
            failures.append(f"{operation.label}: {_describe(error)}")
    assert not failures, "\n\n".join(failures)
    return count


def test_the_api_answers_anonymous_bad_input_without_a_server_error(world):
    assert _fuzz(world) >= 40


def test_the_api_answers_a_residents_bad_input_without_a_server_error(world):
    client = Client()
    client.force_login(UserFactory(verified=True, home_area=AreaFactory(slug="north")))
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}
    assert _fuzz(world, cookies=cookies, headers={"X-CSRFToken": CSRF}) >= 40
