"""Background jobs and API tokens now belong to the kernel (issue 19): the core forgets its
two models, in its state only. Their tables, with every row, became the kernel's in
``kernel.0001_jobs_and_api_tokens_from_core``, which runs first."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_background_jobs"),
        ("kernel", "0001_jobs_and_api_tokens_from_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="Job"),
            ],
        ),
    ]
