# syntax=docker/dockerfile:1
# The portal's production image: gunicorn serving Django, and the same image runs the Celery
# worker and beat (see docker-compose.yml). Build: docker build -t trust-portal .

# --- Front-end build: GOV.UK Frontend compiled with the trust's settings (npm) ---------------
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build-assets scripts/build-assets
COPY static static
RUN bash scripts/build-assets

# --- Python dependencies, pinned in pyproject.toml --------------------------------------------
FROM python:3.11-slim-bookworm AS python-deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY pyproject.toml /src/pyproject.toml
# Only the dependencies go into the virtual environment; the code runs from /app, where
# settings find templates/ and static/ beside it.
RUN /opt/venv/bin/pip install /src \
    && /opt/venv/bin/pip uninstall --yes trust-social-media-portal

# --- Runtime --------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
# WeasyPrint's libraries (Pango, HarfBuzz) and a font for the PDFs.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --shell /usr/sbin/nologin portal

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=portal.settings \
    PORTAL_VAR_DIR=/app/var \
    PORTAL_PRIVATE_MEDIA=/data/private \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend

COPY --from=python-deps /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root . /app
COPY --from=assets --chown=root:root /src/static/dist /app/static/dist

# The code is read-only to the service user; it writes only its own folders: collected static
# files, beat's schedule, and private media (a volume shared by web and worker).
RUN mkdir -p /app/var /app/staticfiles /data/private \
    && chown portal:portal /app/var /app/staticfiles /data/private \
    && chmod 0750 /data/private

USER portal
EXPOSE 8000
# Workers: WEB_CONCURRENCY (gunicorn reads it); more options through GUNICORN_CMD_ARGS.
# docker-compose.yml runs the migrations first and gives web a health check on /healthz.
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", \
     "--max-requests", "1000", "--max-requests-jitter", "100", "--timeout", "60"]
