#!/usr/bin/env bash
# Run the production stack on this machine: gunicorn on PostgreSQL, Redis for login limits.
# Needs PostgreSQL (DATABASE_URL) and Redis (RATELIMIT_STORAGE_URI) reachable; defaults fit a
# development machine with both on 127.0.0.1. Creates the database on first use, applies
# migrations and format tables (`flask mpr sync`), seeds the demo organisation only when
# MPR_SEED_DEMO=1, then serves on MPR_BIND (default 127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export MPR_CONFIG=production
export DATABASE_URL=${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/mpr}
export RATELIMIT_STORAGE_URI=${RATELIMIT_STORAGE_URI:-redis://127.0.0.1:6379/0}
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p instance
  [ -f instance/production_secret_key ] || "$VENV/bin/python" -c "import secrets; print(secrets.token_hex(32))" > instance/production_secret_key
  SECRET_KEY=$(cat instance/production_secret_key)
  export SECRET_KEY
  echo "SECRET_KEY not set: using instance/production_secret_key (set SECRET_KEY yourself in real production)"
fi
# Local HTTP only: a real deployment sits behind an HTTPS reverse proxy and keeps Secure cookies.
export SESSION_COOKIE_SECURE=${SESSION_COOKIE_SECURE:-0}
"$VENV/bin/python" - <<'PY'
import os
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
url = make_url(os.environ["DATABASE_URL"])
if url.get_backend_name() == "postgresql":
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first():
            c.execute(text(f'CREATE DATABASE "{url.database}"'))
            print(f"created database {url.database}")
    admin.dispose()
PY
"$VENV/bin/flask" --app run mpr sync
if [ "${MPR_SEED_DEMO:-0}" = "1" ]; then "$VENV/bin/flask" --app run mpr seed; fi
exec "$VENV/bin/gunicorn" -c deploy/gunicorn.conf.py run:app
