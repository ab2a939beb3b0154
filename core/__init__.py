"""The bottom layer: mechanisms every app uses, written once, importing no app of the portal.

The apps above fill its registries in their ``AppConfig.ready()``; the top layer (governance and
portal) reads them, so it learns what exists without importing every app's models."""
