"""Writes to the catalogue: a service with its texts, and its prices from a date. Office manager only (views)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clinic_billing.exceptions import ApplicationError, Conflict, NotFound
from clinic_billing.languages import clinic_language, language_codes

from .models import Service, ServicePrice, ServiceText
from .selectors import ServiceWords
from .vocabulary import CodingSystem, Coverage, ServiceKind


@dataclass(frozen=True)
class ServiceInput:
    code: str
    coding_system: str
    kind: str
    default_coverage: str = Coverage.PATIENT
    exemption_card_applies: bool = True
    estimable: bool = True
    help_article_slug: str = ""
    is_available: bool = True
    position: int = 10


def _clean(data: ServiceInput, texts: dict[str, ServiceWords]) -> dict[str, ServiceWords]:
    if not data.code.strip():
        raise ApplicationError(_("Enter the service code."), field="code")
    for value, choices, name in (
        (data.coding_system, CodingSystem, "coding_system"),
        (data.kind, ServiceKind, "kind"),
        (data.default_coverage, Coverage, "default_coverage"),
    ):
        if value not in choices.values:
            raise ApplicationError(_("Choose one of the listed values."), field=name)
    unknown = set(texts) - set(language_codes())
    if unknown:
        raise ApplicationError(_("Texts can only be written in the clinic's languages."), field="texts")
    cleaned = {
        language: ServiceWords(words.name.strip(), words.explanation.strip())
        for language, words in texts.items()
        if words.name.strip() or words.explanation.strip()
    }
    for language, words in cleaned.items():
        if not words.name:
            raise ApplicationError(_("An explanation needs a name in the same language."), field=f"name_{language}")
    # What every reader falls back to must exist, so no bill ever shows an empty line.
    if clinic_language() not in cleaned:
        raise ApplicationError(
            _("Enter the name in the clinic's language: it is what patients read when theirs is missing."),
            field=f"name_{clinic_language()}",
        )
    return cleaned


@transaction.atomic
def service_save(
    *, service_id: int | None, data: ServiceInput, texts: dict[str, ServiceWords], by: User | None
) -> Service:
    """Create a service, or change one, with its name and explanation per language. A language left empty is
    removed (readers then see the clinic's language). Invoice lines already written keep their snapshot."""
    cleaned = _clean(data, texts)
    fields = {
        "code": data.code.strip(),
        "coding_system": data.coding_system,
        "kind": data.kind,
        "default_coverage": data.default_coverage,
        "exemption_card_applies": data.exemption_card_applies,
        "estimable": data.estimable,
        "help_article_slug": data.help_article_slug.strip(),
        "is_available": data.is_available,
        "position": data.position,
    }
    try:
        with transaction.atomic():
            if service_id is None:
                service = Service.objects.create(**fields)
            else:
                found = Service.objects.select_for_update().filter(pk=service_id).first()
                if found is None:
                    raise NotFound(_("No such service."))
                service = found
                for name, value in fields.items():
                    setattr(service, name, value)
                service.save()
    except IntegrityError as exc:
        raise Conflict(_("Another service already has this code."), field="code") from exc
    kept = ServiceText.objects.filter(service=service)
    kept.exclude(language__in=cleaned).delete()
    existing = {text.language: text for text in kept}
    for language, words in cleaned.items():
        text = existing.get(language)
        if text is None:
            ServiceText.objects.create(
                service=service, language=language, name=words.name, explanation=words.explanation
            )
        elif (text.name, text.explanation) != (words.name, words.explanation):
            text.name, text.explanation = words.name, words.explanation
            text.save(update_fields=["name", "explanation"])
    return service


@transaction.atomic
def service_price_set(*, service_id: int, amount: Decimal, valid_from: date, by: User | None) -> ServicePrice:
    """A new price from `valid_from`; the price before it ends the day before. Prices only move forward: one
    starting on or after `valid_from` already would rewrite what bills were priced at, so it is refused."""
    service = Service.objects.select_for_update().filter(pk=service_id).first()
    if service is None:
        raise NotFound(_("No such service."))
    if (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or amount < 0
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise ApplicationError(_("Enter a price such as 120.00 (zero or more, two decimals)."), field="amount")
    latest = ServicePrice.objects.filter(service=service).order_by("-valid_from").first()
    if latest is not None and latest.valid_from >= valid_from:
        raise ApplicationError(
            _("A price from %(date)s exists already; a new price must start after it.")
            % {"date": latest.valid_from.isoformat()},
            field="valid_from",
        )
    if latest is not None and (latest.valid_until is None or latest.valid_until >= valid_from):
        latest.valid_until = valid_from - timedelta(days=1)
        latest.save(update_fields=["valid_until"])
    return ServicePrice.objects.create(service=service, amount=amount, valid_from=valid_from, created_by=by)
