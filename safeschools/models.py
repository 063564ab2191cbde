"""What every layer above needs to write: the append-only audit log.

It lives here, at the bottom, so that sign-in (``partners``) and the tip's life
(``reports``) both record into it without importing each other.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        ACCESS_DENIED = "access.denied", _("Access denied")
        NOTIFICATION = "notification", _("Alert")
        ESCALATION = "escalation", _("Escalation")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=Action.choices, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True)
    tip_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    tip_reference = models.CharField(max_length=12, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

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
