"""A partial index over the invoices a patient still owes money on (PostgreSQL only; an index, nothing else).

The worklist (overdue invoices, oldest due first, with a page count), the aging report and the reminder
sweep all filter issued invoices on `InvoiceQuerySet.with_patient_due()` > 0. Only about one invoice in
seven matches once a clinic has a few years of history, but without this index every one of those reads
walks all issued invoices. The predicate repeats, word for word, the SQL Django generates for that filter,
so that PostgreSQL can prove a query's WHERE implies it. It leaves the status out (drafts and cancelled
drafts have a zero balance, so they never match) and carries it in INCLUDE instead: both `status = 'issued'`
(worklist, sweep) and `status IN ('issued', 'credited')` (aging) then use it, and with the other INCLUDE
columns the worklist's count and the aging sums run as index-only scans. Built CONCURRENTLY, so that adding
it to a live database does not block writes.

It is not declared in Invoice.Meta.indexes: Django cannot express the predicate, and the index changes no
model state (`makemigrations --check` stays clean).
"""

from django.db import migrations

INDEX = "invoice_owed_due_idx"
CREATE = f"""
CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON "invoices_invoice" ("due_date", "id")
INCLUDE ("status", "patient_id", "balance", "third_party_share", "insurer_paid", "insurance_status")
WHERE ("invoices_invoice"."balance" - CASE WHEN (NOT ("invoices_invoice"."insurance_status" = 'settled')
AND "invoices_invoice"."third_party_share" > ("invoices_invoice"."insurer_paid"))
THEN ("invoices_invoice"."third_party_share" - "invoices_invoice"."insurer_paid") ELSE 0.00 END) > 0
"""
DROP = f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("invoices", "0002_roles_and_ledger_guard")]

    operations = [migrations.RunPython(create_index, drop_index)]
