"""Load test of the portal through gunicorn (scripts/load-test runs it; see docs/scaling.md)."""
