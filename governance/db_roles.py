"""The application's own PostgreSQL role: what it may do to each table, granted by the owning role.

In production two roles reach the database. The owner (``portal``) runs the migrations and owns
every table. The application (``portal_app``: web, worker, beat) owns nothing, so it can neither
disable a trigger nor alter a table, and it may only read and write rows, with less on the tables
that record what happened. ``manage.py grant_app_role`` applies this after each migration.
"""

from __future__ import annotations

from django.db import connections, transaction
from psycopg2 import sql

# Tables whose rows are a record: the application adds to them and reads them, never changes
# them. Consent answers may also be deleted, but only by an erasure on request, which their row
# trigger checks (consent/migrations/0002); audit entries and the incidents' court-safe record
# (incidents/migrations/0003) never. No TRUNCATE on any table.
APPEND_ONLY_TABLES: dict[str, tuple[str, ...]] = {
    "governance_auditentry": ("SELECT", "INSERT"),
    "incidents_incidentevent": ("SELECT", "INSERT"),
    "incidents_takedownstep": ("SELECT", "INSERT"),
    "incidents_evidence": ("SELECT", "INSERT"),
    "consent_consentanswer": ("SELECT", "INSERT", "DELETE"),
}
# What the application's role must not be able to do to an append-only table, however it came by
# the privilege (granted by hand, to PUBLIC, or to a role it belongs to).
FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")

GRANTS = [
    "GRANT CONNECT ON DATABASE {database} TO {role}",
    "GRANT USAGE ON SCHEMA {schema} TO {role}",
    # From nothing each time, so a privilege granted by hand earlier does not linger.
    "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    # Tables a later migration creates (as the role running this) are the application's too. The
    # command runs again after every migration, which takes a new append-only table's extra back.
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
]


class RoleRefused(Exception):
    """The role cannot be the application's: it could get round the database's own guards."""


def grant_app_role(role: str, *, using: str = "default") -> None:
    """Grant the application's role rows and nothing more; run as the role that owns the tables."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleRefused("Database roles exist only on PostgreSQL.")
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        tables = _append_only_tables(cursor, schema)
        _refuse_unsafe_role(cursor, role, tables)
        names = {
            "role": sql.Identifier(role),
            "database": sql.Identifier(database),
            "schema": sql.Identifier(schema),
        }
        # Identifiers cannot be bound as parameters: sql.Identifier quotes each one.
        for statement in GRANTS:
            cursor.execute(sql.SQL(statement).format(**names))  # nosemgrep: portal-raw-sql
        for table, privileges in APPEND_ONLY_TABLES.items():
            grant = sql.SQL("REVOKE ALL ON {table} FROM {role}; GRANT {privileges} ON {table} TO {role}")
            grant = grant.format(
                table=sql.Identifier(schema, table),
                role=names["role"],
                privileges=sql.SQL(", ").join(map(sql.SQL, privileges)),
            )
            cursor.execute(grant)  # nosemgrep: portal-raw-sql
        # Checked after granting, so a privilege that reaches the role some other way fails the
        # command (and undoes its grants) instead of passing unnoticed.
        problems = []
        for table, oid in tables.items():
            cursor.execute(
                # Column privileges count: UPDATE of one column would still change a record.
                "SELECT has_any_column_privilege(%(role)s, %(oid)s::oid, 'UPDATE'),"
                " has_table_privilege(%(role)s, %(oid)s::oid, 'DELETE'),"
                " has_table_privilege(%(role)s, %(oid)s::oid, 'TRUNCATE'),"
                " has_table_privilege(%(role)s, %(oid)s::oid, 'TRIGGER')",
                {"role": role, "oid": oid},
            )
            held = dict(zip(FORBIDDEN, cursor.fetchone(), strict=True))
            problems += [
                f"can {privilege} {table}"
                for privilege in FORBIDDEN
                if held[privilege] and privilege not in APPEND_ONLY_TABLES[table]
            ]
        cursor.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])
        if cursor.fetchone()[0]:
            problems.append(f"can create objects in the schema {schema}")
        if problems:
            raise RoleRefused(f"The role {role} {'; '.join(problems)}.")


def _append_only_tables(cursor, schema: str) -> dict[str, int]:
    """The append-only tables' oids; every one must exist (run the migrations first)."""
    cursor.execute(
        "SELECT c.relname, c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = ANY(%s)",
        [schema, list(APPEND_ONLY_TABLES)],
    )
    tables = dict(cursor.fetchall())
    missing = sorted(set(APPEND_ONLY_TABLES) - set(tables))
    if missing:
        raise RoleRefused(f"The tables {', '.join(missing)} are missing: run the migrations first.")
    return tables


def _refuse_unsafe_role(cursor, role: str, tables: dict[str, int]) -> None:
    """Refuse a role that could switch the triggers off: a superuser, an owner, or one that may become one."""
    cursor.execute(
        "SELECT"
        # A member of a superuser role can SET ROLE to it.
        " EXISTS (SELECT 1 FROM pg_roles s WHERE s.rolsuper AND pg_has_role(r.oid, s.oid, 'MEMBER')),"
        # Before PostgreSQL 16 a CREATEROLE role may grant itself any other role, the owner too.
        " r.rolcreaterole,"
        " r.rolbypassrls,"
        " EXISTS (SELECT 1 FROM pg_class c"
        "   WHERE c.oid = ANY(%s::oid[]) AND pg_has_role(r.oid, c.relowner, 'MEMBER'))"
        " FROM pg_roles r WHERE r.rolname = %s",
        [list(tables.values()), role],
    )
    row = cursor.fetchone()
    if row is None:
        raise RoleRefused(f"There is no role {role}: create it first (scripts/db-init/10-portal-roles.sh).")
    reasons = ("is or may become a superuser", "has CREATEROLE", "bypasses row-level security")
    problems = [reason for reason, found in zip((*reasons, "owns the tables"), row, strict=True) if found]
    if problems:
        raise RoleRefused(f"The role {role} {'; '.join(problems)}.")
