"""Billing and the office manager import bank files and work the reconciliation queue."""

from django.db import migrations

CODENAMES = ["import_bank_file", "view_bankfile", "view_banktransaction"]
ROLES = ["billing", "office_manager"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="payments_in", codename__in=CODENAMES)
    for role in ROLES:
        Group.objects.get(name=role).permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("payments_in", "0001_initial"),
        ("invoices", "0002_roles_and_ledger_guard"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
