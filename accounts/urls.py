from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import sso_views, views
from accounts.forms import PortalPasswordResetForm

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/sso/", sso_views.sso_start, name="sso_start"),
    path("sign-in/sso/callback/", sso_views.sso_callback, name="sso_callback"),
    path("sign-out/", views.sign_out, name="logout"),
    path("two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path(
        "password/reset/",
        views.PasswordResetRequestView.as_view(
            form_class=PortalPasswordResetForm,
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("pupils/", views.pupil_list, name="pupil_list"),
    path("pupils/<uuid:pupil_id>/", views.pupil_detail, name="pupil_detail"),
    path("pupils/import/", views.import_upload, name="import_upload"),
    path("pupils/import/<uuid:run_id>/", views.import_run, name="import_run"),
    path("pupils/import/<uuid:run_id>/apply/", views.import_apply, name="import_apply"),
]
