# ruff: noqa
# Targets for .semgrep/rules/portal-private-files.yml (semgrep --test).
from django.conf import settings
from django.conf.urls.static import static
from django.http import FileResponse
from django.views.static import serve

from core.files import private_file_response


def download(request, evidence):
    # ruleid: portal-private-files
    return FileResponse(evidence.file.open("rb"), as_attachment=True)


def download_checked(request, evidence):
    # ok: portal-private-files
    return private_file_response(evidence.file, download_name=evidence.original_name)


urlpatterns = [
    # ruleid: portal-private-files
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
# ruleid: portal-private-files
media_view = serve


def private_file_response(fieldfile, *, download_name):
    # ok: portal-private-files
    return FileResponse(fieldfile.open("rb"), as_attachment=True, filename=download_name)
