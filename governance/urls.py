from django.urls import path

from governance.views import breaches, dashboards, data_protection, inbox, policies, training

app_name = "governance"

urlpatterns = [
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<uuid:notification_id>/", inbox.notification_detail, name="notification_detail"),
    path("audit/", inbox.audit_log, name="audit_log"),
    path("policies/", policies.policy_list, name="policy_list"),
    path("policies/new/", policies.policy_create, name="policy_create"),
    path("policies/<uuid:policy_id>/", policies.policy_detail, name="policy_detail"),
    path("policies/<uuid:policy_id>/versions/new/", policies.version_add, name="version_add"),
    path("policies/versions/<uuid:version_id>/publish/", policies.version_publish, name="version_publish"),
    path("policies/versions/<uuid:version_id>/read/", policies.policy_read, name="policy_read"),
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/schools/<uuid:school_id>/", dashboards.school_dashboard, name="school_dashboard"),
    path("trustee-reports/", dashboards.trustee_reports, name="trustee_reports"),
    path("trustee-reports/new/", dashboards.trustee_report_generate, name="trustee_report_generate"),
    path(
        "trustee-reports/<uuid:report_id>/download/",
        dashboards.trustee_report_download,
        name="trustee_report_download",
    ),
    path("training/", training.training_list, name="training_list"),
    path("training/new/", training.training_new, name="training_new"),
    path("training/<uuid:session_id>/", training.training_detail, name="training_detail"),
    path("data-protection/retention/", data_protection.retention_overview, name="retention"),
    path(
        "data-protection/retention/<uuid:review_id>/",
        data_protection.retention_decide,
        name="retention_decide",
    ),
    path("data-protection/breaches/", breaches.breach_list, name="breach_list"),
    path("data-protection/breaches/new/", breaches.breach_new, name="breach_new"),
    path("data-protection/breaches/<uuid:breach_id>/", breaches.breach_detail, name="breach_detail"),
    path(
        "data-protection/pupils/<uuid:pupil_id>/", data_protection.subject_access_page, name="subject_access"
    ),
    path("data-protection/pupils/<uuid:pupil_id>/erase/", data_protection.pupil_erase, name="pupil_erase"),
    path(
        "data-protection/pupils/<uuid:pupil_id>/pass-on/",
        data_protection.subject_access_refer,
        name="subject_access_refer",
    ),
    path(
        "data-protection/pupils/<uuid:pupil_id>/export.json",
        data_protection.subject_access_json,
        name="subject_access_json",
    ),
    path(
        "data-protection/pupils/<uuid:pupil_id>/export.pdf",
        data_protection.subject_access_pdf,
        name="subject_access_pdf",
    ),
]
