from django.urls import path

from reports.views import public

app_name = "reports"

# Fixed, generic addresses: no category, school or receipt ever appears in a URL.
urlpatterns = [
    path("report/", public.report, name="report"),
    path("report/receipt/", public.confirm_receipt, name="confirm-receipt"),
    path("report/check/", public.check, name="check"),
    path("report/conversation/", public.conversation, name="conversation"),
    path("report/leave/", public.leave, name="leave"),
]
