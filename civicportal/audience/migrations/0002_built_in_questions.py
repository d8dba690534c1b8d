"""The built-in profile questions: age band (with its bands) and district (the areas)."""

from django.db import migrations

AGE_BANDS = [
    ("under-18", "Under 18"),
    ("18-24", "18 to 24"),
    ("25-34", "25 to 34"),
    ("35-44", "35 to 44"),
    ("45-54", "45 to 54"),
    ("55-64", "55 to 64"),
    ("65-74", "65 to 74"),
    ("75-plus", "75 or over"),
]


def add_built_in(apps, schema_editor):
    ProfileQuestion = apps.get_model("audience", "ProfileQuestion")
    ProfileChoice = apps.get_model("audience", "ProfileChoice")
    age, _created = ProfileQuestion.objects.get_or_create(
        key="age-band",
        defaults={"label": "Your age band", "kind": "choices", "order": 10, "built_in": True},
    )
    for order, (key, label) in enumerate(AGE_BANDS, start=1):
        ProfileChoice.objects.get_or_create(
            question=age, key=key, defaults={"label": label, "order": order * 10}
        )
    ProfileQuestion.objects.get_or_create(
        key="district",
        defaults={
            "label": "The district you live in",
            "kind": "areas",
            "order": 20,
            "built_in": True,
        },
    )


def remove_built_in(apps, schema_editor):
    ProfileQuestion = apps.get_model("audience", "ProfileQuestion")
    ProfileQuestion.objects.filter(key__in=["age-band", "district"], built_in=True).delete()


class Migration(migrations.Migration):
    dependencies = [("audience", "0001_visits_participations_profile")]

    operations = [migrations.RunPython(add_built_in, remove_built_in)]
