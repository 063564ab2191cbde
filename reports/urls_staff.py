"""The staff dashboard (namespace ``dashboard``), mounted at /staff/."""

from django.urls import path

from reports.views import staff, staff_reports

app_name = "dashboard"

urlpatterns = [
    path("", staff.queue_page, name="queue"),
    path("export.csv", staff_reports.export_csv, name="export"),
    path("stats/", staff_reports.stats_page, name="stats"),
    path("audit/", staff_reports.audit_log, name="audit"),
    path("preferences/", staff.alert_preferences, name="preferences"),
    path("tips/<int:tip_id>/", staff.tip_detail, name="tip-detail"),
    path("tips/<int:tip_id>/acknowledge/", staff.tip_acknowledge, name="tip-acknowledge"),
    path("tips/<int:tip_id>/assign/", staff.tip_assign, name="tip-assign"),
    path("tips/<int:tip_id>/priority/", staff.tip_priority, name="tip-priority"),
    path("tips/<int:tip_id>/status/", staff.tip_status, name="tip-status"),
    path("tips/<int:tip_id>/notes/", staff.tip_note, name="tip-note"),
    path("tips/<int:tip_id>/messages/", staff.tip_message, name="tip-message"),
    path("tips/<int:tip_id>/link/", staff.tip_link, name="tip-link"),
    path("tips/<int:tip_id>/reroute/", staff.tip_reroute, name="tip-reroute"),
    path("tips/<int:tip_id>/images/<uuid:attachment_id>/", staff.tip_image, name="tip-image"),
]
