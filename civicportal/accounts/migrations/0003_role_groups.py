"""Create the staff role groups (names as in civicportal/accounts/roles.py, frozen here)."""

from django.db import migrations

ROLE_GROUPS = (
    "Moderator",
    "Budget officer",
    "Consultation manager",
    "Alert author",
    "Alert approver",
    "Administrator",
)


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def delete_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_residency_and_census"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_role_groups, delete_role_groups),
    ]
