"""Forms of approvals: each kind's request form (requests) and the case page's forms (decisions)."""
