"""Forms for the tipster's side. They validate and clean; the services save. Each lays
itself out (crispy-forms with crispy-bootstrap5, ``self.helper``): the templates say only
``{% crispy form %}``. Django's own field rendering names each control's help text and
error in ``aria-describedby`` and sets ``aria-invalid``; crispy keeps both."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, Any

from crispy_forms.bootstrap import InlineRadios, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, LayoutObject
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.conf import settings
from django.template import Context
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partners.models import School
from reports.models import Category, Tip
from safeschools import page_cache
from safeschools.cache import cached

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NOT_SURE = "none"


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """Up to ``TIP_IMAGE_MAX_COUNT`` files; each is checked by ``reports.intake.images``."""

    widget = MultipleImageInput

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f] if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > settings.TIP_IMAGE_MAX_COUNT:
            raise forms.ValidationError(
                _("You can add up to %(count)d images.") % {"count": settings.TIP_IMAGE_MAX_COUNT}
            )
        return files


def _schools_by_district() -> list[tuple[str, list[tuple[str, str]]]]:
    schools = School.objects.filter(active=True).select_related("district").order_by("district__name", "name")
    return [
        (district, [(str(s.pk), s.name) for s in members])
        for district, members in groupby(schools, key=lambda s: s.district.name)
    ]


def _school_choices() -> list[tuple[str, object]]:
    # Read on every tip submitted (the field validates against its choices): kept in the
    # shared cache until a school or district changes (a new public-content generation).
    grouped = cached(f"tip-form:schools:{page_cache.local_generation()}", _schools_by_district)
    return [("", _("Choose a school")), (NOT_SURE, _("Not sure, or somewhere else")), *grouped]


class Step(Div):
    """One step of the tip form: a section with its heading. On a phone, report.js shows
    one step at a time; without JavaScript they are one page."""

    def __init__(self, number: int, title: StrOrPromise, *fields: str | LayoutObject) -> None:
        super().__init__(*fields)
        self.number, self.title = number, title

    def render(
        self, form: forms.Form, context: Context, template_pack: str = TEMPLATE_PACK, **kwargs: object
    ) -> SafeString:
        fields = self.get_rendered_fields(form, context, template_pack, **kwargs)
        return format_html(
            '<section class="tip-step" data-step="{n}" aria-labelledby="step-{n}-title">\n'
            '<h2 class="h4" id="step-{n}-title">{title}</h2>\n{fields}</section>\n',
            n=self.number,
            title=self.title,
            fields=fields,
        )


def choice_cards(name: str) -> InlineRadios:
    """Radio choices as large tappable cards (``.choice-cards`` in site.css, which stacks
    them). Crispy's inline radios, because they put the error message after the choices;
    its stacked radios put it inside the last one."""
    return InlineRadios(name, wrapper_class="choice-cards")


def include(template: str) -> HTML:
    """Markup with no field in it, kept in a template so its words are translated there."""
    return HTML(f'{{% include "{template}" %}}')


def identify_check(fields: str) -> HTML:
    """ "Could this identify you?" for the text fields with these ids (reports.intake.identifying)."""
    return HTML(f'{{% load identify %}}{{% identify_check "{fields}" %}}')


def _helper(*, form_tag: bool = False, **attrs: object) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.label_class = "fw-semibold"
    helper.attrs = {"novalidate": True, **attrs}
    return helper


class TipForm(forms.Form):
    """Everything a student can tell us; only the kind of concern, the school, what is
    happening and the danger question are required."""

    category = forms.ModelChoiceField(
        label=_("What is this about?"),
        queryset=Category.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose what your concern is about.")},
    )
    school = forms.ChoiceField(
        label=_("Which school?"),
        help_text=_("Type to search, or choose 'Not sure'."),
        error_messages={"required": _("Choose a school, or 'Not sure, or somewhere else'.")},
    )
    description = forms.CharField(
        label=_("What is happening?"),
        help_text=_("Tell us what you saw, heard or read. Leave out your own name."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Tell us what is happening, in a few words at least.")},
    )
    when = forms.ChoiceField(
        label=_("When?"),
        choices=Tip.When.choices,
        initial=Tip.When.UNKNOWN,
        widget=forms.RadioSelect,
    )
    when_date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    location = forms.CharField(
        label=_("Where?"),
        help_text=_("For example: the gym, bus 12, a group chat, the park next to school."),
        required=False,
        max_length=500,
    )
    people_involved = forms.CharField(
        label=_("Who is involved? (optional)"),
        help_text=_("Names, nicknames, grades or user names, if you know them."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    danger_now = forms.TypedChoiceField(
        label=_("Is someone in danger right now?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no: is someone in danger right now?")},
    )
    images = ImagesField(
        label=_("Pictures (optional)"),
        help_text=_("Up to 5 photos or screenshots: JPEG, PNG or WebP. We remove location and camera details."),
        required=False,
    )
    contact_choice = forms.ChoiceField(
        label=_("Can we reach you?"),
        choices=[
            ("anonymous", _("No, I want to stay anonymous")),
            ("contact", _("Yes, I will leave a way to reach me")),
        ],
        initial="anonymous",
        widget=forms.RadioSelect,
    )
    contact_details = forms.CharField(
        label=_("Phone number or e-mail"),
        help_text=_("Only the staff handling your report will see this."),
        required=False,
        max_length=200,
    )
    # A field people never see: robots fill it in.
    extra_notes = forms.CharField(label=_("Leave this field empty"), required=False)
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        self.fields["category"].queryset = Category.objects.filter(active=True)
        self.fields["category"].label_from_instance = lambda c: format_html(
            '{}<span class="d-block small text-body-secondary">{}</span>',
            c.localized_name(language),
            c.localized_description(language),
        )
        # A callable: the schools are read only when the field is rendered or validated (the
        # blank form's fields usually come from the cache; see reports.intake.views).
        self.fields["school"].choices = _school_choices
        self.fields["images"].widget.attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        self.fields["extra_notes"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.fields["contact_details"].widget.attrs.update({"autocomplete": "off"})

        # The <form> tag, its tokens and the error summary are in reports/form.html: the
        # blank fields rendered here are cached (reports.intake.views._blank_fields).
        self.helper = _helper()
        self.helper.layout = Layout(
            include("reports/partials/tip_form/progress.html"),
            Step(
                1,
                _("First, is anyone in danger?"),
                choice_cards("danger_now"),
                include("reports/partials/tip_form/call_911.html"),
                choice_cards("category"),
            ),
            Step(2, _("Which school?"), include("reports/partials/tip_form/school_filter.html"), "school"),
            Step(
                3,
                _("What is happening?"),
                "description",
                choice_cards("when"),
                Field("when_date", wrapper_class="when-date"),
                "location",
                "people_involved",
            ),
            Step(
                4,
                _("Pictures and staying anonymous"),
                "images",
                choice_cards("contact_choice"),
                Field("contact_details", wrapper_class="contact-details"),
                Div("extra_notes", css_class="honeypot", aria_hidden="true"),
                identify_check("id_description id_location"),
                include("reports/partials/tip_form/send.html"),
            ),
            include("reports/partials/tip_form/step_nav.html"),
        )

    def clean_school(self) -> School | None:
        value = self.cleaned_data["school"]
        if value == NOT_SURE:
            return None
        school = School.objects.filter(pk=value, active=True).select_related("district", "police_agency").first()
        if school is None:
            raise forms.ValidationError(_("Choose a school from the list."))
        return school

    def clean_extra_notes(self) -> str:
        if self.cleaned_data["extra_notes"]:
            raise forms.ValidationError(_("Leave this field empty."))
        return ""

    def clean(self) -> dict:
        data = super().clean()
        when, when_date = data.get("when"), data.get("when_date")
        if when == Tip.When.DATE:
            if not when_date:
                self.add_error("when_date", _("Give the date, or choose another answer for 'When?'."))
            elif when_date > timezone.localdate():
                self.add_error(
                    "when_date",
                    _("The date is in the future. For something planned, choose 'It is planned for later'."),
                )
        if data.get("contact_choice") == "contact" and not data.get("contact_details", "").strip():
            self.add_error("contact_details", _("Add a phone number or e-mail, or choose to stay anonymous."))
        if data.get("contact_choice") != "contact":
            data["contact_details"] = ""
        return data


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt"),
        help_text=_("16 letters and numbers, like 7KQ2-M9XD-4HWB-T3NE. Capitals and dashes do not matter."),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Type your receipt.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(form_tag=True)
        self.helper.layout = Layout(
            "receipt", StrictButton(_("Open my report"), type="submit", css_class="btn btn-primary")
        )


class TipsterMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message or more information"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a message before sending.")},
    )
    images = ImagesField(
        label=_("Add pictures (optional)"),
        help_text=_("JPEG, PNG or WebP. We remove location and camera details."),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["images"].widget.attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        self.helper = _helper(form_tag=True)
        self.helper.layout = Layout(
            "body",
            "images",
            identify_check("id_body"),
            StrictButton(_("Send"), type="submit", css_class="btn btn-primary"),
        )


class CloseRequestForm(forms.Form):
    """ "I was wrong / please close this": a request to staff, who decide."""

    reason = forms.CharField(
        label=_("Why should we close it? (optional)"),
        help_text=_("For example: it was a joke, it was a misunderstanding, or it is sorted out now."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(form_tag=True)
        self.helper.form_action = "reports:ask-to-close"
        self.helper.layout = Layout(
            "reason",
            identify_check("id_reason"),
            StrictButton(_("Ask to close my report"), type="submit", css_class="btn btn-outline-secondary"),
        )
