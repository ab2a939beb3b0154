# ruff: noqa
# Targets for .semgrep/rules/portal-one-upload-check.yml (semgrep --test).
import filetype

from core.uploads import check_upload


def check_media(upload):
    # ruleid: portal-one-upload-check
    kind = filetype.guess(upload.read(8192))
    # ruleid: portal-one-upload-check
    mime = filetype.guess_mime(upload.read(8192))
    return kind.mime if kind else mime


def check_media_once(upload):
    # ok: portal-one-upload-check
    return check_upload(upload, types={"image/png"}, max_bytes=1024, too_large="{name}", bad_type="{name}")


def sniffed_type(head):
    # ok: portal-one-upload-check
    kind = filetype.guess(head)
    return kind.mime if kind is not None else None
