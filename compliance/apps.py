from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """The audit log pages and data protection (export, anonymisation): reads and writes across every app."""

    name = "compliance"
