"""The price list moves to the service catalogue: a service on it the catalogue does not know yet (one the clinic
added) becomes a catalogue service under the clinic's own code, with its name as typed, before the table goes."""

from datetime import date

from django.conf import settings
from django.db import migrations

# The demo price list migration 0002 seeded: the catalogue's default services replace these, unless staff renamed one.
SEEDED = {
    "GP-CONS": "GP consultation",
    "GP-LONG": "Long consultation",
    "LAB-BLOOD": "Blood test",
    "ECG": "ECG (heart tracing)",
    "MAT-DRESS": "Dressing materials",
    "CERT": "Medical certificate",
    "RECORDS": "Copy of your records",
    "NO-SHOW": "Missed appointment fee",
    "VACC": "Vaccination",
}


def copy_unknown_services(apps, schema_editor):
    ServiceItem = apps.get_model("portal", "ServiceItem")
    Service = apps.get_model("catalogue", "Service")
    ServiceText = apps.get_model("catalogue", "ServiceText")
    ServicePrice = apps.get_model("catalogue", "ServicePrice")
    known = set(Service.objects.values_list("code", flat=True))
    for item in ServiceItem.objects.exclude(code__in=known):
        if SEEDED.get(item.code) == item.name:
            continue
        service = Service.objects.create(
            code=item.code,
            coding_system="local",
            kind="procedure",
            exemption_card_applies=item.exemption_card_applies,
            is_available=item.is_available,
            position=1000 + item.position,
        )
        # Typed by staff in no language in particular: kept as the clinic's language's version.
        ServiceText.objects.create(
            service=service, language=settings.CLINIC_LANGUAGE, name=item.name, explanation=item.description
        )
        ServicePrice.objects.create(service=service, amount=item.price, valid_from=date(2000, 1, 1))


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_good_faith_estimates_kept_and_service_codes"),
        ("catalogue", "0002_default_catalogue"),
    ]

    operations = [
        migrations.RunPython(copy_unknown_services, migrations.RunPython.noop),
        migrations.DeleteModel(name="ServiceItem"),
    ]
