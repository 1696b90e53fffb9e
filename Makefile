# Clinic Billing — `make run` to try it, `make test` to check it. `make help` lists every target.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_FOR_VENV ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed-from-pyproject
RUN_ADDRESS ?= 127.0.0.1:8000
# Two workers fit the two cores this project is built on; `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= auto
PYTEST_ARGS ?=
LANGUAGES := en fr pt nb ru

.PHONY: help install run test lint migrations-check messages compilemessages

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(PY):
	@test -n "$(PYTHON_FOR_VENV)" || { echo "Python 3.11 or newer is needed (python3.11 or python3 on PATH)." >&2; exit 1; }
	$(PYTHON_FOR_VENV) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version)'
	$(PYTHON_FOR_VENV) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the last install.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(STAMP) ## Create .venv and install the project with its dev tools (only when pyproject.toml changed)

# Django's compilemessages needs gettext's msgfmt; without it, Babel (already a dependency) compiles the
# catalogues. Babel skips a catalogue whose header is still marked fuzzy, so that is checked afterwards.
compilemessages: $(STAMP) ## Compile locale/*/LC_MESSAGES/*.po into .mo files
	@shopt -s nullglob; catalogues=(locale/*/LC_MESSAGES/*.po); \
	if [ $${#catalogues[@]} -eq 0 ]; then echo "No translation catalogues under locale/ yet."; exit 0; fi; \
	if command -v msgfmt >/dev/null; then \
		$(MANAGE) compilemessages --ignore=.venv --ignore=var --verbosity 0; \
	else \
		echo "msgfmt not found (apt-get install gettext); compiling with Babel instead."; \
		for po in "$${catalogues[@]}"; do $(VENV)/bin/pybabel compile --statistics -i "$$po" -o "$${po%.po}.mo" || exit 1; done; \
	fi; \
	for po in "$${catalogues[@]}"; do \
		[ -f "$${po%.po}.mo" ] || { echo "$$po was not compiled (is its header still marked fuzzy?)" >&2; exit 1; }; \
	done

run: system-libraries-hint $(STAMP) compilemessages ## Migrate, seed demo data, start a Celery worker with beat and the web server
	@mkdir -p var/celery-broker/out var/celery-broker/processed var/log
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo
	@echo "  Clinic Billing: http://$(RUN_ADDRESS)/   (API docs: http://$(RUN_ADDRESS)/api/docs/)"
	@echo "  Staff logins:   frontdesk, billing, manager, provider    Patient portal login: patient"
	@echo "  Password:       demo (for every demo user)"
	@echo "  Two-step code:  no app needed: the code page shows it, or run $(MANAGE) demo_code frontdesk"
	@echo "  Celery worker + beat log: var/log/celery.log"
	@$(PY) $(SYSTEM_LIBRARIES) --banner
	@echo
	@DEMO_MODE=1 $(MAKE) --no-print-directory serve

# What `make run` ends with: the worker and the web server, both stopped when either Ctrl-C or SIGTERM stops make
# (or when the server exits). The server runs in the background too: bash runs a trap only once its foreground
# command ends, but `wait` returns as soon as a trapped signal arrives. tests/test_makefile.py runs this target
# with stand-ins for both commands.
RUN_WORKER = $(VENV)/bin/celery -A clinic_billing worker -B --pool=solo --loglevel=INFO
RUN_WORKER_LOG = var/log/celery.log
RUN_SERVER = $(MANAGE) runserver $(RUN_ADDRESS)
.PHONY: serve
serve:
	@export CELERY_BROKER_URL=filesystem://; \
	$(RUN_WORKER) >>$(RUN_WORKER_LOG) 2>&1 & worker=$$!; \
	$(RUN_SERVER) & server=$$!; \
	trap 'echo "Stopping the web server and the Celery worker."; kill $$server $$worker 2>/dev/null; wait $$server $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT; \
	trap 'exit 143' TERM; \
	wait $$server

# WeasyPrint's system libraries (Pango …), checked first with the Python that creates .venv, so a machine
# without them hears the install command for its system before anything is installed. `make test` stops
# there; `make run` goes on (every page but the PDFs works) and repeats the command in its banner.
SYSTEM_LIBRARIES := clinic_billing/system_libraries.py
.PHONY: system-libraries system-libraries-hint
system-libraries: ## Check the system libraries PDFs need; name the command that installs them on this machine
	@test -z "$(PYTHON_FOR_VENV)" || $(PYTHON_FOR_VENV) $(SYSTEM_LIBRARIES) --require

system-libraries-hint:
	@test -z "$(PYTHON_FOR_VENV)" || $(PYTHON_FOR_VENV) $(SYSTEM_LIBRARIES)

# pytest exits 5 when it collects nothing; like any other non-zero exit, that fails the target.
test: system-libraries $(STAMP) compilemessages ## Run the test suite (SQLite; PostgreSQL when DATABASE_URL is set)
	@mkdir -p var/staticfiles
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check, ruff format --check, mypy, and the apps' layers (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

migrations-check: $(STAMP) ## Fail when a model change has no migration
	$(MANAGE) makemigrations --check --dry-run

messages: $(STAMP) ## Extract translatable strings into locale/<language>/LC_MESSAGES/django.po
	@mkdir -p locale
	$(MANAGE) makemessages $(addprefix -l ,$(LANGUAGES)) --ignore=.venv --ignore=var --ignore=tests --no-obsolete

BENCH_SIZES ?= 10000,50000,200000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/clinic_billing_bench
.PHONY: bench
bench: $(STAMP) ## Benchmark on PostgreSQL (BENCH_SIZES=2000,10000 for a quick run); writes bench/results/<date>.*
	$(PY) -m pip install --quiet -e ".[bench]"
	DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_SIZES=$(BENCH_SIZES) $(PY) -m bench.run

# The reports on a real streaming replica: a primary and a pg_basebackup copy of it on two free ports of this machine,
# torn down afterwards (bench/replica.py; docs/scaling.md has a run's figures).
REPLICA_INVOICES ?= 2000
.PHONY: bench-replica
bench-replica: $(STAMP) ## Start a PostgreSQL primary and streaming replica, read the reports from it, print the lag (JSON)
	$(PY) -m bench.replica run --invoices $(REPLICA_INVOICES)

# The schemathesis CLI against a short-lived server on a throwaway SQLite database with the demo data (so small
# ids exist), a staff token holding every role, and tasks run in-process (no broker). docs/api-fuzzing.md says
# what is checked.
FUZZ_MAX_EXAMPLES ?= 10
FUZZ_ADDRESS ?= 127.0.0.1:8765
.PHONY: fuzz
fuzz: $(STAMP) ## Fuzz the API from /api/schema/ with schemathesis (FUZZ_MAX_EXAMPLES=10) and print its summary
	@scratch=$$(mktemp -d); trap 'rm -rf $$scratch' EXIT; \
	export CELERY_TASK_ALWAYS_EAGER=1 DATABASE_URL=sqlite:///$$scratch/fuzz.sqlite3 FUZZ_TOKEN=$$($(PY) -c 'import secrets; print(secrets.token_hex(20))'); \
	$(MANAGE) migrate --noinput --verbosity 0 && $(MANAGE) seed_demo --force >/dev/null && \
	$(MANAGE) shell -c "import os; from django.contrib.auth.models import Group, User; from rest_framework.authtoken.models import Token; u = User.objects.create_user('fuzz'); u.groups.set(Group.objects.all()); Token.objects.create(user=u, key=os.environ['FUZZ_TOKEN'])" && \
	{ $(MANAGE) runserver --noreload $(FUZZ_ADDRESS) >/dev/null 2>&1 & server=$$!; trap 'kill $$server; rm -rf $$scratch' EXIT; \
	$(VENV)/bin/st run http://$(FUZZ_ADDRESS)/api/schema/ --wait-for-schema 30 -H "Authorization: Token $$FUZZ_TOKEN" \
		--max-examples $(FUZZ_MAX_EXAMPLES) --generation-deterministic --generation-with-security-parameters false \
		--checks all --exclude-checks positive_data_acceptance; }
