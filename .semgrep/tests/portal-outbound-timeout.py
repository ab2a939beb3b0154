# ruff: noqa
# Targets for .semgrep/rules/portal-outbound-timeout.yml (semgrep --test).
import urllib.request

import httpx
import requests


def check_still_online(url):
    # ruleid: portal-outbound-timeout
    requests.get(url)
    # ruleid: portal-outbound-timeout
    requests.post(url, data={"a": 1})
    # ruleid: portal-outbound-timeout
    httpx.get(url)
    # ruleid: portal-outbound-timeout
    urllib.request.urlopen(url)
    # ok: portal-outbound-timeout
    requests.get(url, timeout=10)
    # ok: portal-outbound-timeout
    httpx.post(url, json={}, timeout=5.0)
    # ok: portal-outbound-timeout
    return urllib.request.urlopen(url, timeout=10)
