# ruff: noqa
# Targets for .semgrep/rules/portal-subprocess-shell.yml (semgrep --test).
import os
import subprocess


def convert(upload_name, folder):
    # ruleid: portal-subprocess-shell
    subprocess.run(f"convert {upload_name} out.png", shell=True, check=True)
    # ruleid: portal-subprocess-shell
    os.system("rm -rf " + folder)
    # ruleid: portal-subprocess-shell
    os.popen(f"ls {folder}")
    # ok: portal-subprocess-shell
    subprocess.run(["convert", upload_name, "out.png"], check=True)
    # ok: portal-subprocess-shell
    os.rmdir(folder)
    # ok: portal-subprocess-shell
    return os.cpu_count()
