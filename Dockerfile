# syntax=docker/dockerfile:1
# CivicPortal: one image for the web server (gunicorn), the Celery worker and Celery beat.
# docker-compose.yml runs it; the council's TLS proxy sits in front of the web service.

# The Python CI tests with (tests/ops/test_image.py checks it against the test interpreter).
ARG PYTHON_VERSION=3.11
# A Node.js LTS line still supported: 24 "Krypton", security fixes to 2028-04-30.
ARG NODE_VERSION=24

# --- Front-end packages, installed from npm with the lockfile (served by us, no CDN) -------
FROM node:${NODE_VERSION}-bookworm-slim AS assets
WORKDIR /app/static
COPY static/package.json static/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- Python packages from uv.lock, then translations and static files ---------------------
FROM python:${PYTHON_VERSION}-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /usr/local/bin/uv
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/app/.venv/bin:$PATH
WORKDIR /app
# Dependencies first: this layer is rebuilt only when the lockfile changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY manage.py ./
COPY civicportal ./civicportal
COPY proposals ./proposals
COPY consultations ./consultations
COPY budgeting ./budgeting
COPY alerts ./alerts
COPY community ./community
COPY outreach ./outreach
COPY templates ./templates
COPY static ./static
COPY --from=assets /app/static/node_modules ./static/node_modules
# No database is used here. With DEBUG off the settings refuse to load without their
# secrets and a mail relay, so this step gets placeholders of its own: exported in this RUN
# only, never an ENV of the image (the deployment supplies the real ones).
ENV STATIC_ROOT=/app/staticfiles
RUN export SECRET_KEY=build-only-not-secret CENSUS_HASH_KEY=build-only-not-secret \
        EMAIL_URL=smtp://localhost \
    && python manage.py compilemessages --ignore=.venv --ignore=static -v 0 \
    && python manage.py collectstatic --noinput -v 0

# --- Runtime ------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim
RUN groupadd --system --gid 10001 civicportal \
    && useradd --system --uid 10001 --gid civicportal --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin civicportal
WORKDIR /app
# Code and collected static files stay root-owned (read-only to the portal); only
# var/ (uploads, staff jobs' private files, the beat schedule) is writable.
COPY --from=build /app /app
RUN mkdir -p /app/var/media /app/var/private /app/var/beat \
    && chown -R civicportal:civicportal /app/var
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=civicportal.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media
USER civicportal
EXPOSE 8000
CMD ["gunicorn", "civicportal.wsgi:application", "--bind=0.0.0.0:8000", "--workers=3", "--access-logfile=-", "--timeout=60"]
