# Clinic Billing: gunicorn by default; docker-compose.yml runs the same image as Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders invoice PDFs with Pango and HarfBuzz; gettext compiles the translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 clinic
WORKDIR /app

COPY . .
RUN pip install -e .

# Build-time only: settings refuse DEBUG off without a key, and collectstatic needs neither database nor broker.
RUN DEBUG=0 CELERY_TASK_ALWAYS_EAGER=1 SECRET_KEY=build-only-never-used-at-run-time-0123456789abcdefghijklmnopqrstuvwxyz python manage.py compilemessages --ignore=var \
    && DEBUG=0 CELERY_TASK_ALWAYS_EAGER=1 SECRET_KEY=build-only-never-used-at-run-time-0123456789abcdefghijklmnopqrstuvwxyz python manage.py collectstatic --noinput \
    && mkdir -p var \
    && chown -R clinic:clinic var

USER clinic
EXPOSE 8000
CMD ["gunicorn", "clinic_billing.wsgi:application", "--config", "clinic_billing/gunicorn.conf.py"]
