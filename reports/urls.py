from django.urls import path

from reports.intake import views

app_name = "reports"

# Fixed, generic addresses: no category, school or receipt ever appears in a URL.
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/schools/", views.schools, name="schools"),
    path("report/receipt/", views.confirm_receipt, name="confirm-receipt"),
    path("report/receipt/decoy/", views.take_decoy, name="take-decoy"),
    path("report/check/", views.check, name="check"),
    path("report/conversation/", views.conversation, name="conversation"),
    path("report/conversation/close/", views.ask_to_close, name="ask-to-close"),
    path("report/leave/", views.leave, name="leave"),
]
