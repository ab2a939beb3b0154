from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("children/", views.parent_overview, name="parent"),
    path("children/<uuid:pupil_id>/", views.parent_child, name="parent_child"),
    path("children/<uuid:pupil_id>/withdraw/", views.parent_withdraw, name="parent_withdraw"),
    path("check/", views.check, name="check"),
    path("register/", views.register, name="register"),
    path("register/export.csv", views.register_csv, name="register_csv"),
    path("register/export.pdf", views.register_pdf, name="register_pdf"),
    path("pupils/<uuid:pupil_id>/", views.pupil_consent, name="pupil"),
    path("pupils/<uuid:pupil_id>/paper-form/", views.paper_form, name="paper_form"),
    path("withdrawals/", views.follow_ups, name="follow_ups"),
    path("withdrawals/<uuid:follow_up_id>/", views.follow_up_resolve, name="follow_up_resolve"),
    path("collections/", views.collections, name="collections"),
    path("collections/open/", views.collection_open, name="collection_open"),
    path("collections/schedule/", views.collection_schedule, name="collection_schedule"),
    path("collections/<uuid:collection_id>/", views.collection_detail, name="collection_detail"),
    path("events/", views.events, name="events"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<uuid:event_id>/", views.event_detail, name="event_detail"),
    path("events/<uuid:event_id>/pupils/", views.event_add_pupils, name="event_add_pupils"),
    path("events/<uuid:event_id>/pupils/remove/", views.event_remove_pupil, name="event_remove_pupil"),
    path("events/<uuid:event_id>/briefing.pdf", views.event_briefing, name="event_briefing"),
    # The MIS import moved to accounts; its old addresses send people on (views.moved).
    path("import/", views.import_upload_moved, name="import_upload_moved"),
    path("import/<uuid:run_id>/", views.import_run_moved, name="import_run_moved"),
    path("import/<uuid:run_id>/apply/", views.import_apply_moved, name="import_apply_moved"),
]
