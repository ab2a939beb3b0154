# ruff: noqa
# Targets for .semgrep/rules/portal-view-file-access.yml (semgrep --test). The rule runs on view
# modules only (views.py, views/*.py, *_views.py); semgrep --test checks this file whatever its name.
from django.core.files.storage import default_storage
from django.http import HttpResponse

from core.files import private_file_response


def evidence_download(request, evidence):
    # ruleid: portal-view-file-access
    with open(evidence.file.path, "rb") as handle:
        return HttpResponse(handle.read(), content_type=evidence.content_type)


def media(request, media):
    # ruleid: portal-view-file-access
    handle = media.file.open("rb")
    # ruleid: portal-view-file-access
    data = default_storage.open(media.file.name).read()
    # ruleid: portal-view-file-access
    body = media.file.read()
    return HttpResponse(body, content_type="image/png")


def media_checked(request, media):
    # ok: portal-view-file-access
    return private_file_response(media.file, download_name=media.original_name, inline=True)
