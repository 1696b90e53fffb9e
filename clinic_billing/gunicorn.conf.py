"""Gunicorn settings of the web container and the benchmark: `gunicorn -c clinic_billing/gunicorn.conf.py`.

Pages cost 20–50 ms of Python CPU each and wait a few milliseconds on PostgreSQL, so the server is bound by
CPU: one sync worker per core keeps the cores busy, one more covers the time workers wait on the database.
More workers than that only queue the same CPU work and lengthen the tail. Sync workers close the connection
after each answer; behind the proxy (which keeps the clients' connections alive) that costs little.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() + 1)))
worker_class = "sync"
# Import Django once in the master: workers start in milliseconds and share the imported code's memory.
# Nothing opens a database connection at import, so no connection is shared across the fork.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log (the benchmark)
