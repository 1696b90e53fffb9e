"""Simultaneous payment posts and issues against a real database file, in a process of its own.

    DATABASE_URL=sqlite:////tmp/storm.sqlite3 python -m tests.invoices.payment_storm --rounds 4 --posts 8

The test database pytest-django makes on SQLite lives in memory with a shared cache, where concurrent
writers meet table locks that no busy timeout waits for; what a deployment meets is a database file
opened with the settings' connection options. So this migrates the database DATABASE_URL names and, per
round, has `--posts` threads post a payment on one invoice at the same moment through the API (token
auth, the whole request path), then has as many threads issue drafts at once. It prints one JSON line:
the journal mode, and per round the status codes, whether the balance and the ledger agree, and whether
the numbers are gapless. tests/invoices/test_sqlite_concurrency.py runs it; run it by hand on PostgreSQL
for the same counts there.
"""

import argparse
import json
import os
import sys
import threading
from collections import Counter
from decimal import Decimal
from typing import Any


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--posts", type=int, default=8)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic_billing.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    # The test client's host, in-memory mail: what Django's test runner sets up, without its database.
    setup_test_environment()
    from django.core.management import call_command
    from django.db import connection, connections

    call_command("migrate", verbosity=0)

    from datetime import date

    from django.test import Client
    from rest_framework.authtoken.models import Token

    from invoices import services
    from invoices.models import Invoice
    from tests.factories import PatientFactory, UserFactory, draft_invoice

    with connection.cursor() as cursor:
        journal_mode = "n/a"
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            journal_mode = cursor.fetchone()[0]
    billing = UserFactory(username="storm_billing", roles=["billing"])
    token, _created = Token.objects.get_or_create(user=billing)
    patient = PatientFactory(name="Storm Patient")

    def together(calls: list[Any]) -> list[Any]:
        barrier = threading.Barrier(len(calls))
        results: list[Any] = [None] * len(calls)

        def worker(i: int) -> None:
            try:
                barrier.wait()
                results[i] = calls[i]()
            except Exception as exc:  # the report counts what each call did, failures included
                results[i] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results

    rounds = []
    for _round in range(args.rounds):
        invoice = services.invoice_issue(invoice_id=draft_invoice(patient).pk, by=None, today=date(2026, 11, 2))
        url = f"/api/v1/invoices/{invoice.pk}/payments/"

        def post(i: int, url: str = url, key: str = f"storm-{invoice.pk}") -> int:
            client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", raise_request_exception=False)
            body = {"amount": "10.00", "payer": "patient", "method": "card"}
            headers = {"Idempotency-Key": f"{key}-{i}"}
            return client.post(url, body, content_type="application/json", headers=headers).status_code

        statuses = together([lambda i=i: post(i) for i in range(args.posts)])
        invoice.refresh_from_db()
        paid = Decimal("10.00") * sum(1 for s in statuses if s == 201)

        drafts = [draft_invoice(patient) for _ in range(args.posts)]
        issued = together([lambda d=d: services.invoice_issue(invoice_id=d.pk, by=None) for d in drafts])
        sequences = sorted(
            s for (s,) in Invoice.objects.filter(pk__in=[d.pk for d in drafts]).values_list("sequence") if s
        )
        rounds.append(
            {
                "payments": dict(Counter(str(s) if isinstance(s, int) else type(s).__name__ for s in statuses)),
                "balance_ok": invoice.balance == invoice.total - paid,
                "ledger_ok": services.ledger_verify(invoice_ids=[invoice.pk]) == [],
                "issues": dict(Counter("ok" if isinstance(r, Invoice) else type(r).__name__ for r in issued)),
                "numbers_consecutive": sequences == list(range(sequences[0], sequences[0] + len(sequences)))
                if sequences
                else False,
            }
        )
    return {"vendor": connection.vendor, "journal_mode": journal_mode, "rounds": rounds}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main()) + "\n")
