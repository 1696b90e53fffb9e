"""A large, realistic data set for benchmarks: `manage.py seed_scale --invoices 200000` (bench/run.py runs it).

Speed comes from writing rows directly: ids are allocated up front, rows are generated in chunks of
invoices, and each chunk goes in with PostgreSQL's COPY (psycopg) or, on other databases, with
`executemany` of plain INSERTs. Nothing goes through the services, so the command reproduces by hand
what they guarantee and `manage.py verify_ledger` proves it afterwards:

- invoices are issued over the last two years, numbered gaplessly per year in issue order (the counter
  row is left at the last value), with a valid payment reference (KID in Norway);
- every issued invoice has its charge, then insurer and patient payments, reminder fees and approved
  adjustments, each entry carrying the running balance; the invoice caches balance and insurer_paid;
- every issued invoice keeps its seller and buyer as issued, and every approved adjustment has its credit
  note, numbered gaplessly per year in its own series (the counter row is left at the last value);
- about 15 % of invoices are overdue (the patient still owes money after the due date), with the
  reminders a daily sweep would have sent until a week ago, so today's sweep has a week of work;
- about 2 % are disputed: each Complaint carries the Decision the active policy takes on its facts;
- some overdue invoices have a payment plan or a deferral; a few patients have insurance or a card.

Random but reproducible: the same --seed gives the same data on the same day.
"""

from django.db import connection, transaction

from .base import TABLES
from .foreign_keys import foreign_keys_checked_after
from .seeder import Seeder


def scale_seed(*, invoices: int, seed: int) -> dict[str, int]:
    """Write `invoices` invoices with their patients and histories in one transaction; the rows written, by table.

    On PostgreSQL the tables are then analysed (and vacuumed outside a transaction) as autovacuum would.
    """
    with transaction.atomic(), foreign_keys_checked_after(model._meta.db_table for _name, model in TABLES):
        written = Seeder(count=invoices, seed=seed).run()
    if connection.vendor == "postgresql":
        # What autovacuum does to any live database: statistics for the planner, and the visibility map
        # that lets counts over the owed-invoices index skip the table. VACUUM cannot run in a transaction
        # (a test's), where the statistics alone are refreshed.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return written
