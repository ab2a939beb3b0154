from django.urls import path

from approvals.views import filtering, register, requests
from approvals.workflows import all_workflows

app_name = "approvals"

urlpatterns = [
    path("inbox/", requests.inbox, name="inbox"),
    path("requests/", requests.request_list, name="list"),
    path("requests/<uuid:request_id>/", requests.request_detail, name="detail"),
    path("requests/<uuid:request_id>/decide/", requests.request_decide, name="decide"),
    path("requests/<uuid:request_id>/edit/", requests.request_edit, name="edit"),
    path("requests/<uuid:request_id>/submit/", requests.request_submit, name="submit"),
    path("requests/<uuid:request_id>/withdraw/", requests.request_withdraw, name="withdraw"),
    path("requests/<uuid:request_id>/pdf/", requests.request_pdf, name="pdf"),
    path("requests/<uuid:request_id>/filter/", requests.filter_record, name="filter_record"),
    path("media/<uuid:media_id>/", requests.post_media, name="media"),
    path("filtering/", filtering.filter_changes, name="filter_changes"),
    path("filtering/review/", filtering.filtering_review, name="filtering_review"),
    path("filtering/review/pdf/", filtering.filtering_review_pdf, name="filtering_review_pdf"),
    path("filtering/review/csv/", filtering.filtering_review_csv_view, name="filtering_review_csv"),
    path("accounts/", register.account_list, name="account_list"),
    path("accounts/<uuid:account_id>/", register.account_detail, name="account_detail"),
    path("accounts/<uuid:account_id>/status/", register.account_status, name="account_status"),
    path("accounts/<uuid:account_id>/review/", register.account_review, name="account_review"),
    path("takedowns/", register.takedown_list, name="takedown_list"),
    path("takedowns/<uuid:task_id>/done/", register.takedown_done, name="takedown_done"),
]

# One page per kind of request, all served by the same view with the kind's own form.
urlpatterns += [
    path(
        f"requests/new/{workflow.type.replace('_', '-')}/",
        requests.request_create,
        {"kind": workflow.type},
        name=f"create_{workflow.type}",
    )
    for workflow in all_workflows()
]
