"""Views of approvals: requests of every kind (requests), the accounts register and takedowns
(register), and filtering (filtering)."""
