"""Case recall and the tvistevarsel record; one open missed-instalment call per invoice; the inkassosats as a
dated rate (kr 700 since 2017-01-01) from which the Norwegian fees are derived; the provider decides cases.
"""

from datetime import date
from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INKASSOSATS = ("inkassosats", Decimal("700.00"), date(2017, 1, 1), "inkassoforskriften § 1-1: inkassosatsen")
# The old row held the derived fee as an amount of its own, dated 2024; the fee is now 1/20 of the sats.
OLD_FEE_ROW = ("NO_REMINDER", date(2024, 1, 1))
PROVIDER_PERMISSIONS = ["decide_collection_case"]


def close_duplicate_missed_instalment_calls(apps, schema_editor):
    """Keep the oldest open missed-instalment call of each invoice; the later ones were the same call again."""
    FollowUpCall = apps.get_model("patient_collections", "FollowUpCall")
    seen: set[int] = set()
    open_calls = FollowUpCall.objects.filter(reason="missed_instalment", completed_at__isnull=True)
    for call in open_calls.exclude(invoice_id=None).order_by("invoice_id", "due_at", "id"):
        if call.invoice_id in seen:
            call.completed_at = call.created_at
            call.outcome = "done"
            call.outcome_note = "merged into the earlier open call for this invoice"
            call.save(update_fields=["completed_at", "outcome", "outcome_note"])
        seen.add(call.invoice_id)


def seed_inkassosats(apps, schema_editor):
    FeeRate = apps.get_model("patient_collections", "FeeRate")
    code, amount, effective_from, note = INKASSOSATS
    FeeRate.objects.get_or_create(code=code, effective_from=effective_from, defaults={"amount": amount, "note": note})
    FeeRate.objects.filter(code=OLD_FEE_ROW[0], effective_from=OLD_FEE_ROW[1], amount=Decimal("35.00")).delete()


def unseed_inkassosats(apps, schema_editor):
    FeeRate = apps.get_model("patient_collections", "FeeRate")
    FeeRate.objects.get_or_create(
        code=OLD_FEE_ROW[0],
        effective_from=OLD_FEE_ROW[1],
        defaults={"amount": Decimal("35.00"), "note": "inkassoforskriften § 1-2: 1/20 of inkassosats kr 700"},
    )
    FeeRate.objects.filter(code=INKASSOSATS[0], effective_from=INKASSOSATS[2]).delete()


def provider_decides_cases(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="provider")
    for codename in PROVIDER_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label="patient_collections", codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0003_providers_meet_patients"),
        ("invoices", "0003_owed_invoice_partial_index"),
        ("patient_collections", "0005_reminder_claim_and_dispatch"),
        ("patients", "0003_office_manager_reads_audit_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(close_duplicate_missed_instalment_calls, migrations.RunPython.noop),
        migrations.RunPython(seed_inkassosats, unseed_inkassosats),
        migrations.RunPython(provider_decides_cases, migrations.RunPython.noop),
        migrations.CreateModel(
            name="ConciliationNotice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sent_on", models.DateField(verbose_name="sent on")),
                ("answer_by", models.DateField(verbose_name="answer by")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "pre-litigation notice",
                "verbose_name_plural": "pre-litigation notices",
                "ordering": ["-sent_on", "-id"],
            },
        ),
        migrations.AddField(
            model_name="collectioncase",
            name="recalled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="recalled from the agency"),
        ),
        migrations.AddConstraint(
            model_name="followupcall",
            constraint=models.UniqueConstraint(
                condition=models.Q(("completed_at__isnull", True), ("reason", "missed_instalment")),
                fields=("invoice", "reason"),
                name="one_open_missed_instalment_call",
            ),
        ),
        migrations.AddField(
            model_name="conciliationnotice",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="conciliation_notices",
                to="patient_collections.collectioncase",
            ),
        ),
        migrations.AddField(
            model_name="conciliationnotice",
            name="sent_by",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
    ]
