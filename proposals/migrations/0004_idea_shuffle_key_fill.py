"""Give every existing idea its own random place in the random order.

Adding the field gave all existing rows the one default value drawn for the migration;
each row now draws its own, in one UPDATE (new ideas draw theirs when they are posted).
Going back leaves the keys as they are: the previous schema drops the column anyway.
"""

from django.db import migrations
from django.db.models import IntegerField, Value
from django.db.models.functions import Cast, Floor, Random

SHUFFLE_KEY_SPAN = 2**31 - 1  # as proposals.models.SHUFFLE_KEY_SPAN when this was written


def draw_shuffle_keys(apps, schema_editor):
    Idea = apps.get_model("proposals", "Idea")
    Idea.objects.update(
        shuffle_key=Cast(Floor(Random() * Value(float(SHUFFLE_KEY_SPAN))), IntegerField())
    )


class Migration(migrations.Migration):
    dependencies = [("proposals", "0003_idea_shuffle_key")]

    operations = [
        migrations.RunPython(draw_shuffle_keys, reverse_code=migrations.RunPython.noop),
    ]
