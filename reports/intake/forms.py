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
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partners.models import School
from reports.intake import reference
from reports.models import Card, Category, Tip
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


# The form's screens, in order, and the fields each asks for. Only the current screen is
# drawn (no layout shift, and a short page on a phone); what was answered on the others
# travels along in hidden inputs, so nothing is stored between screens.
STEPS = ("danger", "about", "school", "what", "send")
STEP_FIELDS = {
    "danger": ("danger_now",),
    "about": ("card", "category"),
    "school": ("school",),
    "what": ("description", "when", "when_date", "location", "people_involved"),
    "send": ("images", "contact_choice", "contact_details", "extra_notes"),
}
NEVER_CARRIED = {"form_token", "images", "extra_notes"}


class ChoiceButtons(LayoutObject):  # type: ignore[misc]  # crispy-forms has no types
    """A question whose answers are submit buttons: one tap answers it and moves on, with
    or without JavaScript. The question is the fieldset's legend and the screen's heading
    (one text, not a heading and then a label)."""

    def __init__(
        self,
        name: str,
        options: list[tuple[str, StrOrPromise, StrOrPromise]],
        *,
        legend: StrOrPromise | None = None,
        css_class: str = "choice-buttons",
        error_field: str | None = None,
    ) -> None:
        self.fields: list[str] = []
        self.name, self.options, self.legend, self.css_class = name, options, legend, css_class
        self.error_field = error_field or name

    def render(
        self, form: forms.Form, context: Context, template_pack: str = TEMPLATE_PACK, **kwargs: object
    ) -> SafeString:
        bound = form[self.error_field]
        errors = bound.errors if form.is_bound else []
        error_id = f"error_1_{bound.auto_id}"
        described = format_html(' aria-describedby="{}"', error_id) if errors else ""
        chosen = str(form.data.get(self.name, ""))
        buttons = format_html_join(
            "\n",
            '<button class="choice-button{}" type="submit" name="{}" value="{}"{}>'
            '<span class="choice-title">{}</span>{}{}</button>',
            (
                (
                    " chosen" if value == chosen else "",
                    self.name,
                    value,
                    described,
                    title,
                    format_html('<span class="d-block small choice-help">{}</span>', help) if help else "",
                    format_html(' <span class="visually-hidden">({})</span>', _("your answer"))
                    if value == chosen
                    else "",
                )
                for value, title, help in self.options
            ),
        )
        error = format_html_join(
            "", '<p class="invalid-feedback d-block" id="{}"><strong>{}</strong></p>', ((error_id, e) for e in errors)
        )
        return format_html(
            '<div id="div_{}" class="mb-3"><fieldset class="{}{}"{}>'
            '<legend><h2 class="h4" id="step-title">{}</h2></legend>{}<div class="choice-list">{}</div>'
            "</fieldset></div>",
            bound.auto_id,
            self.css_class,
            " is-invalid" if errors else "",
            described,
            self.legend or form.fields[self.name].label,
            error,
            buttons,
        )


class AboutCards(LayoutObject):  # type: ignore[misc]  # crispy-forms has no types
    """What the concern is about: the cards (``reports.intake.cards``); after a card that
    stands for several categories, the short second question."""

    fields: list[str] = []

    def render(
        self, form: forms.Form, context: Context, template_pack: str = TEMPLATE_PACK, **kwargs: object
    ) -> SafeString:
        from reports.intake import cards

        language = get_language() or "en"
        offered = cards.offered()
        picked = next((o for o in offered if o.card == form.data.get("card")), None)
        category = str(form.data.get("category", ""))
        if picked is not None and len(picked.categories) > 1 and category not in {str(c.pk) for c in picked.categories}:
            question = ChoiceButtons(
                "category",
                [(str(c.pk), c.localized_name(language), c.localized_description(language)) for c in picked.categories],
                legend=_("%(card)s: which fits best?") % {"card": picked.title},
            )
            carried = format_html('<input type="hidden" name="card" value="{}">', picked.card)
            return format_html("{}{}", carried, question.render(form, context, template_pack))
        return ChoiceButtons(
            "card",
            [(o.card.value, o.title, o.description) for o in offered],
            css_class="choice-buttons about-cards",
            error_field="category",
        ).render(form, context, template_pack)


class SchoolPicker(LayoutObject):  # type: ignore[misc]  # crispy-forms has no types
    """Which school: a search box; the schools that match, each a button; "Not sure".
    Without JavaScript "Search" asks the server; with it, the list follows the typing
    (``reports:schools``, the same list)."""

    fields: list[str] = []

    def render(
        self, form: TipForm, context: Context, template_pack: str = TEMPLATE_PACK, **kwargs: object
    ) -> SafeString:
        from django.template.loader import render_to_string

        from reports.intake.schools import matching

        bound = form["school"]
        errors = bound.errors if form.is_bound else []
        chosen = str(form.data.get("school", ""))
        schools = matching(form.school_query) if form.school_query else []
        if not form.school_query and chosen not in {"", NOT_SURE}:
            found = School.objects.filter(pk=chosen, active=True).select_related("district") if chosen.isdigit() else []
            schools = list(found)
        return render_to_string(
            "reports/partials/tip_form/school_picker.html",
            {
                "query": form.school_query,
                "schools": schools,
                "chosen": chosen,
                "errors": errors,
                "not_sure": NOT_SURE,
                "error_id": f"error_1_{bound.auto_id}",
            },
            request=context.get("request"),
        )


class StepNav(LayoutObject):  # type: ignore[misc]  # crispy-forms has no types
    """Next (the default button: Enter in a text box goes forward) and Back."""

    fields: list[str] = []

    def __init__(self, *, back: bool, forward: bool) -> None:
        self.back, self.forward = back, forward

    def render(
        self, form: forms.Form, context: Context, template_pack: str = TEMPLATE_PACK, **kwargs: object
    ) -> SafeString:
        next_button = format_html(
            '<button class="btn btn-primary btn-lg" type="submit" name="go" value="next">{}</button>', _("Next")
        )
        back_button = format_html(
            '<button class="btn btn-outline-secondary" type="submit" name="go" value="back" formnovalidate>{}</button>',
            _("Back"),
        )
        return format_html(
            '<div class="step-nav d-flex flex-wrap gap-2 mt-3">{}{}</div>',
            next_button if self.forward else "",
            back_button if self.back else "",
        )


class Carried(LayoutObject):  # type: ignore[misc]  # crispy-forms has no types
    """What was answered on the screens not shown, as hidden inputs, and which screen this
    is. Nothing is kept on the server between screens."""

    fields: list[str] = []

    def render(
        self, form: TipForm, context: Context, template_pack: str = TEMPLATE_PACK, **kwargs: object
    ) -> SafeString:
        shown = {name for step in form.steps for name in STEP_FIELDS[step]}
        data = form.data
        values = [
            (name, value)
            for name in form.fields
            if name not in shown and name not in NEVER_CARRIED
            for value in (data.getlist(name) if hasattr(data, "getlist") else [data.get(name)])
            if value not in (None, "")
        ]
        if "what" not in form.steps and "1" in (data.getlist("identify_checked") if hasattr(data, "getlist") else []):
            values.append(("identify_checked", "1"))
        return format_html(
            '{}<input type="hidden" name="step" value="{}">',
            format_html_join("", '<input type="hidden" name="{}" value="{}">', values),
            form.steps[-1],
        )


def choice_cards(name: str) -> InlineRadios:
    """Radio choices as large tappable cards (``.choice-cards`` in site.css, which stacks
    them). Crispy's inline radios, because they put the error message after the choices;
    its stacked radios put it inside the last one."""
    return InlineRadios(name, wrapper_class="choice-cards")


def include(template: str) -> HTML:
    """Markup with no field in it, kept in a template so its words are translated there."""
    return HTML(f'{{% include "{template}" %}}')


def identify_check(fields: str, prefix: str = "") -> HTML:
    """ "Could this identify you?" for the text fields with these ids (reports.intake.identifying).
    ``prefix``: a second check on the same page (its element ids, and where the view puts
    what the server found: ``<prefix>_identify_findings``)."""
    return HTML(f'{{% load identify %}}{{% identify_check "{fields}" "{prefix}" %}}')


def _helper(*, form_tag: bool = False, **attrs: object) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.label_class = "fw-semibold"
    helper.attrs = {"novalidate": True, **attrs}
    return helper


class CategoryField(forms.ModelChoiceField[Category]):
    """The kind of concern: rendered from its queryset, validated against the active
    categories in the shared cache (no query per submission)."""

    def to_python(self, value: object) -> Category | None:
        if value in self.empty_values:
            return None
        category = reference.active_categories().get(int(str(value))) if str(value).isdigit() else None
        if category is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return category


class TipForm(forms.Form):
    """Everything a student can tell us; only the kind of concern, the school, what is
    happening and the danger question are required."""

    card = forms.ChoiceField(label=_("What is this about?"), choices=Card.choices, required=False)
    category = CategoryField(
        label=_("What is this about?"),
        queryset=Category.objects.none(),
        empty_label=None,
        error_messages={"required": _("Choose what your concern is about.")},
    )
    school = forms.ChoiceField(
        label=_("Which school?"),
        error_messages={
            "required": _("Choose a school, or 'Not sure, or somewhere else'."),
            # A school taken off the list (closed, merged) while the form was open.
            "invalid_choice": _("Choose a school, or 'Not sure, or somewhere else'."),
        },
    )
    description = forms.CharField(
        label=_("Tell us what you saw, heard or read"),
        help_text=_("A few words are enough. Leave out your own name."),
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

    def __init__(self, *args, steps: tuple[str, ...] = ("danger",), school_query: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.steps, self.school_query = steps, school_query
        self.fields["category"].queryset = Category.objects.filter(active=True)
        # A callable: the schools are read only when the field is rendered or validated (the
        # blank form's fields usually come from the cache; see reports.intake.views).
        self.fields["school"].choices = _school_choices
        self.fields["images"].widget.attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        self.fields["extra_notes"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.fields["contact_details"].widget.attrs.update({"autocomplete": "off"})

    @cached_property
    def helper(self) -> FormHelper:
        """The layout of the form's screens, built when the form is drawn (a submission that
        is stored never is). The <form> tag, its tokens and the error summary are in
        reports/form.html: the blank first screen is cached (reports.intake.views)."""
        helper = _helper()
        helper.layout = Layout(*[part for step in self.steps for part in self._screen(step)], Carried())
        return helper

    def _screen(self, step: str) -> list[str | LayoutObject]:
        number = STEPS.index(step) + 1
        progress = HTML(
            format_html(
                '<p class="step-progress text-body-secondary mb-1" id="step-progress">{}</p>',
                _("Step %(n)d of %(total)d") % {"n": number, "total": len(STEPS)},
            )
        )
        danger = [include("reports/partials/tip_form/call_911.html")] if self.data.get("danger_now") == "yes" else []
        screens: dict[str, list[str | LayoutObject]] = {
            "danger": [
                progress,
                ChoiceButtons(
                    "danger_now",
                    [("yes", _("Yes, someone is in danger"), ""), ("no", _("No"), "")],
                    css_class="choice-buttons danger-buttons",
                ),
            ],
            "about": [*danger, progress, AboutCards(), StepNav(back=True, forward=False)],
            "school": [
                *danger,
                progress,
                HTML(format_html('<h2 class="h4" id="step-title">{}</h2>', _("Which school?"))),
                SchoolPicker(),
                StepNav(back=True, forward=False),
            ],
            "what": [
                *danger,
                progress,
                HTML(format_html('<h2 class="h4" id="step-title">{}</h2>', _("What is happening?"))),
                "description",
                choice_cards("when"),
                Field("when_date", wrapper_class="when-date"),
                "location",
                "people_involved",
                identify_check("id_description id_location"),
                StepNav(back=True, forward=True),
            ],
            "send": [
                *danger,
                progress,
                HTML(format_html('<h2 class="h4" id="step-title">{}</h2>', _("Pictures and staying anonymous"))),
                "images",
                choice_cards("contact_choice"),
                Field("contact_details", wrapper_class="contact-details"),
                Div("extra_notes", css_class="honeypot", aria_hidden="true"),
                include("reports/partials/tip_form/send.html"),
                StepNav(back=True, forward=False),
            ],
        }
        return [Div(*screens[step], css_class="tip-step", data_step=step)]

    def quiet(self, *, keep: tuple[str, ...] = ()) -> TipForm:
        """Show only the errors of the fields named in ``keep`` (those of the screen the
        student just answered); a screen reached for the first time shows none."""
        for name in list(self.errors):  # reading them cleans the form once
            if name not in keep:
                del self.errors[name]
        return self

    def errors_in(self, step: str) -> bool:
        return any(name in self.errors for name in STEP_FIELDS[step])

    def first_step_with_errors(self) -> str:
        return next((step for step in STEPS if self.errors_in(step)), STEPS[-1])

    def clean_school(self) -> School | None:
        value = self.cleaned_data["school"]
        if value == NOT_SURE:
            return None
        school = reference.active_schools().get(int(value)) if value.isdigit() else None
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
        help_text=_("16 letters and numbers, like 7KQ2‑M9XD‑4HWB‑T3NE. Capitals and dashes do not matter."),
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
            identify_check("id_reason", prefix="close"),
            StrictButton(_("Ask to close my report"), type="submit", css_class="btn btn-outline-secondary"),
        )
