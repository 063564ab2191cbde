"""The staff dashboard (namespace ``dashboard``), mounted at /staff/."""

from django.urls import path

from reports.triage import preferences, report_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.queue_page, name="queue"),
    path("export.csv", report_views.export_csv, name="export"),
    path("stats/", report_views.stats_page, name="stats"),
    path("audit/", report_views.audit_log, name="audit"),
    path("coverage/", report_views.coverage_page, name="coverage"),
    path("preferences/", views.alert_preferences, name="preferences"),
    path("preferences/mobile/send-code/", preferences.mobile_send_code, name="mobile-send-code"),
    path("preferences/mobile/confirm/", preferences.mobile_confirm, name="mobile-confirm"),
    path("preferences/mobile/cancel/", preferences.mobile_cancel, name="mobile-cancel"),
    path("preferences/mobile/options/", preferences.mobile_options, name="mobile-options"),
    path("preferences/mobile/remove/", preferences.mobile_remove, name="mobile-remove"),
    path("tips/<int:tip_id>/", views.tip_detail, name="tip-detail"),
    path("tips/<int:tip_id>/acknowledge/", views.tip_acknowledge, name="tip-acknowledge"),
    path("tips/<int:tip_id>/acknowledge-for/", views.tip_acknowledge_for, name="tip-acknowledge-for"),
    path("tips/<int:tip_id>/read/", views.tip_mark_read, name="tip-mark-read"),
    path("tips/<int:tip_id>/parts/<int:routing_id>/", views.part_step, name="part-step"),
    path("tips/<int:tip_id>/parts/<int:routing_id>/assign/", views.part_assign, name="part-assign"),
    path("tips/<int:tip_id>/priority/", views.tip_priority, name="tip-priority"),
    path("tips/<int:tip_id>/notes/", views.tip_note, name="tip-note"),
    path("tips/<int:tip_id>/messages/", views.tip_message, name="tip-message"),
    path("tips/<int:tip_id>/link/", views.tip_link, name="tip-link"),
    path("tips/<int:tip_id>/reroute/", views.tip_reroute, name="tip-reroute"),
    path("tips/<int:tip_id>/images/<uuid:attachment_id>/", views.tip_image, name="tip-image"),
    path("tips/<int:tip_id>/images/<uuid:attachment_id>/file/", views.tip_image_file, name="tip-image-file"),
]
