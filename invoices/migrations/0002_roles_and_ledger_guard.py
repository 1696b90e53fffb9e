"""Staff roles as groups with permissions, and a database guard that keeps ledger entries immutable."""

from django.db import migrations

# Permission codenames per role (least privilege: a role gets what its work needs, no more).
ROLE_PERMISSIONS = {
    "front_desk": [
        "patients.view_patient",
        "patients.change_patient",
        "patients.view_coverage",
        "patients.view_authorisedproxy",
        "invoices.view_invoice",
        "invoices.view_ledgerentry",
        "invoices.record_payment",
    ],
    "billing": [
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.view_coverage",
        "patients.add_coverage",
        "patients.change_coverage",
        "patients.view_authorisedproxy",
        "invoices.view_invoice",
        "invoices.add_invoice",
        "invoices.change_invoice",
        "invoices.view_ledgerentry",
        "invoices.issue_invoice",
        "invoices.record_payment",
        "invoices.settle_insurance",
        "invoices.credit_invoice",
    ],
    "office_manager": [
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.view_coverage",
        "patients.add_coverage",
        "patients.change_coverage",
        "patients.view_authorisedproxy",
        "patients.add_authorisedproxy",
        "patients.change_authorisedproxy",
        "invoices.view_invoice",
        "invoices.add_invoice",
        "invoices.change_invoice",
        "invoices.view_ledgerentry",
        "invoices.issue_invoice",
        "invoices.record_payment",
        "invoices.settle_insurance",
        "invoices.credit_invoice",
    ],
    "provider": [
        "patients.view_patient",
        "invoices.view_invoice",
    ],
}

LEDGER_GUARD_SQL = """
CREATE OR REPLACE FUNCTION ledger_entry_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are never edited or deleted; post a reversing entry';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entry_immutable
    BEFORE UPDATE OR DELETE ON invoices_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_immutable();
"""
LEDGER_GUARD_REVERSE_SQL = """
DROP TRIGGER IF EXISTS ledger_entry_immutable ON invoices_ledgerentry;
DROP FUNCTION IF EXISTS ledger_entry_immutable();
"""


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


def add_ledger_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LEDGER_GUARD_SQL)


def remove_ledger_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LEDGER_GUARD_REVERSE_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0001_initial"),
        ("patients", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(add_ledger_guard, remove_ledger_guard),
    ]
