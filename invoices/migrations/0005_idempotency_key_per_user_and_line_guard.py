"""Idempotency keys scoped per user; database guards for issued invoice lines and against TRUNCATE.

The ledger's trigger (0002) refuses UPDATE and DELETE of entries, but not TRUNCATE (row triggers never
fire for it), and nothing in the database kept an issued invoice's lines frozen. On PostgreSQL:
- lines of an invoice that is not a draft can be neither updated nor deleted (inserting stays possible:
  bulk loaders write the invoice row before its lines);
- TRUNCATE of the ledger or the lines is refused, unless the session says
  `SET clinic_billing.allow_truncate = on` (the test suite does, to flush between transactional tests).
"""

from django.conf import settings
from django.db import migrations, models

GUARD_SQL = """
CREATE OR REPLACE FUNCTION invoice_line_frozen() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM invoices_invoice
        WHERE id IN (OLD.invoice_id, CASE WHEN TG_OP = 'UPDATE' THEN NEW.invoice_id END) AND status <> 'draft'
    ) THEN
        RAISE EXCEPTION 'lines of an issued invoice are never changed; issue a credit note';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoice_line_frozen
    BEFORE UPDATE OR DELETE ON invoices_invoiceline
    FOR EACH ROW EXECUTE FUNCTION invoice_line_frozen();

CREATE OR REPLACE FUNCTION books_never_truncated() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('clinic_billing.allow_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is part of the books and is never truncated', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entry_never_truncated
    BEFORE TRUNCATE ON invoices_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION books_never_truncated();
CREATE TRIGGER invoice_line_never_truncated
    BEFORE TRUNCATE ON invoices_invoiceline
    FOR EACH STATEMENT EXECUTE FUNCTION books_never_truncated();
"""
GUARD_REVERSE_SQL = """
DROP TRIGGER IF EXISTS invoice_line_never_truncated ON invoices_invoiceline;
DROP TRIGGER IF EXISTS ledger_entry_never_truncated ON invoices_ledgerentry;
DROP FUNCTION IF EXISTS books_never_truncated();
DROP TRIGGER IF EXISTS invoice_line_frozen ON invoices_invoiceline;
DROP FUNCTION IF EXISTS invoice_line_frozen();
"""


def add_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_SQL, params=None)


def remove_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0004_credit_notes_and_issued_details"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="ledgerentry",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=100, null=True),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(
                fields=("posted_by", "idempotency_key"), name="entry_idempotency_key_per_user"
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("posted_by__isnull", True)),
                fields=("idempotency_key",),
                name="entry_idempotency_key_without_user",
            ),
        ),
        migrations.RunPython(add_guards, remove_guards),
    ]
