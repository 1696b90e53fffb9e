"""Who works with credit and refunds: billing applies credit, asks for refunds and sends them to the bank; the
office manager does the same and approves refunds. The front desk and providers get none of it (a provider
may still decide a refund as the deputy approver, which the refund approval rules grant per request)."""

from django.db import migrations

BILLING = [
    "invoices.add_creditapplication",
    "invoices.view_creditapplication",
    "invoices.add_refundrequest",
    "invoices.view_refundrequest",
    "invoices.add_refundexportbatch",
    "invoices.view_refundexportbatch",
]
ROLE_PERMISSIONS = {"billing": BILLING, "office_manager": [*BILLING, "invoices.approve_refund"]}


def _permissions(apps, codes):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("invoices")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=code.split(".")[0], codename=code.split(".")[1])
        for code in codes
    ]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.add(*_permissions(apps, codes))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, codes))


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0007_refunds_and_credit_applications"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
