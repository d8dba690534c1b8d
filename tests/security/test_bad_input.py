"""Bad input gets a clear message and changes nothing, never a 500 (specification §10).

Control characters (U+0001, an escape...) and NUL are refused wherever text comes in: every
form field and API field of every module (``civicportal.kernel.validators``), query strings,
paths and cookies (``civicportal.core.middleware``), and imported files (census, Pabulib).
The coverage tests walk every form and serializer class of the project, so a form written
tomorrow is checked too.
"""

from __future__ import annotations

import importlib
import io
import pkgutil

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template import loader
from django.test import RequestFactory
from django.urls import resolve
from rest_framework import serializers
from rest_framework.test import APIClient

from budgeting import services as budgeting_services
from budgeting.models import BudgetProcess, Project
from civicportal.accounts import services as accounts_services
from civicportal.accounts.census import hash_census_file, hash_identifier, parse_census_file
from civicportal.accounts.models import CensusEntry
from civicportal.kernel.validators import reject_control_characters
from proposals.models import Idea
from tests.accounts.factories import AreaFactory, UserFactory
from tests.proposals.factories import CategoryFactory

pytestmark = pytest.mark.django_db

PROJECT_PACKAGES = ("civicportal", "proposals", "consultations", "budgeting", "alerts")
# Third-party forms the portal serves: the admin's and Django's account forms, allauth's.
SERVED_PACKAGES = (*PROJECT_PACKAGES, "django.contrib.admin", "django.contrib.auth", "allauth")
HOSTILE = "Park\x01bench"


def _import_project_modules() -> None:
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".migrations" in module.name or module.name.endswith(".wsgi"):
                continue
            importlib.import_module(module.name)
    importlib.import_module("allauth.account.forms")
    importlib.import_module("allauth.mfa.base.forms")


def _subclasses(base: type) -> list[type]:
    found, stack = [], [base]
    while stack:
        for cls in stack.pop().__subclasses__():
            if cls not in found:
                found.append(cls)
                stack.append(cls)
    return found


def _refuses(field: forms.Field) -> bool:
    # A field made of fields (a date and a time) takes one value for each.
    value = [HOSTILE] * len(field.fields) if isinstance(field, forms.MultiValueField) else HOSTILE
    try:
        field.clean(value)
    except ValidationError as error:
        return "control character" in " ".join(error.messages)
    return False


# --- The validator ----------------------------------------------------------------------


def test_control_characters_are_refused_naming_the_character_and_where():
    with pytest.raises(ValidationError) as error:
        reject_control_characters("Road closed\x1b[31m")
    assert error.value.code == "control_characters"
    assert "(U+001B) at position 12" in error.value.messages[0]


@pytest.mark.parametrize("text", ["Line one\r\nline two", "a\ttab", "Þórsgata 1 — ný", "€ ✓ 🚲"])
def test_tab_newlines_and_any_printable_character_are_accepted(text):
    reject_control_characters(text)


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f"])
def test_nul_every_other_c0_control_and_del_are_refused(character):
    with pytest.raises(ValidationError):
        reject_control_characters(f"ok{character}ok")


# --- Every form and every API field ---------------------------------------------------


def test_every_field_of_every_form_refuses_control_characters():
    _import_project_modules()
    checked, missed = [], []
    for form_class in _subclasses(forms.BaseForm):
        if not form_class.__module__.startswith(SERVED_PACKAGES):
            continue
        for name, field in form_class.base_fields.items():
            if not field.disabled:
                label = f"{form_class.__module__}.{form_class.__qualname__}.{name}"
                (checked if _refuses(field) else missed).append(label)
    assert not missed, missed
    # The walk did reach the modules' forms (and the third-party ones they serve).
    for expected in (
        "proposals.forms.IdeaForm.title",
        "proposals.forms.IdeaForm.category",  # a model choice: looked up in the database
        "consultations.forms",
        "budgeting.forms.ProjectSubmitForm.description",
        "civicportal.core.forms.CommentForm.body",
        "civicportal.notifications.forms",
        "allauth.account.forms",
    ):
        assert any(label.startswith(expected) for label in checked), expected


def test_every_field_of_every_admin_form_refuses_control_characters():
    request = RequestFactory().get("/admin/")
    request.resolver_match = resolve("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    missed, checked = [], 0
    for model, model_admin in admin.site._registry.items():
        form_classes = [model_admin.get_form(request)]
        form_classes += [
            i.get_formset(request).form for i in model_admin.get_inline_instances(request)
        ]
        for form_class in form_classes:
            for name, field in form_class.base_fields.items():
                if not field.disabled:
                    checked += 1
                    if not _refuses(field):
                        missed.append(f"{model._meta.label}.{name}")
    assert not missed, missed
    assert checked > 20


def _writable_fields(serializer, prefix=""):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.ListField | serializers.DictField):
            field = field.child
        if isinstance(field, serializers.BaseSerializer):
            yield from _writable_fields(field, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", field


def test_every_writable_field_of_every_api_serializer_refuses_control_characters():
    _import_project_modules()
    checked, missed = [], []
    for serializer_class in _subclasses(serializers.BaseSerializer):
        if not serializer_class.__module__.startswith(PROJECT_PACKAGES):
            continue
        serializer = serializer_class()
        for name, field in _writable_fields(serializer):
            label = f"{serializer_class.__module__}.{serializer_class.__qualname__}.{name}"
            try:
                field.run_validation(HOSTILE)
            except serializers.ValidationError as error:
                if "control character" in str(error.detail):
                    checked.append(label)
                    continue
            missed.append(label)
    assert not missed, missed
    for expected in (
        "proposals.api.serializers.IdeaCreateSerializer.title",
        "proposals.api.serializers.IdeaCreateSerializer.area",  # a slug, looked up
        "proposals.api.serializers.PointCreateSerializer.text",
        "consultations.api.serializers",
        "civicportal.core.api.serializers",
    ):
        assert any(label.startswith(expected) for label in checked), expected


def test_json_fields_refuse_an_escaped_control_character():
    with pytest.raises(ValidationError, match="U\\+0001"):
        forms.JSONField().clean('{"note": "a\\u0001b"}')
    with pytest.raises(serializers.ValidationError, match="U\\+0000"):
        serializers.JSONField().run_validation({"note": ["ok", "a\x00b"]})


def test_idea_form_with_a_control_character_says_so_and_stores_nothing(client):
    category = CategoryFactory()
    client.force_login(UserFactory())
    response = client.post(
        "/ideas/new/",
        {"title": "Bench\x01 in the park", "body": "Somewhere to sit.", "category": category.pk},
    )
    assert response.status_code == 400
    assert "invisible control character (U+0001) at position 6" in response.text
    assert not Idea.objects.exists()


def test_idea_api_with_a_control_character_answers_400_naming_the_field():
    category = CategoryFactory()
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.post(
        "/api/v1/ideas/",
        {"title": "Bench", "body": "Somewhere\x0c to sit.", "category": category.slug},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "control character (U+000C)" in fields["body"][0]
    assert not Idea.objects.exists()


# --- Query strings, paths, cookies ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/alerts/?area=%00", "/ideas/?q=%01", "/consultations/?area=%00", "/budget/?x=%1b"],
)
def test_a_page_with_a_control_character_in_its_query_answers_400_saying_which(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Error 400" in response.text  # the portal's page, in its style
    assert "contains an invisible control character" in response.text


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/ideas/?area=%00", "area"),
        ("/api/v1/ideas/?category=%00", "category"),
        ("/api/v1/ideas/?q=%00", "q"),
        ("/api/v1/alerts/?area=%00", "area"),
        ("/api/v1/consultations/?area=x%02", "area"),
        ("/api/v1/areas/?search=%00", "search"),
    ],
)
def test_an_api_filter_with_a_control_character_answers_400_in_the_api_format(url, parameter):
    response = APIClient().get(url)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid"
    assert f"“{parameter}”" in error["fields"][parameter][0]
    assert "(U+00" in error["message"]


def test_a_path_with_a_control_character_answers_400(client):
    assert client.get("/ideas/%00/").status_code == 400
    assert APIClient().get("/api/v1/areas/a%01b/").status_code == 400


def test_tabs_and_newlines_in_a_query_are_let_through(client):
    assert client.get("/ideas/?q=bike%09lane%0A").status_code == 200


def test_a_cookie_with_a_nul_is_ignored_not_a_500(client):
    # A quoted cookie may carry an octal escape; Django turns it into a NUL character, and
    # the session key then reached the database.
    response = client.get("/", HTTP_COOKIE='sessionid="abcdefghijkl\\000mnopqrstuv"')
    assert response.status_code == 200
    response = APIClient().get("/api/v1/me/", HTTP_COOKIE='sessionid="abcdefgh\\000ijklmnop"')
    assert response.status_code in (401, 403)


def test_djangos_own_400_page_renders_without_a_request(client):
    # The 400 page is also what Django renders, with no context, for a malformed request.
    assert "Error 400" in loader.get_template("400.html").render()
    response = client.get("/ideas/?" + "&".join(f"a{n}=1" for n in range(1100)))
    assert response.status_code == 400


# --- Imports ------------------------------------------------------------------------------


def test_census_import_refuses_control_characters_naming_each_line():
    area = AreaFactory(slug="old-town")
    good = hash_identifier("120174-3389")
    text = (
        f"identifier_hash,area\n{good},old-town\n{hash_identifier('2')},old\x00town\n"
        f"{hash_identifier('3')},old-town\x1b\n"
    )
    with pytest.raises(ValidationError) as error:
        accounts_services.census_import(file=io.BytesIO(text.encode()), actor=None)
    messages = error.value.messages
    assert messages[0].startswith("Line 3: an invisible control character (U+0000)")
    assert messages[1].startswith("Line 4: an invisible control character (U+001B)")
    assert not CensusEntry.objects.exists()
    assert area.slug == "old-town"


def test_census_parse_and_hash_refuse_control_characters():
    with pytest.raises(ValidationError, match="Line 2: an invisible control character"):
        parse_census_file(io.StringIO(f"identifier_hash\n{'a' * 63}\x01\n"), known_area_slugs=[])
    out = io.StringIO()
    with pytest.raises(ValidationError, match="Line 3: an invisible control character"):
        hash_census_file(io.StringIO("identifier\n1201743389\n120174\x083390\n"), out)
    assert out.getvalue() == ""


PABULIB = """META
key;value
num_projects;2
num_votes;2
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
1;40;Park
2;60;Ben\x00ch
VOTES
voter_id;vote
a;1
b;2
"""


def test_pabulib_import_refuses_control_characters_naming_the_line():
    with pytest.raises(
        ValidationError, match=r"Line 10: an invisible control character \(U\+0000\)"
    ):
        budgeting_services.pabulib_import(actor=None, source=PABULIB)
    assert not BudgetProcess.objects.exists()
    assert not Project.objects.exists()
