"""Personal API tokens, stored as digests (core.ApiToken)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_moderation_state_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64, unique=True, verbose_name="digest")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                (
                    "second_factor",
                    models.BooleanField(
                        default=False,
                        help_text=(
                            "Created from a sign-in that passed two-factor authentication; "
                            "staff powers through the API need it."
                        ),
                        verbose_name="second factor",
                    ),
                ),
                (
                    "fingerprint",
                    models.CharField(
                        help_text=(
                            "SHA-256 of the account's password hash, authenticators, staff "
                            "status and roles when the token was created: any change ends "
                            "the token."
                        ),
                        max_length=64,
                        verbose_name="fingerprint",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_token",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
            },
        ),
    ]
