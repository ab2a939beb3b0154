#!/usr/bin/env bash
# The portal's two database roles. The postgres image runs this once, as the server's superuser,
# when it starts on an empty volume (docker-compose.yml mounts scripts/db-init/ into
# /docker-entrypoint-initdb.d):
#   portal      owns the database and every table, and runs the migrations (the compose `migrate`
#               service). Not a superuser: a stray TRUNCATE of the audit log fails for it too.
#   portal_app  the web application, worker and beat. Owns nothing, so it can neither alter a table
#               nor disable a trigger; `manage.py grant_app_role portal_app` (run by `migrate`)
#               gives it rows, and on the append-only tables only reading and adding.
# Safe to run again, e.g. to change a password after editing .env, or on a volume made before this
# script existed (whose superuser is `portal`):
#   docker compose exec -e POSTGRES_USER=portal db bash /docker-entrypoint-initdb.d/10-portal-roles.sh
# No `set -u`: the image sources a script that is not executable, and its own shell must not change.
set -eo pipefail

psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:?}" --dbname "${POSTGRES_DB:?}" \
  -v database="${POSTGRES_DB}" \
  -v owner_password="${PORTAL_DB_OWNER_PASSWORD:?set PORTAL_DB_OWNER_PASSWORD}" \
  -v app_password="${PORTAL_DB_APP_PASSWORD:?set PORTAL_DB_APP_PASSWORD}" <<'SQL'
-- An existing `portal` keeps its attributes: on an old volume it is the only superuser.
SELECT 'CREATE ROLE portal NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS'
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal')\gexec
ALTER ROLE portal LOGIN PASSWORD :'owner_password';
SELECT 'CREATE ROLE portal_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal_app')\gexec
ALTER ROLE portal_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  NOINHERIT PASSWORD :'app_password';
-- The owner of the database owns its public schema too (PostgreSQL 15), so migrations may create
-- tables there and nobody else may.
ALTER DATABASE :"database" OWNER TO portal;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO portal, portal_app;
SQL
