"""Forms of the staff dashboard. Each lists its fields: routing, receipt and agency fields
cannot be written by posting extra data (SECURITY.md 21). Every form that changes the tip
carries the version the staff member saw."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Agency, Membership, School
from reports.models import CannedReply, Category, Disposition, Note, Priority, Routing, RoutingRole, Tip
from reports.triage import case_actions
from reports.triage.queue import SORT_LABELS, Filters


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(choices=[("", _("Any state"))] + list(Tip.State.choices), required=False)
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
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("Search words"), required=False, max_length=200)
    sort = forms.ChoiceField(choices=list(SORT_LABELS.items()), required=False)
    size = forms.TypedChoiceField(choices=[(25, 25), (50, 50), (100, 100)], coerce=int, required=False, empty_value=50)

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(
            state=data.get("state") or "",
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


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcknowledgeForm(forms.Form):
    """ "Acknowledge for my agency": idempotent, so no version (the first one stands)."""

    prefix = "ack"


class PartForm(VersionedForm):
    """One step of an agency's part: acknowledge, start work, finish (with how it ended,
    in the same step) or reopen. Prefixed per routing: a coordinator's page holds one per
    agency."""

    step = forms.ChoiceField(
        choices=[
            (case_actions.ACKNOWLEDGE, _("Acknowledge")),
            (case_actions.START, _("Start working")),
            (case_actions.FINISH, _("Done")),
            (case_actions.REOPEN, _("Reopen")),
        ]
    )
    disposition = forms.ChoiceField(
        label=_("How did it end?"),
        choices=Disposition.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    referred_to = forms.CharField(
        label=_("Referred to"),
        help_text=_("The agency or service, e.g. the family court or a counselling service."),
        required=False,
        max_length=200,
    )
    duplicate_of = forms.CharField(
        label=_("Original tip's reference"),
        help_text=_("For a duplicate, e.g. T-4K7PQ2M."),
        required=False,
        max_length=12,
    )
    note = forms.CharField(
        label=_("Disposition note"),
        help_text=_(
            "What was done and why. Read by your agency and the coordinators; other agencies see only how it ended."
        ),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("step") != case_actions.FINISH:
            return data
        if not data.get("disposition"):
            self.add_error("disposition", _("Choose how it ended."))
        if data.get("disposition") == Disposition.REFERRED and not (data.get("referred_to") or "").strip():
            self.add_error("referred_to", _("Say to whom it was referred."))
        if not (data.get("note") or "").strip():
            self.add_error("note", _("Write a short disposition note: what was done and why."))
        return data


class PartAssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label=_("Nobody"), label=_("Assigned to"))

    def __init__(self, *args, assignable, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class PriorityForm(VersionedForm):
    prefix = "priority"
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, label=_("Priority"))


class NoteForm(forms.Form):
    prefix = "note"
    body = forms.CharField(label=_("Internal note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    audience = forms.ChoiceField(
        label=_("Who may read it"), widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args, audiences: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = audiences
        self.fields["audience"].initial = audiences[0][0] if audiences else None

    def audience_and_agency(self) -> tuple[str, int | None]:
        """("all", None) or ("agency", agency id) from the chosen audience."""
        value = self.cleaned_data["audience"]
        if value.startswith("agency:"):
            return Note.Audience.AGENCY, int(value.removeprefix("agency:"))
        return Note.Audience.ALL_AGENCIES, None


class MessageForm(forms.Form):
    prefix = "message"
    canned = forms.ModelChoiceField(
        CannedReply.objects.filter(active=True), required=False, empty_label=_("Write my own"), label=_("Start from")
    )
    body = forms.CharField(
        label=_("Message to the tipster"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, replies: list[tuple[int, str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if replies is not None:  # (id, title, text) from the cache: shown without a query
            self.fields["canned"].choices = [("", self.fields["canned"].empty_label)] + [
                (pk, t) for pk, t, _ in replies
            ]

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

    def __init__(self, *args, tip: Tip, routings: list[Routing] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remove"].queryset = Agency.objects.filter(
            pk__in=Routing.objects.filter(tip=tip).values("agency_id")
        )
        if routings is not None:  # the page has them already: shown without a query
            self.fields["remove"].choices = [(r.agency_id, r.agency.name) for r in routings]

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
