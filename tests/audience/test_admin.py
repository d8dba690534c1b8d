"""Administrators keep the questions and the population figures in the admin; a figure
that does not fit its question is refused with a message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicportal.audience.models import PopulationFigure, ProfileQuestion

pytestmark = pytest.mark.django_db


def test_an_administrator_enters_a_population_figure(client, administrator):
    age = ProfileQuestion.objects.get(key="age-band")
    choice = age.choices.get(key="18-24")
    client.force_login(administrator)
    url = reverse("admin:audience_populationfigure_add")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"question": age.pk, "choice": choice.pk, "count": "4120", "source_note": "Census 2021"},
    )
    assert response.status_code == 302
    assert PopulationFigure.objects.get().count == 4120


def test_a_figure_for_another_questions_choice_or_twice_is_refused(client, administrator, area):
    age = ProfileQuestion.objects.get(key="age-band")
    district = ProfileQuestion.objects.get(key="district")
    client.force_login(administrator)
    url = reverse("admin:audience_populationfigure_add")
    response = client.post(
        url, {"question": district.pk, "choice": age.choices.first().pk, "count": "10"}
    )
    assert response.status_code == 200
    assert "This question is answered with an area" in response.content.decode()
    client.post(url, {"question": district.pk, "area": area.pk, "count": "900"})
    response = client.post(url, {"question": district.pk, "area": area.pk, "count": "901"})
    assert response.status_code == 200
    assert "This area has a population figure already." in response.content.decode()
    assert list(PopulationFigure.objects.values_list("count", flat=True)) == [900]


def test_the_question_screens_open_and_built_in_questions_cannot_be_deleted(client, administrator):
    age = ProfileQuestion.objects.get(key="age-band")
    client.force_login(administrator)
    assert client.get(reverse("admin:audience_profilequestion_changelist")).status_code == 200
    page = client.get(reverse("admin:audience_profilequestion_change", args=[age.pk]))
    assert page.status_code == 200 and "18-24" in page.content.decode()
    assert (
        client.get(reverse("admin:audience_profilequestion_delete", args=[age.pk])).status_code
        == 403
    )


def test_the_admin_screens_are_for_administrators(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("admin:audience_populationfigure_changelist")).status_code == 403
