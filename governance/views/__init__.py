"""Governance's pages, one module per register: the home page, the inbox and audit log, the
dashboards and trustees' reports, the policy register, training records and data protection."""
