from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:notification_id>/", views.notification_detail, name="notification_detail"),
    path("audit/", views.audit_log, name="audit_log"),
]
