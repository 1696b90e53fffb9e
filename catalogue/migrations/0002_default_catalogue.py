"""Seed the jurisdiction's default catalogue (catalogue.default_catalogue), give the roles their catalogue
permissions, and let invoice lines already written keep a snapshot of the service their code names."""

from datetime import date

from django.conf import settings
from django.db import migrations

ROLE_PERMISSIONS = {
    "office_manager": ["view_service", "edit_catalogue"],
    "billing": ["view_service"],
    "front_desk": ["view_service"],
}
# Prices seeded for a new clinic apply to every service date, so back-dated invoices find them too.
SEEDED_FROM = date(2000, 1, 1)


def seed(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from catalogue.default_catalogue import SERVICES, TEXTS

    app_config = apps.get_app_config("catalogue")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for codename in codenames:
            group.permissions.add(Permission.objects.get(content_type__app_label="catalogue", codename=codename))

    Service = apps.get_model("catalogue", "Service")
    ServiceText = apps.get_model("catalogue", "ServiceText")
    ServicePrice = apps.get_model("catalogue", "ServicePrice")
    InvoiceLine = apps.get_model("invoices", "InvoiceLine")
    for position, spec in enumerate(SERVICES[settings.BILLING_JURISDICTION], start=1):
        service, created = Service.objects.get_or_create(
            code=spec.code,
            defaults={
                "coding_system": spec.coding_system,
                "kind": spec.kind,
                "default_coverage": spec.default_coverage,
                "exemption_card_applies": spec.exemption_card_applies,
                "estimable": spec.estimable,
                "help_article_slug": spec.help_article_slug,
                "is_available": spec.is_available,
                "position": position * 10,
            },
        )
        if not created:
            continue
        texts = TEXTS[spec.key]
        ServiceText.objects.bulk_create(
            ServiceText(service=service, language=language, name=name, explanation=explanation)
            for language, (name, explanation) in texts.items()
        )
        ServicePrice.objects.create(service=service, amount=spec.price, valid_from=SEEDED_FROM)
        snapshot = {language: {"name": name, "explanation": explanation} for language, (name, explanation) in texts.items()}
        InvoiceLine.objects.filter(code=spec.code, service__isnull=True).update(
            service=service,
            coding_system=spec.coding_system,
            service_kind=spec.kind,
            help_article_slug=spec.help_article_slug,
            texts=snapshot,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("invoices", "0011_line_service_snapshot"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
