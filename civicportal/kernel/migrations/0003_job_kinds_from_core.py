"""The platform's own kinds of background job are named after the app that holds them:
``core.check`` and ``core.personal_data_export`` became ``kernel.*`` when jobs moved to the
kernel. Existing rows follow, so their pages still find their kind (title, permission)."""

from django.db import migrations

KINDS = {
    "core.check": "kernel.check",
    "core.personal_data_export": "kernel.personal_data_export",
}


def kinds_to_kernel(apps, schema_editor):
    Job = apps.get_model("kernel", "Job")
    for old, new in KINDS.items():
        Job.objects.filter(kind=old).update(kind=new)


def kinds_to_core(apps, schema_editor):
    Job = apps.get_model("kernel", "Job")
    for old, new in KINDS.items():
        Job.objects.filter(kind=new).update(kind=old)


class Migration(migrations.Migration):
    dependencies = [
        ("kernel", "0002_content_types_from_core"),
    ]

    operations = [
        migrations.RunPython(kinds_to_kernel, reverse_code=kinds_to_core),
    ]
