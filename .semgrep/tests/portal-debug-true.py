# ruff: noqa
# Targets for .semgrep/rules/portal-debug-true.yml (semgrep --test).
from django.conf import settings

from portal.settings import env_bool

# ruleid: portal-debug-true
DEBUG = True
# ok: portal-debug-true
DEBUG = env_bool("DJANGO_DEBUG", False)
# ok: portal-debug-true
DEBUG = False


def switch_on():
    # ruleid: portal-debug-true
    settings.DEBUG = True
