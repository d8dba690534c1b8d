"""The content types of background jobs and API tokens follow them from core to the kernel,
so that what points at them (permissions and the groups holding them, the admin's log, the
audit log) still does: relabelled in place, their ids unchanged.

A new database has none yet (content types are made after the migrations): nothing to do.
Where the kernel already has one (a ``migrate`` stopped halfway made it), the core's is left
as it is, as Django's own renaming of content types does; ``remove_stale_contenttypes``
deals with it.
"""

from django.db import migrations

MODELS = ("job", "apitoken")


def _relabel(apps, old_label: str, new_label: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label=new_label, model=model).exists():
            continue
        ContentType.objects.filter(app_label=old_label, model=model).update(app_label=new_label)


def content_types_to_kernel(apps, schema_editor):
    _relabel(apps, "core", "kernel")


def content_types_to_core(apps, schema_editor):
    _relabel(apps, "kernel", "core")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("kernel", "0001_jobs_and_api_tokens_from_core"),
    ]

    operations = [
        migrations.RunPython(content_types_to_kernel, reverse_code=content_types_to_core),
    ]
