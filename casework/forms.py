"""Casework forms: they list their fields (SECURITY.md 21), validate and clean; the
services in ``cases``, ``notices`` and ``tip_work`` make the changes. All render through
crispy-forms (``{% crispy form %}``) inside the page's own ``<form>`` tag."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.functional import cached_property

from casework import cstag
from casework.models import HandOff, Notice, Offence, SafetyAction, StateReportKind, ThreatCase
from partners.models import Agency, Membership

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CaseworkForm(forms.Form):
    """Rendered by crispy-forms without its own form tag or CSRF field: the template writes both."""

    @cached_property
    def helper(self) -> FormHelper:
        # Built on first use, after the subclass has chosen its fields.
        helper = FormHelper(self)
        helper.form_tag = False
        helper.disable_csrf = True
        return helper


class UnechoedTextInput(forms.TextInput):
    """A text box that never writes its value back into the page (the victim's name)."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, membership: Membership) -> str:
        return f"{_person(membership.user)} · {membership.agency.name} ({membership.get_role_display()})"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return _person(user)


# --- Cases ---------------------------------------------------------------------------


class OpenCaseForm(CaseworkForm):
    school = forms.ModelChoiceField(queryset=None, label="School")
    student_name = forms.CharField(
        label="Student of concern",
        max_length=200,
        help_text="Full name, as the school knows the student. Stored encrypted; never put in e-mails or texts.",
    )
    account = forms.CharField(
        label="The threat and its context, as reported",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What was said or done, to whom, where and when. This is step 1 of the assessment.",
    )
    tip_references = forms.CharField(
        label="Tips this case comes from (optional)",
        required=False,
        max_length=200,
        help_text="Tip references separated by spaces or commas, e.g. T-ABC2345. Leave empty for a concern "
        "raised in school.",
    )

    def __init__(self, *args, schools, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def clean_tip_references(self) -> list[str]:
        raw = self.cleaned_data["tip_references"].replace(",", " ").upper().split()
        return list(dict.fromkeys(raw))


class MemberForm(CaseworkForm):
    membership = MembershipChoiceField(queryset=None, label="Add to the team")

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, prefix="member", **kwargs)
        self.fields["membership"].queryset = candidates


class StepForm(CaseworkForm):
    """One CSTAG step: its decisions, its confirmations and a note. The override reason is
    needed when the step departs from the guidelines; the service says so."""

    step = forms.ChoiceField(choices=cstag.Step.choices, widget=forms.HiddenInput)
    decision = forms.ChoiceField(label="Decision", widget=forms.RadioSelect)
    checks = forms.MultipleChoiceField(label="Confirm", required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    override_reason = forms.CharField(
        label="Reason for an override",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when this step departs from the guidelines: out of order, a changed decision, or a "
        "confirmation left unticked.",
    )

    def __init__(self, *args, step: str, **kwargs) -> None:
        super().__init__(*args, prefix="step", initial={"step": step}, **kwargs)
        self.step_name = step
        rule = cstag.RULES[step]
        labels = dict(cstag.Decision.choices)
        self.fields["decision"].choices = [(d, labels[d]) for d in rule.decisions]
        if len(rule.decisions) == 1:
            self.fields["decision"].widget = forms.HiddenInput()
            self.fields["decision"].initial = rule.decisions[0]
        if rule.checks:
            self.fields["checks"].choices = list(rule.checks)
        else:
            del self.fields["checks"]
        self.fields["note"].label = rule.note_label
        self.fields["note"].required = rule.note_required
        self.fields["note"].help_text = rule.help


class ActionForm(CaseworkForm):
    kind = forms.ChoiceField(label="Action", choices=SafetyAction.Kind.choices)
    details = forms.CharField(label="Details", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = UserChoiceField(queryset=None, label="Owner (team member)")
    due_on = forms.DateField(label="Due", widget=DATE)

    def __init__(self, *args, team, **kwargs) -> None:
        super().__init__(*args, prefix="action", **kwargs)
        self.fields["owner"].queryset = team


class ReviewForm(CaseworkForm):
    review_on = forms.DateField(label="Review date", widget=DATE)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="review", **kwargs)


class CloseForm(CaseworkForm):
    outcome = forms.ChoiceField(label="Outcome", choices=ThreatCase.Outcome.choices)
    note = forms.CharField(label="Closing note", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="close", **kwargs)


class LinkTipForm(CaseworkForm):
    reference = forms.CharField(label="Tip reference", max_length=12)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="link", **kwargs)


class StateReportMarkForm(CaseworkForm):
    kind = forms.ChoiceField(
        label="Count in the district's state report (RSMo 160.261) as",
        choices=[("", "Not counted"), *StateReportKind.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="statemark", **kwargs)


class CaseExportForm(CaseworkForm):
    reason = forms.CharField(
        label="Why do you need the students' names in this export?",
        min_length=15,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the audit log with your name. Without a reason, export without names.",
    )


# --- Notices ----------------------------------------------------------------------------


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, case: ThreatCase) -> str:
        return f"{case.reference} · {case.school.name}"


class NoticeForm(CaseworkForm):
    sender = forms.ModelChoiceField(queryset=None, label="Sent on behalf of")
    school = forms.ModelChoiceField(queryset=None, label="School the pupil attends")
    pupil_name = forms.CharField(label="Pupil", max_length=200, help_text="Stored encrypted; never in e-mails.")
    offences = forms.ModelMultipleChoiceField(
        queryset=Offence.objects.filter(active=True),
        label="Acts alleged in the petition (RSMo 167.115)",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    court = forms.ModelChoiceField(queryset=Agency.objects.filter(kind=Agency.Kind.COURT), label="Juvenile court")
    action = forms.ChoiceField(label="School action", choices=Notice.Action.choices, required=False)
    action_days = forms.IntegerField(label="Length of the suspension (school days)", min_value=11, required=False)
    conduct = forms.CharField(
        label="Description of the conduct",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A complete description of what the pupil is alleged to have done. Do not name the victim.",
    )
    conduct_on = forms.DateField(label="Date of the conduct", widget=DATE)
    filed_on = forms.DateField(label="Date the petition was filed", widget=DATE)
    case = CaseChoiceField(queryset=None, label="Threat assessment case (optional)", required=False)
    victim_name = forms.CharField(
        label="Victim's name (never sent or stored)",
        required=False,
        max_length=200,
        widget=UnechoedTextInput(attrs={"autocomplete": "off"}),
        help_text="Used only now, to check that the description does not name the victim; then discarded. "
        "Retype it if the form comes back.",
    )
    victim_left_out = forms.BooleanField(label="I have left out the victim's name.", required=True)

    def __init__(self, *args, direction: str, senders: list[Membership], schools, cases, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.direction = direction
        self.fields["sender"].queryset = Agency.objects.filter(pk__in=[m.agency_id for m in senders])
        if len(senders) == 1:
            self.fields["sender"].initial = senders[0].agency_id
        self.fields["school"].queryset = schools
        self.fields["case"].queryset = cases
        if direction == Notice.Direction.TO_DISTRICT:
            for name in ("court", "action", "action_days"):
                del self.fields[name]
            self.fields["offences"].required = True
            self.fields["offences"].error_messages["required"] = "Choose at least one act from the statute's list."
        else:
            del self.fields["offences"]
            self.fields["action"].required = True
            self.fields["filed_on"].label = "Date of the school's decision"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == Notice.Action.SUSPENSION and not data.get("action_days"):
            self.add_error("action_days", "Give the length of the suspension: more than 10 school days.")
        if data.get("conduct_on") and data["conduct_on"] > timezone.localdate():
            self.add_error("conduct_on", "The date of the conduct is in the future.")
        return data


class LinkCaseForm(CaseworkForm):
    case = CaseChoiceField(queryset=None, label="Link to a threat assessment case")

    def __init__(self, *args, cases, **kwargs) -> None:
        super().__init__(*args, prefix="linkcase", **kwargs)
        self.fields["case"].queryset = cases


class AcknowledgeForForm(CaseworkForm):
    """A coordinator acknowledges a notice for the receiving agency, after reaching it."""

    note = forms.CharField(
        label="Whom you reached, and how",
        help_text="For example: phoned the superintendent's office at 9:10, Dr. Reyes has the notice. "
        "Shown on the notice; not in the audit log.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="ackfor", **kwargs)


# --- On a tip ---------------------------------------------------------------------------


class HandOffForm(CaseworkForm):
    kind = forms.ChoiceField(label="Hand-off", choices=HandOff.Kind.choices)
    happened_at = forms.DateTimeField(label="When", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    external_reference = forms.CharField(
        label="Their reference",
        required=False,
        max_length=60,
        help_text="Dispatch incident number, Courage2Report reference or hotline report number.",
    )
    partner = forms.ModelChoiceField(
        queryset=Agency.objects.filter(kind=Agency.Kind.MENTAL_HEALTH),
        label="Mental-health partner",
        required=False,
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="handoff", **kwargs)


class StateReportPeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=DATE)
    end = forms.DateField(label="To", widget=DATE)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The period ends before it starts.")
        return data
