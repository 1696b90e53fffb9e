from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (/api/v1/) over every domain app: patients, invoices, complaints, collections.

    It sits above the domain apps, as Saleor's graphql package does, because one resource's answer reads
    several apps (an invoice carries its open complaint and collection state) and the domain apps must not
    import each other upwards."""

    name = "api"
