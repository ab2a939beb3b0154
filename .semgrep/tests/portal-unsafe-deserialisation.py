# ruff: noqa
# Targets for .semgrep/rules/portal-unsafe-deserialisation.yml (semgrep --test).
import json
import pickle

import yaml


def read(upload):
    data = upload.read()
    # ruleid: portal-unsafe-deserialisation
    pickle.loads(data)
    # ruleid: portal-unsafe-deserialisation
    yaml.load(data)
    # ruleid: portal-unsafe-deserialisation
    yaml.load(data, Loader=yaml.Loader)
    # ruleid: portal-unsafe-deserialisation
    yaml.unsafe_load(data)
    # ok: portal-unsafe-deserialisation
    yaml.safe_load(data)
    # ok: portal-unsafe-deserialisation
    yaml.load(data, Loader=yaml.SafeLoader)
    # ok: portal-unsafe-deserialisation
    return json.loads(data)
