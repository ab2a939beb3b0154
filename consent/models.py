"""Models of consent (built in its own issue)."""
