"""Forms of the staff dashboard. Each lists its fields: routing, receipt and agency fields
cannot be written by posting extra data (SECURITY.md 21). Every form that changes the tip
carries the version the staff member saw."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Agency, Membership, School
from reports.models import CannedReply, Category, Priority, Routing, RoutingRole, Tip
from reports.triage.actions import NEXT_STATUSES
from reports.triage.queue import SORT_LABELS, Filters

# Dates staff may filter on: wide enough for any tip, narrow enough that a day's end is
# still a date (9999-12-31 plus one day is not).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _plausible_day(value: date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise forms.ValidationError(
            _("Choose a date between %(first)s and %(last)s."), params={"first": FIRST_DAY, "last": LAST_DAY}
        )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", _("Any status"))] + list(Tip.Status.choices), required=False)
    category = forms.ModelChoiceField(Category.objects.all(), required=False, empty_label=_("Any category"))
    school = forms.ModelChoiceField(
        School.objects.select_related("district").order_by("name"), required=False, empty_label=_("Any school")
    )
    priority = forms.TypedChoiceField(
        choices=[("", _("Any priority"))] + list(Priority.choices), coerce=int, required=False, empty_value=None
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    unacknowledged = forms.BooleanField(label=_("Not yet acknowledged"), required=False)
    received_from = forms.DateField(
        label=_("Received from"),
        required=False,
        validators=[_plausible_day],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_to = forms.DateField(
        label=_("to"), required=False, validators=[_plausible_day], widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Search words"), required=False, max_length=200)
    sort = forms.ChoiceField(choices=list(SORT_LABELS.items()), required=False)
    size = forms.TypedChoiceField(choices=[(25, 25), (50, 50), (100, 100)], coerce=int, required=False, empty_value=50)

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(
            status=data.get("status") or "",
            category_id=data["category"].pk if data.get("category") else None,
            school_id=data["school"].pk if data.get("school") else None,
            priority=data.get("priority"),
            assigned_to_me=bool(data.get("mine")),
            unacknowledged=bool(data.get("unacknowledged")),
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            query=data.get("q") or "",
        )

    @property
    def sort_order(self) -> str:
        return (self.cleaned_data.get("sort") if self.is_valid() else "") or "attention"

    @property
    def page_size(self) -> int:
        return (self.cleaned_data.get("size") if self.is_valid() else None) or 50


class AuditFilterForm(forms.Form):
    """The audit log's filters. A value that is not valid is dropped, not an error: the log
    shows without that filter."""

    action = forms.ChoiceField(choices=[("", _("Any"))], required=False)
    actor = forms.CharField(required=False, max_length=150)
    tip = forms.CharField(required=False, max_length=12)
    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, **kwargs) -> None:
        from safeschools.models import AuditEvent

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any")), *AuditEvent.Action.choices]

    def value(self, name: str):
        self.is_valid()
        return self.cleaned_data.get(name) or None


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcknowledgeForm(VersionedForm):
    prefix = "ack"


class AssignForm(VersionedForm):
    prefix = "assign"
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label=_("Nobody"), label=_("Assign to"))

    def __init__(self, *args, assignable, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class PriorityForm(VersionedForm):
    prefix = "priority"
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, label=_("Priority"))


class StatusForm(VersionedForm):
    prefix = "status"
    status = forms.ChoiceField(label=_("New status"))
    disposition = forms.CharField(
        label=_("Disposition note"),
        help_text=_("Required to close: what was done and the outcome. Never shown to the tipster."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, tip: Tip, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = NEXT_STATUSES.get(tip.status, set())
        self.fields["status"].choices = [(v, label) for v, label in Tip.Status.choices if v in allowed]


class NoteForm(forms.Form):
    prefix = "note"
    body = forms.CharField(label=_("Internal note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class MessageForm(forms.Form):
    prefix = "message"
    canned = forms.ModelChoiceField(
        CannedReply.objects.filter(active=True), required=False, empty_label=_("Write my own"), label=_("Start from")
    )
    body = forms.CharField(
        label=_("Message to the tipster"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict:
        data = super().clean()
        body = (data.get("body") or "").strip()
        if not body and data.get("canned"):
            body = data["canned"].body
        if not body:
            raise forms.ValidationError(_("Write a message, or choose a prepared reply."))
        data["body"] = body
        return data


class LinkForm(VersionedForm):
    prefix = "link"
    reference = forms.CharField(label=_("Other tip's reference"), max_length=12)
    kind = forms.ChoiceField(
        choices=[("duplicate", _("This tip is a duplicate of it")), ("related", _("Related to it"))], label=_("Link")
    )


class RerouteForm(VersionedForm):
    prefix = "reroute"
    add_agency = forms.ModelChoiceField(
        Agency.objects.all(), required=False, empty_label=_("Add no agency"), label=_("Add agency")
    )
    role = forms.ChoiceField(
        choices=RoutingRole.choices, initial=RoutingRole.RESPONSIBLE, required=False, label=_("as")
    )
    remove = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Remove")
    )

    def __init__(self, *args, tip: Tip, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remove"].queryset = Agency.objects.filter(
            pk__in=Routing.objects.filter(tip=tip).values("agency_id")
        )

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("add_agency") and not data.get("remove"):
            raise forms.ValidationError(_("Choose an agency to add or remove."))
        data["role"] = data.get("role") or RoutingRole.RESPONSIBLE
        return data


class ExportForm(QueueFilterForm):
    include_contact = forms.BooleanField(label=_("Include tipster contact details"), required=False)


class AlertPreferencesForm(forms.Form):
    """One staff member's alert choices for one of their agencies."""

    new_tip_alerts = forms.ChoiceField(
        choices=Membership.NewTipAlerts.choices, label=_("New tips routed to this agency"), widget=forms.RadioSelect
    )
    tipster_message_alerts = forms.BooleanField(
        required=False, label=_("E-mail me when a tipster writes on a tip assigned to me")
    )
