"""Keep client addresses, user agents, receipts, phone numbers and tip text out of logs and
error reports.

SECURITY.md items 1 and 2: Django's default error report carries the whole request
(``META`` with the client's address and user agent, the POST body, cookies, local
variables of every frame). The filter and reporter below keep only what an engineer needs
to find the failing line: the path, the method and the traceback.
"""

from __future__ import annotations

import logging
import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

_IPV4 = r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
# Full eight-group form, or any compressed form with "::" (not clock times like 18:50:24).
_IPV6 = r"\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b|\b(?:[0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F:.]*|::[0-9a-fA-F][0-9a-fA-F:.]*"
# Receipts are Crockford base32 in dash-separated groups (see reports.intake.receipts).
_RECEIPT = r"\b(?:[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}[- ]){3,}[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{2,4}\b"
# Phone numbers in E.164 form (staff mobiles, in provider error messages).
_PHONE = r"\+[1-9]\d{7,14}\b"
SCRUB_PATTERN = re.compile(f"{_RECEIPT}|{_PHONE}|{_IPV6}|{_IPV4}")
REDACTED = "[redacted]"
SAFE_META_KEYS = ("REQUEST_METHOD", "PATH_INFO", "SERVER_PROTOCOL", "CONTENT_TYPE")


def scrub(text: str) -> str:
    return SCRUB_PATTERN.sub(REDACTED, text)


class ScrubFilter(logging.Filter):
    """Redact addresses, phone numbers and receipt-shaped strings from every log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the log line
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class ScrubbingExceptionReporterFilter(SafeExceptionReporterFilter):
    """An error report with no client data: no META beyond the method and path, no POST
    values, no cookies, no local variables."""

    def get_safe_request_meta(self, request):
        meta = getattr(request, "META", {}) or {}
        return {key: meta[key] for key in SAFE_META_KEYS if key in meta}

    def get_safe_cookies(self, request):
        return dict.fromkeys(getattr(request, "COOKIES", {}), self.cleansed_substitute)

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class ScrubbingExceptionReporter(ExceptionReporter):
    """Drops the query string and uploaded file names, which the filter cannot reach."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        data["request_GET_items"] = [(name, REDACTED) for name, _ in data.get("request_GET_items") or []]
        data["request_FILES_items"] = [(name, REDACTED) for name, _ in data.get("request_FILES_items") or []]
        if self.request is not None:
            data["request_insecure_uri"] = self.request.path
        return data
