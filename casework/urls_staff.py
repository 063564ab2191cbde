"""Casework on the staff dashboard (namespace ``casework``), mounted at /staff/casework/."""

from django.urls import path

from casework.views import cases, notices, state_reports, tips

app_name = "casework"

urlpatterns = [
    path("cases/", cases.case_list, name="cases"),
    path("cases/new/", cases.case_new, name="case-new"),
    path("cases/export.csv", cases.case_export, name="case-export"),
    path("cases/<int:case_id>/", cases.case_detail, name="case"),
    path("cases/<int:case_id>/team/", cases.case_member_add, name="case-member-add"),
    path("cases/<int:case_id>/team/<int:member_id>/remove/", cases.case_member_remove, name="case-member-remove"),
    path("cases/<int:case_id>/steps/", cases.case_step, name="case-step"),
    path("cases/<int:case_id>/actions/", cases.case_action_add, name="case-action-add"),
    path("cases/<int:case_id>/actions/<int:action_id>/done/", cases.case_action_done, name="case-action-done"),
    path("cases/<int:case_id>/review/", cases.case_review, name="case-review"),
    path("cases/<int:case_id>/close/", cases.case_close, name="case-close"),
    path("cases/<int:case_id>/reopen/", cases.case_reopen, name="case-reopen"),
    path("cases/<int:case_id>/tips/", cases.case_link_tip, name="case-link-tip"),
    path("cases/<int:case_id>/state-report/", cases.case_state_mark, name="case-state-mark"),
    path("notices/", notices.notice_list, name="notices"),
    path("notices/new/", notices.notice_new, name="notice-new"),
    path("notices/<int:notice_id>/", notices.notice_detail, name="notice"),
    path("notices/<int:notice_id>/acknowledge/", notices.notice_acknowledge, name="notice-acknowledge"),
    path("notices/<int:notice_id>/acknowledge-for/", notices.notice_acknowledge_for, name="notice-acknowledge-for"),
    path("notices/<int:notice_id>/case/", notices.notice_link_case, name="notice-link-case"),
    path("state-report/", state_reports.report_index, name="state-reports"),
    path("state-report/<int:district_id>/", state_reports.report_page, name="state-report"),
    path("state-report/<int:district_id>/report.csv", state_reports.report_csv, name="state-report-csv"),
    path("tips/<int:tip_id>/hand-offs/", tips.tip_hand_off, name="tip-hand-off"),
    path("tips/<int:tip_id>/state-report/", tips.tip_state_mark, name="tip-state-mark"),
]
