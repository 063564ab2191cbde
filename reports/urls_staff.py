"""The staff dashboard (namespace ``dashboard``), mounted at /staff/."""

from django.urls import path

from reports.views import staff

app_name = "dashboard"

urlpatterns = [
    path("", staff.queue, name="queue"),
]
