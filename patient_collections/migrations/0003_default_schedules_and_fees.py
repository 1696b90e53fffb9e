"""Seed each jurisdiction's reminder schedule and fee rates (DOMAIN.md), and the collections permissions."""

from datetime import date
from decimal import Decimal

from django.db import migrations

FEE_RATES = [
    # Norway: a reminder or an inkassovarsel costs 1/20 of the inkassosats (kr 700 from 2024-01-01).
    ("NO_REMINDER", Decimal("35.00"), date(2024, 1, 1), "inkassoforskriften § 1-2: 1/20 of inkassosats kr 700"),
]
# (number, days after due, notice type, fee code, deadline days, letter only, manager approval)
STEPS = {
    "NO": [
        (1, 1, "reminder", "", 14, False, False),
        (2, 15, "reminder", "NO_REMINDER", 14, False, False),
        (3, 30, "final_notice", "NO_REMINDER", 14, True, True),
    ],
    "US": [
        (1, 30, "statement", "", 30, False, False),
        (2, 60, "statement", "", 30, False, False),
        (3, 90, "final_notice", "", 30, True, True),
    ],
    "FR": [
        (1, 15, "reminder", "", 15, False, False),
        (2, 30, "reminder", "", 15, False, False),
        (3, 45, "final_notice", "", 15, True, True),
    ],
}
ROLE_PERMISSIONS = {
    "front_desk": ["view_reminder", "view_paymentplan", "add_paymentplan", "add_deferral", "view_deferral"],
    "billing": [
        "view_reminder", "view_paymentplan", "add_paymentplan", "change_paymentplan", "add_deferral",
        "view_deferral", "view_collectioncase",
    ],
    "office_manager": [
        "view_reminder", "view_paymentplan", "add_paymentplan", "change_paymentplan", "add_deferral",
        "view_deferral", "view_collectioncase", "decide_collection_case", "edit_schedule", "view_reminderstep",
    ],
}


def seed(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    FeeRate = apps.get_model("patient_collections", "FeeRate")
    ReminderStep = apps.get_model("patient_collections", "ReminderStep")
    for code, amount, effective_from, note in FEE_RATES:
        FeeRate.objects.get_or_create(code=code, effective_from=effective_from, defaults={"amount": amount, "note": note})
    for jurisdiction, steps in STEPS.items():
        for number, days, notice, fee_code, deadline, letter_only, approval in steps:
            ReminderStep.objects.get_or_create(
                jurisdiction=jurisdiction,
                number=number,
                defaults={
                    "days_after_due": days,
                    "notice_type": notice,
                    "fee_code": fee_code,
                    "deadline_days": deadline,
                    "letter_only": letter_only,
                    "manager_approval": approval,
                },
            )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        for codename in codenames:
            group.permissions.add(
                Permission.objects.get(content_type__app_label="patient_collections", codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("patient_collections", "0002_reminders_plans_deferrals_cases"),
        ("invoices", "0002_roles_and_ledger_guard"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
