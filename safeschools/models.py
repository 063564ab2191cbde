"""What every layer above needs to write: the append-only audit log.

It lives here, at the bottom, so that sign-in (``partners``) and the tip's life
(``reports``) both record into it without importing each other.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeschools.hours import is_whole_hour


class AuditEventQuerySet(models.QuerySet):
    """Bulk writes never reach the model's ``save`` and ``delete``: refuse them here with a
    clear error, before the database's triggers would (SECURITY.md 27)."""

    def update(self, **kwargs):
        raise PermissionError("audit events cannot be changed")

    def delete(self):
        raise PermissionError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """Append-only record of staff access and every change (SECURITY.md 27).

    No foreign keys: an event must outlive the user and the tip it names (the retention
    purge leaves the event as the tip's stub), and nothing may rewrite it. It carries no
    tipster data: references, ids, field names and staff-chosen values only.
    """

    class Action(models.TextChoices):
        TIP_SUBMITTED = "tip.submitted", _("Tip submitted")
        TIP_VIEWED = "tip.viewed", _("Tip viewed")
        TIP_UPDATED = "tip.updated", _("Tip changed")
        TIP_ACKNOWLEDGED = "tip.acknowledged", _("Tip acknowledged")
        TIP_ROUTED = "tip.routed", _("Routing changed")
        ROUTING_STATE = "routing.state", _("Agency's part moved on")
        ROUTING_ASSIGNED = "routing.assigned", _("Agency's part assigned")
        TIP_PURGED = "tip.purged", _("Tip purged")
        ATTACHMENT_VIEWED = "attachment.viewed", _("Image viewed")
        MESSAGE_TO_TIPSTER = "message.to_tipster", _("Message sent to tipster")
        MESSAGE_FROM_TIPSTER = "message.from_tipster", _("Message from tipster")
        CLOSE_REQUESTED = "tip.close_requested", _("Tipster asked to close")
        NOTE_ADDED = "note.added", _("Internal note added")
        EXPORT = "export", _("Export")
        SIGN_IN = "auth.sign_in", _("Signed in")
        SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in failed")
        SIGN_OUT = "auth.sign_out", _("Signed out")
        ACCOUNT_CREATED = "account.created", _("Staff account created")
        ACCOUNT_CHANGED = "account.changed", _("Staff account changed")
        ACCOUNT_RESET = "account.reset", _("Sign-in reset")
        ACCESS_DENIED = "access.denied", _("Access denied")
        NOTIFICATION = "notification", _("Alert")
        ESCALATION = "escalation", _("Escalation")
        STAFF_MOBILE = "staff.mobile", _("Mobile number for alerts")
        # Casework (threat assessment cases, Safe Schools Act notices, hand-offs): a case or
        # notice is named by its reference in ``tip_reference``, with no ``tip_id``.
        CASE_OPENED = "case.opened", _("Case opened")
        CASE_VIEWED = "case.viewed", _("Case viewed")
        CASE_CHANGED = "case.changed", _("Case changed")
        CASE_PURGED = "case.purged", _("Case purged")
        NOTICE_SENT = "notice.sent", _("Notice sent")
        NOTICE_VIEWED = "notice.viewed", _("Notice viewed")
        NOTICE_ACKNOWLEDGED = "notice.acknowledged", _("Notice acknowledged")
        NOTICE_PURGED = "notice.purged", _("Notice purged")
        HANDOFF_RECORDED = "handoff.recorded", _("Hand-off recorded")
        TIPSTER_OPENED = "tip.opened_by_tipster", _("The tipster opened the report with the receipt")
        DECOY_USED = "tip.decoy_used", _("Decoy code used: the tipster may be under pressure")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=Action.choices, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True)
    tip_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    tip_reference = models.CharField(max_length=12, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.tip_reference}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events cannot be deleted")

    @property
    def hour_only(self) -> bool:
        """An event on the tipster's side: its time is the hour of the tip or the tipster's
        message it follows, never the minute (SECURITY.md 37)."""
        return is_whole_hour(self.at)
