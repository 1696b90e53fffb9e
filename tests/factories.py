"""factory_boy factories. Amounts are Decimal strings, never floats."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from invoices import services
from invoices.models import Coverage, Invoice
from patients.models import AuthorisedProxy, Patient


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=role))


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    name = factory.Sequence(lambda n: f"Patient {n} Hansen")
    date_of_birth = date(1980, 5, 17)
    email = factory.Sequence(lambda n: f"patient{n}@example.org")
    phone = "+47 400 00 000"
    language = "nb"


class ProxyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorisedProxy

    patient = factory.SubFactory(PatientFactory)
    name = "Ola Proxy"
    relationship = "son"
    valid_from = date(2020, 1, 1)
    document_reference = "FULLMAKT-001"


def draft_invoice(
    patient: Patient,
    lines: list[tuple[str, str, str, str, str]] | None = None,
    service_date: date = date(2026, 11, 2),
    insurance_status: str | None = None,
) -> Invoice:
    """A draft with (code, description, quantity, unit_price, coverage) lines."""
    lines = lines or [
        ("GP1", "Consultation with a general practitioner", "1", "400.00", Coverage.INSURER),
        ("MAT", "Dressing materials", "2", "35.50", Coverage.PATIENT),
    ]
    return services.invoice_create_draft(
        patient_id=patient.pk,
        service_date=service_date,
        lines=[services.LineInput(c, d, Decimal(q), Decimal(p), cov) for c, d, q, p, cov in lines],
        insurance_status=insurance_status,
        by=None,
    )


def issued_invoice(patient: Patient, **kwargs: object) -> Invoice:
    invoice = draft_invoice(patient, **kwargs)  # type: ignore[arg-type]
    return services.invoice_issue(invoice_id=invoice.pk, by=None, today=date(2026, 11, 2))
