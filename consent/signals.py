"""What the consent app announces to the rest of the portal.

Consent never imports the apps that publish material; an app that must act when a parent takes
consent back (approvals, for posts already published) connects a receiver here instead.
"""

from django.dispatch import Signal

# Sent once the withdrawal is committed, with keyword arguments: pupil (accounts.Pupil),
# purpose (a consent.models.Purpose value), academic_year ("2026/27"), withdrawn_by (the User who
# recorded it: the parent, or the member of staff entering their paper form), and answer (the
# ConsentAnswer recording the withdrawal). Receivers run after the commit: a failing receiver is
# logged and never undoes the withdrawal, and the WithdrawalFollowUp row stays as the safety net.
consent_withdrawn = Signal()
