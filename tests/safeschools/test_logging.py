"""SECURITY.md 2: logs and error reports carry no address, user agent, POST body or receipt."""

import logging
import sys

from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from safeschools.logging import ScrubbingExceptionReporter, ScrubbingExceptionReporterFilter, ScrubFilter, scrub

# Built at run time so that the report's source-code excerpts cannot contain them.
MARK_ADDRESS = ".".join(["203", "0", "113", "77"])
MARK_AGENT = "/".join(["MarkerAgent", "9.9 (tipster phone)"])
MARK_TEXT = "-".join(["marker", "tip", "text", "gun", "in", "locker"])
MARK_SESSION = "-".join(["marker", "session"])


def test_scrub_removes_addresses_and_receipts():
    line = f"from {MARK_ADDRESS} and 2001:db8::1:2 receipt 7KQ2-M9XT-4HVA-P3RW-8CNE-Y6GD-00 ok"
    cleaned = scrub(line)
    assert MARK_ADDRESS not in cleaned
    assert "2001:db8" not in cleaned
    assert "7KQ2-M9XT" not in cleaned
    assert cleaned.endswith(" ok")
    assert scrub("at 18:50:24 fe80::1 and ::1") == "at 18:50:24 [redacted] and [redacted]"


def test_log_filter_redacts_formatted_arguments():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "client %s said hi", (MARK_ADDRESS,), None)
    assert ScrubFilter().filter(record) is True
    assert MARK_ADDRESS not in record.getMessage()


def test_error_report_has_no_client_data():
    request = RequestFactory().post(
        "/report/submit/?q=" + MARK_TEXT,
        {"description": MARK_TEXT},
        REMOTE_ADDR=MARK_ADDRESS,
        HTTP_USER_AGENT=MARK_AGENT,
        HTTP_ACCEPT_LANGUAGE="es-" + "MX",
    )
    request.COOKIES["sessionid"] = MARK_SESSION
    secret_local = MARK_TEXT  # noqa: F841 — a frame variable the report must not show
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    reporter = ScrubbingExceptionReporter(request, *exc_info)
    reporter.filter = ScrubbingExceptionReporterFilter()
    report = reporter.get_traceback_text() + reporter.get_traceback_html()
    for marker in (MARK_ADDRESS, MARK_AGENT, MARK_TEXT, MARK_SESSION, "es-" + "MX"):
        assert marker not in report, marker
    assert "/report/submit/" in report


def test_settings_use_the_scrubbing_reporter(settings):
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER.endswith("ScrubbingExceptionReporterFilter")
    assert settings.DEFAULT_EXCEPTION_REPORTER.endswith("ScrubbingExceptionReporter")
    assert issubclass(ScrubbingExceptionReporter, ExceptionReporter)
