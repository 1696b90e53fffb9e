"""The worklist's overdue rows, rendered from Python: 25 rows of a dozen template variables each cost the page
several milliseconds through the template engine, a few microseconds a row here."""

from collections.abc import Iterable
from datetime import date
from html import escape
from typing import Any

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from invoices.models import Invoice
from invoices.templatetags.money import local_date, member_label, money_formatter
from invoices.templatetags.row_urls import id_url

register = template.Library()

_HOLDS_LIST = '<ul class="list-unstyled small text-body-secondary mb-0">'


@register.simple_tag
def overdue_rows(rows: Iterable[tuple[Invoice, int]]) -> SafeString:
    """`{% overdue_rows rows %}`: one `<tr>` per (invoice, days overdue) with its collection state
    (`invoice.collection`, from `state_of`) and what holds it."""
    money = money_formatter()
    html = []
    for invoice, days_overdue in rows:
        collection: Any = invoice.collection  # type: ignore[attr-defined]
        due_date: date | None = invoice.due_date
        holds = "".join(f"<li>{escape(member_label(hold))}</li>" for hold in collection.holds)
        html.append(
            "<tr>"
            f'<td><a href="{escape(id_url(invoice.patient_id, "frontdesk:patient-detail"))}">'
            f"{escape(str(invoice.patient.name))}</a></td>"
            f'<td><a href="{escape(id_url(invoice.pk, "frontdesk:invoice-detail"))}">'
            f"{escape(str(invoice.number))}</a></td>"
            f"<td>{escape(local_date(due_date, 'short'))}</td>"
            f'<td class="text-end">{escape(str(localize(days_overdue)))}</td>'
            f'<td class="text-end money">{escape(money(invoice.patient_due_amount))}</td>'  # type: ignore[attr-defined]
            f'<td data-state="{escape(str(collection.state))}">{escape(member_label(collection.state))}'
            f"{f'{_HOLDS_LIST}{holds}</ul>' if holds else ''}</td>"
            "</tr>"
        )
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped
