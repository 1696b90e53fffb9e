"""`{% quick_pay_url invoice %}`: the quick-pay link printed on an invoice PDF, without a database query."""

from django import template

from invoices.models import Invoice
from portal import quick_pay

register = template.Library()


@register.simple_tag
def quick_pay_url(invoice: Invoice) -> str:
    return quick_pay.quick_pay_url(invoice)
