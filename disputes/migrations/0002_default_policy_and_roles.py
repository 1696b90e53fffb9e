"""Seed the default refusal-to-pay policy (version 1) and give the roles their dispute permissions."""

from django.conf import settings
from django.db import migrations

ROLE_PERMISSIONS = {
    "front_desk": ["disputes.add_complaint", "disputes.view_complaint", "patient_collections.view_followupcall",
                   "patient_collections.change_followupcall"],
    "billing": ["disputes.add_complaint", "disputes.view_complaint", "disputes.close_complaint",
                "disputes.view_adjustmentrequest", "disputes.approve_adjustment",
                "patient_collections.view_followupcall", "patient_collections.change_followupcall"],
    "office_manager": ["disputes.add_complaint", "disputes.view_complaint", "disputes.close_complaint",
                       "disputes.escalate_complaint", "disputes.view_adjustmentrequest",
                       "disputes.approve_adjustment", "disputes.view_policy", "disputes.edit_policy",
                       "patient_collections.view_followupcall", "patient_collections.change_followupcall"],
    "provider": ["disputes.view_complaint", "disputes.close_complaint", "patient_collections.view_followupcall",
                 "patient_collections.change_followupcall"],
}


def seed(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from disputes.default_policy import DEFAULT_SETTINGS, default_rules
    from invoices.jurisdiction import PROFILES

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

    Policy = apps.get_model("disputes", "Policy")
    PolicyRule = apps.get_model("disputes", "PolicyRule")
    if Policy.objects.exists():
        return
    threshold = PROFILES[settings.BILLING_JURISDICTION].small_claim_threshold
    policy = Policy.objects.create(
        version=1,
        is_active=True,
        approval_threshold=DEFAULT_SETTINGS["approval_threshold"],
        small_claim_threshold=threshold,
        follow_up_days=DEFAULT_SETTINGS["follow_up_days"],
        note="Default policy from what billing offices told us.",
    )
    for position, rule in enumerate(default_rules(threshold), start=1):
        # A rule had one English name and script at this point in history; a later migration adds the rest.
        names, scripts = rule.pop("names"), rule.pop("scripts")
        PolicyRule.objects.create(policy=policy, position=position, name=names["en"], script=scripts["en"], **rule)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0001_initial"),
        ("patient_collections", "0001_initial"),
        ("invoices", "0002_roles_and_ledger_guard"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
