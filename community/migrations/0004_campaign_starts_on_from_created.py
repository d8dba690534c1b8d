"""Campaigns made before they had dates start on the day they were created (the schema
migration gave them the day it ran), so their page and the hashtag pull tell the truth."""

from django.db import migrations
from django.utils import timezone


def starts_on_from_created(apps, schema_editor):
    Campaign = apps.get_model("community", "Campaign")
    for campaign in Campaign.objects.filter(ends_on__isnull=True).only("pk", "created_at"):
        Campaign.objects.filter(pk=campaign.pk).update(
            starts_on=timezone.localdate(campaign.created_at)
        )


class Migration(migrations.Migration):
    dependencies = [("community", "0003_campaign_dates_area_hashtag_posts")]

    operations = [migrations.RunPython(starts_on_from_created, migrations.RunPython.noop)]
