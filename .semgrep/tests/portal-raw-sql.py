# ruff: noqa
# Targets for .semgrep/rules/portal-raw-sql.yml (semgrep --test).
from django.db import connection
from django.db.models.expressions import RawSQL

from incidents.models import Incident


def queries(name, key, table):
    # ruleid: portal-raw-sql
    Incident.objects.raw("SELECT * FROM incidents_incident")
    # ruleid: portal-raw-sql
    Incident.objects.filter(school_id=1).extra(where=["description LIKE '%%x%%'"])
    # ruleid: portal-raw-sql
    Incident.objects.annotate(n=RawSQL("SELECT 1", []))
    with connection.cursor() as cursor:
        # ruleid: portal-raw-sql
        cursor.execute(f"SELECT * FROM accounts_pupil WHERE last_name = '{name}'")
        # ruleid: portal-raw-sql
        cursor.execute("SELECT * FROM accounts_pupil WHERE last_name = '%s'" % name)
        # ruleid: portal-raw-sql
        cursor.execute("SELECT * FROM {} WHERE id = %s".format(table), [key])
        # ruleid: portal-raw-sql
        cursor.execute("SELECT * FROM " + table)
        # ok: portal-raw-sql
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        # ok: portal-raw-sql
        cursor.execute("SELECT set_config('portal.consent_erasure', 'on', true)")
    # ok: portal-raw-sql
    Incident.objects.filter(description__icontains=name)
