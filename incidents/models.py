"""Models of incidents (built in its own issue)."""
