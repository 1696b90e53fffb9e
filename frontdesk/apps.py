from django.apps import AppConfig


class FrontdeskConfig(AppConfig):
    """The staff account workspace: the worklist, the patient search, a patient's account and an invoice's page.

    Every one of these pages shows what four apps hold (balance, complaint, collections), so they sit above
    the domain apps; each domain app keeps the pages of its own workflow."""

    name = "frontdesk"
