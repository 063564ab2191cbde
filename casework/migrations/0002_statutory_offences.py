"""Load the acts listed in RSMo 167.115.1 (``casework.offences``)."""

from django.db import migrations

from casework import offences


def load(apps, schema_editor):
    offences.load(apps.get_model("casework", "Offence"))


def unload(apps, schema_editor):
    apps.get_model("casework", "Offence").objects.filter(name__in=[name for name, _ in offences.OFFENCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
