# syntax=docker/dockerfile:1
#
# Hireloop's production image.
#
#   docker build -t hireloop .
#   docker run --rm -e DATABASE_URL=... -e HIRELOOP_SECRET_KEY=... hireloop hireloop migrate
#   docker run -d -p 8000:8000 -e DATABASE_URL=... -e HIRELOOP_SECRET_KEY=... hireloop
#
# The source tree is installed *in place* at /app (an editable install) rather than copied into
# site-packages. The reason: app/migrations.py finds alembic.ini and migrations/ next to the app
# package (Path(__file__).parent.parent). After a plain `pip install .`, that parent directory
# is site-packages, where neither file exists, so `hireloop migrate`, the migration check in
# `hireloop serve` and /readyz would all fail. With the in-place install, the app package is
# /app/app, so its parent is /app, which holds alembic.ini and migrations/. /app must therefore
# have the same path in both stages.

# ---- builder: the pinned dependencies and the app, installed into /opt/venv ----------------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them. The
# dependency list comes from pyproject.toml and the versions from constraints.txt.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt

# Then the application itself, installed in place (see above).
COPY . .
RUN pip install -c constraints.txt -e . \
 && python -m compileall -q /app/app /app/migrations

# ---- runtime: only the interpreter, the venv and the source tree ----------------------------
FROM python:3.11-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HIRELOOP_ENV=production \
    HIRELOOP_PORT=8000 \
    HIRELOOP_DATA_DIR=/var/lib/hireloop

# An unprivileged user. Its home is the data directory, the only place it can write. That
# directory is used only by the embedded PostgreSQL, which deployments do not use: set
# DATABASE_URL.
RUN groupadd --system --gid 10001 hireloop \
 && useradd --system --uid 10001 --gid hireloop --home-dir /var/lib/hireloop --create-home \
        --shell /usr/sbin/nologin hireloop

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

WORKDIR /app
USER hireloop

EXPOSE 8000

# Liveness only: the process answers. Use /readyz (database reachable, migrations at head) as
# the readiness probe of your orchestrator or load balancer. Standard library only, no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HIRELOOP_PORT', '8000'), timeout=4)"]

# uvicorn trusts X-Forwarded-* only from the addresses in FORWARDED_ALLOW_IPS (127.0.0.1 by
# default). Set it to your proxy's address if one sits in front of the container.
CMD ["hireloop", "serve", "--host", "0.0.0.0"]
