"""Celery tasks for online payment: thin wrappers around services, taking ids, safe to run twice."""

from celery import shared_task

from patient_collections.channels import DeliveryError, DeliveryUncertain

from .services import payment_receipt_send


@shared_task(
    acks_late=True,
    autoretry_for=(DeliveryError,),
    dont_autoretry_for=(DeliveryUncertain,),
    retry_backoff=30,
    retry_backoff_max=240,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_payment_receipt(checkout_id: int) -> bool:
    """E-mail the receipt of one online payment; a repeated call finds it sent and does nothing."""
    return payment_receipt_send(checkout_id=checkout_id)
