"""The front desk's first day (issue 16): the desk registers patients, their coverage and proxies, bills a visit
in the browser, writes notes, records promises to pay and logs who called. Billing and the office manager
may do the same; a provider only reads the account."""

from django.db import migrations

ROLE_PERMISSIONS = {
    "front_desk": [
        "patients.add_patient",
        "patients.add_coverage",
        "patients.add_authorisedproxy",
        "patients.change_authorisedproxy",
        "patients.add_patientnote",
        "patients.view_patientnote",
        "patients.add_callercheck",
        "patients.view_callercheck",
        "invoices.add_invoice",
        "invoices.issue_invoice",
        "patient_collections.add_paymentpromise",
        "patient_collections.view_paymentpromise",
    ],
    "billing": [
        "patients.add_authorisedproxy",
        "patients.change_authorisedproxy",
        "patients.add_patientnote",
        "patients.view_patientnote",
        "patients.add_callercheck",
        "patients.view_callercheck",
        "patient_collections.add_paymentpromise",
        "patient_collections.view_paymentpromise",
    ],
    "office_manager": [
        "patients.add_patientnote",
        "patients.view_patientnote",
        "patients.add_callercheck",
        "patients.view_callercheck",
        "patient_collections.add_paymentpromise",
        "patient_collections.view_paymentpromise",
    ],
    "provider": [
        "patients.view_patientnote",
        "patients.add_callercheck",
        "patients.view_callercheck",
    ],
}


def grant(apps, schema_editor):
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


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0002_roles_and_ledger_guard"),
        ("patients", "0007_proxy_documents_notes_caller_checks"),
        ("patient_collections", "0013_paymentpromise"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
