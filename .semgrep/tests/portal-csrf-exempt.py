# ruff: noqa
# Targets for .semgrep/rules/portal-csrf-exempt.yml (semgrep --test).
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST


# ruleid: portal-csrf-exempt
@csrf_exempt
@require_POST
def withdraw(request):
    return None


def decide(request):
    return None


# ruleid: portal-csrf-exempt
decide_view = csrf_exempt(decide)


# ok: portal-csrf-exempt
@csrf_protect
def confirm(request):
    return None
