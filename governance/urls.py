from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:notification_id>/", views.notification_detail, name="notification_detail"),
    path("audit/", views.audit_log, name="audit_log"),
]

from governance import dashboard_views, policy_views  # noqa: E402

urlpatterns += [
    path("policies/", policy_views.policy_list, name="policy_list"),
    path("policies/new/", policy_views.policy_create, name="policy_create"),
    path("policies/<uuid:policy_id>/", policy_views.policy_detail, name="policy_detail"),
    path("policies/<uuid:policy_id>/versions/new/", policy_views.version_add, name="version_add"),
    path(
        "policies/versions/<uuid:version_id>/publish/", policy_views.version_publish, name="version_publish"
    ),
    path("policies/versions/<uuid:version_id>/read/", policy_views.policy_read, name="policy_read"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/schools/<uuid:school_id>/", dashboard_views.school_dashboard, name="school_dashboard"),
    path("trustee-reports/", dashboard_views.trustee_reports, name="trustee_reports"),
    path("trustee-reports/new/", dashboard_views.trustee_report_generate, name="trustee_report_generate"),
    path(
        "trustee-reports/<uuid:report_id>/download/",
        dashboard_views.trustee_report_download,
        name="trustee_report_download",
    ),
]

from governance import training_views  # noqa: E402

urlpatterns += [
    path("training/", training_views.training_list, name="training_list"),
    path("training/new/", training_views.training_new, name="training_new"),
    path("training/<uuid:session_id>/", training_views.training_detail, name="training_detail"),
]

from governance import dp_views  # noqa: E402

urlpatterns += [
    path("data-protection/retention/", dp_views.retention_overview, name="retention"),
    path("data-protection/retention/<uuid:review_id>/", dp_views.retention_decide, name="retention_decide"),
    path("data-protection/pupils/<uuid:pupil_id>/", dp_views.subject_access_page, name="subject_access"),
    path(
        "data-protection/pupils/<uuid:pupil_id>/pass-on/",
        dp_views.subject_access_refer,
        name="subject_access_refer",
    ),
    path(
        "data-protection/pupils/<uuid:pupil_id>/export.json",
        dp_views.subject_access_json,
        name="subject_access_json",
    ),
    path(
        "data-protection/pupils/<uuid:pupil_id>/export.pdf",
        dp_views.subject_access_pdf,
        name="subject_access_pdf",
    ),
]
