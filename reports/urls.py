from django.urls import path

from reports.views import public as views

app_name = "reports"

urlpatterns = [
    path("report/", views.start, name="start"),
]
