"""Providers meet the patients whose clinical complaints are routed to them, so they may record it."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.get(name="provider")
    group.permissions.add(Permission.objects.get(content_type__app_label="disputes", codename="add_complaint"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.get(name="provider")
    group.permissions.remove(Permission.objects.get(content_type__app_label="disputes", codename="add_complaint"))


class Migration(migrations.Migration):
    dependencies = [("disputes", "0002_default_policy_and_roles")]

    operations = [migrations.RunPython(grant, revoke)]
