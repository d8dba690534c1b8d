"""Delete the API tokens of DRF's ``rest_framework.authtoken``, which stored each key as is.

Their keys cannot be turned into digests usefully (a digest of a key anyone who read the
table knows protects nothing), so residents create a new token (core.ApiToken, stored as a
digest) after this upgrade. The app is no longer installed, so its table is dropped here, and
its migration records with it, so that the app could be installed again cleanly. On a
database that never had the app, both statements do nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_api_tokens"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            # The raw keys are gone for good; going back leaves no table to restore.
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
