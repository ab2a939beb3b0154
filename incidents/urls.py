from django.urls import path

from incidents.views import actions, case, integrity, queue, records, report, takedowns

app_name = "incidents"

urlpatterns = [
    path("queue/", queue.queue, name="queue"),
    path("report/", report.report, name="report"),
    path("mine/", report.my_reports, name="mine"),
    path("<uuid:incident_id>/", case.incident_detail, name="detail"),
    path("<uuid:incident_id>/reported/", report.report_done, name="report_done"),
    path("<uuid:incident_id>/evidence/<uuid:evidence_id>/", case.evidence_download, name="evidence"),
    path("<uuid:incident_id>/evidence/add/", actions.add_evidence, name="add_evidence"),
    path("<uuid:incident_id>/severity/", actions.set_severity, name="set_severity"),
    path("<uuid:incident_id>/assign/", actions.assign, name="assign"),
    path("<uuid:incident_id>/notes/", actions.add_note, name="add_note"),
    path("<uuid:incident_id>/actions/", actions.record_action, name="record_action"),
    path("<uuid:incident_id>/referrals/", actions.refer, name="refer"),
    path("<uuid:incident_id>/pupils/", actions.link_pupil, name="link_pupil"),
    path("<uuid:incident_id>/staff/", case.link_staff, name="link_staff"),
    path("<uuid:incident_id>/close/", actions.close, name="close"),
    path("<uuid:incident_id>/reopen/", actions.reopen, name="reopen"),
    path("<uuid:incident_id>/ict-action/", actions.record_ict_action, name="ict_action"),
    path("<uuid:incident_id>/takedowns/", actions.open_takedown, name="open_takedown"),
    path(
        "takedowns/<uuid:takedown_id>/removal-requested/", takedowns.request_removal, name="takedown_request"
    ),
    path("takedowns/<uuid:takedown_id>/checked/", takedowns.check, name="takedown_check"),
    path(
        "takedowns/<uuid:takedown_id>/removal-confirmed/", takedowns.confirm_removal, name="takedown_confirm"
    ),
    path("takedowns/<uuid:takedown_id>/escalated/", takedowns.escalate, name="takedown_escalate"),
    path("takedowns/<uuid:takedown_id>/police/", takedowns.report_police, name="takedown_police"),
    path("takedowns/<uuid:takedown_id>/ceop/", takedowns.report_ceop, name="takedown_ceop"),
    path("takedowns/<uuid:takedown_id>/support/", takedowns.offer_support, name="takedown_support"),
    path("takedowns/<uuid:takedown_id>/no-longer-needed/", takedowns.withdraw, name="takedown_withdraw"),
    path("pupils/<uuid:pupil_id>/chronology/", records.chronology, name="chronology"),
    path("pupils/<uuid:pupil_id>/chronology.pdf", records.chronology_pdf, name="chronology_pdf"),
    path("inspection-pack/", records.inspection_pack, name="inspection_pack"),
    path("evidence-integrity/", integrity.evidence_integrity, name="evidence_integrity"),
    path("moderation/", records.moderation_log, name="moderation_log"),
    path("moderation/new/", records.moderation_new, name="moderation_new"),
    path("platforms/", records.platforms, name="platforms"),
    path("platforms/<uuid:platform_id>/", records.platform_edit, name="platform_edit"),
]
