"""Forms of the staff dashboard. Each lists its fields: routing, receipt and agency fields
cannot be written by posting extra data (SECURITY.md 21). Every form that changes the tip
carries the version the staff member saw. Each lays itself out (crispy-forms,
``self.helper``): a form on the tip page posts to its own action with its own button, and
the templates say only ``{% crispy form %}``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, cast

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout
from crispy_forms.utils import render_crispy_form
from django import forms
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partners import mobiles
from partners.models import Agency, Membership, School
from reports.models import CannedReply, Category, Disposition, Note, Priority, Routing, RoutingRole, Tip
from reports.notifications.coverage import State
from reports.triage import case_actions
from reports.triage.queue import SORT_LABELS, Filters
from safeschools import page_cache
from safeschools.cache import cached

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
    # Chosen with the tabs above the form; the form carries it along.
    state = forms.ChoiceField(
        choices=[("", _("Any state"))] + list(Tip.State.choices), required=False, widget=forms.HiddenInput
    )
    category = forms.ModelChoiceField(Category.objects.all(), required=False, empty_label=_("Any category"))
    school = forms.ModelChoiceField(
        School.objects.select_related("district").order_by("name"), required=False, empty_label=_("Any school")
    )
    priority = forms.TypedChoiceField(
        choices=[("", _("Any priority"))] + list(Priority.choices), coerce=int, required=False, empty_value=None
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    unacknowledged = forms.BooleanField(label=_("Not yet acknowledged"), required=False)
    unowned = forms.BooleanField(label=_("Unowned: nobody at its agencies can be reached"), required=False)
    received_from = forms.DateField(
        label=_("Received from"),
        required=False,
        validators=[_plausible_day],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_to = forms.DateField(
        label=_("to"), required=False, validators=[_plausible_day], widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("Search words"), required=False, max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    sort = forms.ChoiceField(choices=list(SORT_LABELS.items()), required=False)
    size = forms.TypedChoiceField(
        choices=[(25, 25), (50, 50), (100, 100)], coerce=int, required=False, empty_value=50, initial=50
    )

    # The filters laid out in columns; status comes from the tabs, the two checkboxes share one.
    CHOSEN = ("q", "category", "school", "priority", "received_from", "received_to", "sort", "size")

    def __init__(self, *args: Any, coordinator: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        column = "col-sm-6 col-lg-3"
        checkboxes = ("mine", "unacknowledged", "unowned") if coordinator else ("mine", "unacknowledged")
        if not coordinator:  # only coordinators have tips that nobody can take
            del self.fields["unowned"]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row g-2 mt-1 align-items-end queue-filters"
        self.helper.layout = Layout(
            "state",
            *(Div(name, css_class=column) for name in self.CHOSEN),
            Div(*checkboxes, css_class=column),
            Div(
                StrictButton(_("Apply"), type="submit", css_class="btn btn-primary"),
                HTML('<a class="btn btn-link" href="{% url \'dashboard:queue\' %}">Clear</a>'),
                css_class="col-12 d-flex gap-2",
            ),
        )

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(
            state=data.get("state") or "",
            category_id=data["category"].pk if data.get("category") else None,
            school_id=data["school"].pk if data.get("school") else None,
            priority=data.get("priority"),
            assigned_to_me=bool(data.get("mine")),
            unacknowledged=bool(data.get("unacknowledged")),
            unowned=bool(data.get("unowned")),
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


def blank_queue_filters(*, coordinator: bool) -> SafeString:
    """The unfiltered queue's filter form as HTML, rendered once per kind of viewer and
    content generation (a category or school saved starts a new one) and kept in the shared
    cache: it is the same for everyone of a kind, carries no token (a GET form) and lists
    every category and school, which otherwise made it a third of the queue's rendering."""
    key = f"queue-filters:{int(coordinator)}:{get_language()}:{page_cache.local_generation()}"
    html = cached(key, lambda: str(render_crispy_form(QueueFilterForm(coordinator=coordinator))))
    return mark_safe(html)  # noqa: S308 - our own rendering of an unbound form, no user input


class AuditFilterForm(forms.Form):
    """The audit log's filters. A value that is not valid is dropped, not an error: the log
    shows without that filter."""

    action = forms.ChoiceField(label=_("Action"), choices=[("", _("Any"))], required=False)
    actor = forms.CharField(label=_("Staff user name"), required=False, max_length=150)
    tip = forms.CharField(label=_("Tip reference"), required=False, max_length=12)
    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from safeschools.models import AuditEvent

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any")), *AuditEvent.Action.choices]
        self.helper = FormHelper(self)
        self.helper.form_method = "get"
        self.helper.form_class = "row g-2 align-items-end mb-3"
        column = "col-sm-4 col-lg-3"
        self.helper.layout = Layout(
            Div("action", css_class=column),
            Div("actor", css_class=column),
            Div("tip", css_class=column),
            "before",
            Div(
                StrictButton(_("Filter"), type="submit", css_class="btn btn-primary"),
                HTML('<a class="btn btn-link" href="{% url \'dashboard:audit\' %}">Clear</a>'),
                css_class="col-12 col-lg-3 d-flex gap-2",
            ),
        )

    def value(self, name: str):
        self.is_valid()
        return self.cleaned_data.get(name) or None


class TipActionForm(forms.Form):
    """A form of the tip page: posts to its own action (``url_name``) with its own button."""

    url_name: ClassVar[str]
    submit_label: ClassVar[StrOrPromise]
    submit_css: ClassVar[str] = "btn btn-outline-primary btn-sm"
    form_css: ClassVar[str] = "mb-3"

    def __init__(self, *args: Any, tip: Tip, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)  # every field, in order
        self.helper.form_action = reverse(self.url_name, args=self.action_args(tip))
        self.helper.form_class = self.form_css
        self.helper.form_id = f"form-{self.prefix}" if self.prefix else None
        self.helper.layout.append(StrictButton(self.submit_label, type="submit", css_class=self.submit_css))

    def action_args(self, tip: Tip) -> list[int]:
        return [tip.pk]


class VersionedForm(TipActionForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcknowledgeForm(TipActionForm):
    """ "Acknowledge for my agency": idempotent, so no version (the first one stands)."""

    prefix = "ack"
    url_name = "dashboard:tip-acknowledge"
    submit_label = _("Acknowledge for my agency")
    submit_css = "btn btn-warning"
    form_css = ""

    def __init__(self, *args: Any, tip: Tip, **kwargs: Any) -> None:
        if tip.new_info_after_closing:  # what the button acknowledges then
            self.submit_label = _("Acknowledge the new information")
        super().__init__(*args, tip=tip, **kwargs)


class AcknowledgeForForm(TipActionForm):
    """A coordinator acknowledges for a responsible agency that has not, after reaching it
    (idempotent like every acknowledgement: no version)."""

    prefix = "ackfor"
    url_name = "dashboard:tip-acknowledge-for"
    submit_label = _("Acknowledge for this agency")
    submit_css = "btn btn-warning btn-sm"
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("For"), empty_label=None)
    note = forms.CharField(
        label=_("Whom you reached, and how"),
        help_text=_("For example: phoned their dispatch at 14:05, Sgt. Diaz is sending a car. On the timeline."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, tip: Tip, routings: list[Routing] | None = None, **kwargs: Any) -> None:
        """``routings``: the tip's routings with their agencies, if the page has them: the
        choices are shown without a query."""
        super().__init__(*args, tip=tip, **kwargs)
        silent = Routing.objects.filter(tip=tip, role=RoutingRole.RESPONSIBLE, acknowledged_at=None)
        self.fields["agency"].queryset = Agency.objects.filter(pk__in=silent.values("agency_id"))
        if routings is None:
            # Most often the agency nobody could be reached at: chosen already.
            self.fields["agency"].initial = silent.filter(unreachable=True).values_list("agency_id", flat=True).first()
            return
        waiting = [r for r in routings if r.role == RoutingRole.RESPONSIBLE and r.acknowledged_at is None]
        self.fields["agency"].choices = [(r.agency_id, r.agency.name) for r in waiting]
        self.fields["agency"].initial = next((r.agency_id for r in waiting if r.unreachable), None)


class PartForm(VersionedForm):
    """One step of an agency's part: acknowledge, start work, finish (with how it ended,
    in the same step) or reopen. Prefixed per routing: a coordinator's page holds one per
    agency. It is shown as up to three small forms (``quick_helper``: acknowledge and start
    work; ``helper``: done, with how it ended; ``reopen_helper``), each naming its step on
    its button."""

    url_name = "dashboard:part-step"
    submit_label = _("Mark our part done")
    submit_css = "btn btn-primary"
    form_css = "mt-2"

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
        widget=forms.RadioSelect,
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

    def __init__(self, *args: Any, tip: Tip, routing: Routing, own: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"part{routing.pk}")
        self.routing = routing
        super().__init__(*args, tip=tip, **kwargs)
        action = self.helper.form_action
        whose = _("our") if own else _("their")
        step_name = f"{self.prefix}-step"
        self.helper = FormHelper(self)
        self.helper.form_action = action
        self.helper.form_class = self.form_css
        self.helper.form_id = f"form-{self.prefix}"
        self.helper.layout = Layout(
            "version",
            "disposition",
            "referred_to",
            "duplicate_of",
            "note",
            StrictButton(
                _("Mark %(whose)s part done") % {"whose": whose},
                type="submit",
                name=step_name,
                value=case_actions.FINISH,
                css_class=self.submit_css,
            ),
        )
        steps = case_actions.available_steps(routing)
        buttons = []
        if case_actions.ACKNOWLEDGE in steps:
            label = (
                _("Acknowledge for my agency")
                if own
                else _button_text(_("Acknowledge for %(agency)s") % {"agency": routing.agency.name})
            )
            buttons.append(
                StrictButton(
                    label,
                    type="submit",
                    name=step_name,
                    value=case_actions.ACKNOWLEDGE,
                    css_class="btn btn-warning btn-lg",
                )
            )
        if case_actions.START in steps:
            buttons.append(
                StrictButton(
                    _("Start working"),
                    type="submit",
                    name=step_name,
                    value=case_actions.START,
                    css_class="btn btn-outline-primary",
                    formaction=action,
                )
            )
        # "Acknowledge for my agency" acknowledges every part of the person's own agencies
        # (``actions.acknowledge``); a coordinator acknowledges one agency's part at a time.
        quick_action = reverse("dashboard:tip-acknowledge", args=[tip.pk]) if own else action
        self.quick_helper = _small_helper(
            quick_action, Layout("version", Div(*buttons, css_class="d-flex flex-wrap gap-2"))
        )
        self.quick_helper.form_class = "mb-2"
        self.reopen_helper = _small_helper(
            action,
            Layout(
                "version",
                StrictButton(
                    _("Reopen %(whose)s part") % {"whose": whose},
                    type="submit",
                    name=step_name,
                    value=case_actions.REOPEN,
                    css_class="btn btn-outline-secondary btn-sm",
                ),
            ),
        )

    def action_args(self, tip: Tip) -> list[int]:
        return [tip.pk, self.routing.pk]

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


def _button_text(text: str) -> SafeString:
    """A button label that holds data (an agency's name), as text. crispy-forms renders a
    button's label as a template and outputs it unescaped: HTML is escaped here, and the
    braces become character references, so no ``{{`` or ``{%`` reaches the template engine."""
    return mark_safe(escape(text).replace("{", "&#123;").replace("}", "&#125;"))  # noqa: S308 — escaped above


def _small_helper(action: str, layout: Layout) -> FormHelper:
    """A second rendering of a form (some of its fields, other buttons); its errors show
    with the main one."""
    helper = FormHelper()
    helper.form_action = action
    helper.form_show_errors = False
    helper.layout = layout
    return helper


class PartAssignForm(VersionedForm):
    """Who at an agency carries its part."""

    url_name = "dashboard:part-assign"
    submit_label = _("Save assignment")
    form_css = "mt-2"
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label=_("Nobody"), label=_("Assigned to"))

    def __init__(self, *args: Any, tip: Tip, routing: Routing, assignable, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"assign{routing.pk}")
        self.routing = routing
        super().__init__(*args, tip=tip, **kwargs)
        self.fields["assignee"].queryset = assignable
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def action_args(self, tip: Tip) -> list[int]:
        return [tip.pk, self.routing.pk]


class PriorityForm(VersionedForm):
    prefix = "priority"
    url_name = "dashboard:tip-priority"
    submit_label = _("Save priority")
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, label=_("Priority"))


class NoteForm(TipActionForm):
    prefix = "note"
    url_name = "dashboard:tip-note"
    submit_label = _("Add note")
    form_css = ""
    body = forms.CharField(label=_("Internal note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    audience = forms.ChoiceField(label=_("Who may read it"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, tip: Tip, audiences: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, tip=tip, **kwargs)
        self.fields["audience"].choices = audiences
        self.fields["audience"].initial = audiences[0][0] if audiences else None

    def audience_and_agency(self) -> tuple[str, int | None]:
        """("all", None) or ("agency", agency id) from the chosen audience."""
        value = self.cleaned_data["audience"]
        if value.startswith("agency:"):
            return Note.Audience.AGENCY, int(value.removeprefix("agency:"))
        return Note.Audience.ALL_AGENCIES, None


class MessageForm(TipActionForm):
    prefix = "message"
    url_name = "dashboard:tip-message"
    submit_label = _("Send to tipster")
    submit_css = "btn btn-primary"
    form_css = ""
    canned = forms.ModelChoiceField(
        CannedReply.objects.filter(active=True), required=False, empty_label=_("Write my own"), label=_("Start from")
    )
    body = forms.CharField(
        label=_("Message to the tipster"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, tip: Tip, replies: list[tuple[int, str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, tip=tip, **kwargs)
        if replies is not None:  # (id, title, text) from the cache: shown without a query
            self.fields["canned"].choices = [("", self.fields["canned"].empty_label)] + [
                (str(pk), title) for pk, title, _ in replies
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
    url_name = "dashboard:tip-link"
    submit_label = _("Link tips")
    form_css = ""
    reference = forms.CharField(label=_("Other tip's reference"), max_length=12)
    kind = forms.ChoiceField(
        choices=[("duplicate", _("This tip is a duplicate of it")), ("related", _("Related to it"))], label=_("Link")
    )


class RerouteForm(VersionedForm):
    prefix = "reroute"
    url_name = "dashboard:tip-reroute"
    submit_label = _("Change routing")
    form_css = "mt-2"
    add_agency = forms.ModelChoiceField(
        Agency.objects.all(), required=False, empty_label=_("Add no agency"), label=_("Add agency")
    )
    role = forms.ChoiceField(
        choices=RoutingRole.choices, initial=RoutingRole.RESPONSIBLE, required=False, label=_("as")
    )
    remove = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Remove")
    )

    def __init__(
        self, *args: Any, tip: Tip, reach: dict | None = None, routings: list[Routing] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, tip=tip, **kwargs)
        self.fields["remove"].queryset = Agency.objects.filter(
            pk__in=Routing.objects.filter(tip=tip).values("agency_id")
        )
        if routings is not None:  # the page has them already: shown without a query
            self.fields["remove"].choices = [(r.agency_id, r.agency.name) for r in routings]
        if reach is not None:
            # The coverage check, as the coordinator chooses: who a tip sent there would reach.
            # Every agency is in ``reach`` (read in their order): shown without a query.
            add_agency = cast("forms.ModelChoiceField[Agency]", self.fields["add_agency"])
            add_agency.choices = [
                ("", add_agency.empty_label),
                *((target.agency.pk, _agency_with_reach(target.agency, reach)) for target in reach.values()),
            ]

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("add_agency") and not data.get("remove"):
            raise forms.ValidationError(_("Choose an agency to add or remove."))
        data["role"] = data.get("role") or RoutingRole.RESPONSIBLE
        agency = data.get("add_agency")
        if agency and not agency.can_act and data["role"] == RoutingRole.RESPONSIBLE:
            self.add_error(
                "role", _("%(agency)s cannot act on tips: add it for information only.") % {"agency": agency}
            )
        return data


def _agency_with_reach(agency: Agency, reach: dict) -> str:
    target = reach.get(agency.pk)
    if target is None or target.state == State.GREEN:
        return agency.name
    return f"{agency.name} ({target.state}: {', '.join(target.reasons)})"


class ExportForm(QueueFilterForm):
    include_contact = forms.BooleanField(label=_("Include tipster contact details"), required=False)


class AlertPreferencesForm(forms.Form):
    """One staff member's alert choices for one of their agencies. Several share one <form>
    on the page (one per membership), so each renders its fields only."""

    new_tip_alerts = forms.ChoiceField(
        choices=Membership.NewTipAlerts.choices, label=_("New tips routed to this agency"), widget=forms.RadioSelect
    )
    tipster_message_alerts = forms.BooleanField(
        required=False, label=_("E-mail me when a tipster writes on a tip assigned to me")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class MobileNumberForm(forms.Form):
    """A mobile number to confirm with a code texted to it."""

    number = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        help_text=_("A US number needs no country code, e.g. (314) 555-0123."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_number(self) -> str:
        try:
            return mobiles.normalise(self.cleaned_data["number"])
        except mobiles.MobileError as error:
            raise forms.ValidationError(str(error)) from None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class MobileCodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label=_("6-digit code from the text"),
        error_messages={"invalid": _("The code is 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "10"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class MobileOptionsForm(forms.Form):
    sms_for_all_alerts = forms.BooleanField(
        required=False,
        label=_("Text me every alert I get, not only urgent ones"),
        help_text=_("Urgent alerts (life-safety tips and escalations) always come by text and e-mail."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
