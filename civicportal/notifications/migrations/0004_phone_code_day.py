# Schema only: the daily count of phone verification codes (the global SMS budget).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_delivery_event_index_covered"),
    ]

    operations = [
        migrations.CreateModel(
            name="PhoneCodeDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(unique=True, verbose_name="day")),
                (
                    "codes_sent",
                    models.PositiveIntegerField(default=0, verbose_name="codes sent"),
                ),
            ],
            options={
                "verbose_name": "phone codes sent on a day",
                "verbose_name_plural": "phone codes sent by day",
                "ordering": ["-day"],
            },
        ),
    ]
