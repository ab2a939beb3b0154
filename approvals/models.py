"""Models of approvals (built in its own issue)."""
