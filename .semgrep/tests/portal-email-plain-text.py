# ruff: noqa
# Targets for .semgrep/rules/portal-email-plain-text.yml (semgrep --test).
from django.contrib.auth import views as auth_views
from django.core.mail import EmailMultiAlternatives, send_mail


def tell(notification, body_html):
    # ruleid: portal-email-plain-text
    send_mail("Subject", "Body", None, [notification.user.email], html_message=body_html)
    # ruleid: portal-email-plain-text
    message = EmailMultiAlternatives("Subject", "Body", None, [notification.user.email])
    # ruleid: portal-email-plain-text
    message.attach_alternative(body_html, "text/html")
    # ok: portal-email-plain-text
    send_mail(
        subject="Subject", message="Sign in to read it", from_email=None, recipient_list=["a@b.example"]
    )


# ruleid: portal-email-plain-text
reset = auth_views.PasswordResetView.as_view(html_email_template_name="accounts/email/reset.html")
# ok: portal-email-plain-text
reset_plain = auth_views.PasswordResetView.as_view(email_template_name="accounts/email/password_reset.txt")
