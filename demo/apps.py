from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The top of the stack: made-up data to try the app (`seed_demo`) and to measure it (`seed_scale`), and the
    catch-up run of every periodic sweep (`run_billing_jobs`), which drives several apps at once."""

    name = "demo"
