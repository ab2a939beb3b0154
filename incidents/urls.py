from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("<uuid:incident_id>/", views.incident_detail, name="detail"),
]
