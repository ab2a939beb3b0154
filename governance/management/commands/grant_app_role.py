"""Give the application's database role what it needs and no more: ``manage.py grant_app_role portal_app``.

Run as the role that owns the tables (the one that ran the migrations), after every ``migrate``:
docker-compose.yml's ``migrate`` service does both. See governance.db_roles for what is granted.
A command rather than a post_migrate handler: it needs the name of a role that only the
deployment knows, and a developer's single-role database has no such role to grant to.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from governance.db_roles import APPEND_ONLY_TABLES, RoleRefused, grant_app_role


class Command(BaseCommand):
    help = "Grant the application's PostgreSQL role rows only (run as the owner of the tables)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role the application connects as, e.g. portal_app.")
        parser.add_argument("--database", default="default", help="The connection to grant through.")

    def handle(self, *args, **options):
        role = options["role"]
        try:
            grant_app_role(role, using=options["database"])
        except RoleRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(f"{role} may SELECT, INSERT, UPDATE and DELETE rows, except on:")
        for table, privileges in APPEND_ONLY_TABLES.items():
            self.stdout.write(f"  {table}: {', '.join(privileges)} only")
