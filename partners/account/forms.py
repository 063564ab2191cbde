"""Sign-in forms. They validate input only; codes are checked against devices in
``partners.account.two_factor``."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from partners.access import has_staff_access

CODE_WIDGET_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "pattern": "[0-9 ]*",
    "maxlength": "7",
    "autofocus": True,
}


def _digits(value: str) -> str:
    return re.sub(r"\s+", "", value or "")


class StaffAuthenticationForm(AuthenticationForm):
    """Username and password; only agency members and superusers may go on."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "no_staff_access": _(
            "This account does not belong to any agency, so it cannot use the staff dashboard. "
            "Ask a Partnership coordinator to add you to your agency."
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not has_staff_access(user):
            raise ValidationError(self.error_messages["no_staff_access"], code="no_staff_access")


class CodeForm(forms.Form):
    """The six-digit code from the authenticator app (enrolment)."""

    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        widget=forms.TextInput(attrs=CODE_WIDGET_ATTRS),
    )

    def clean_code(self) -> str:
        code = _digits(self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError(_("Enter the 6 digits your app shows."), code="format")
        return code


class SecondFactorForm(forms.Form):
    """The sign-in's second step: a code from the app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        required=False,
        widget=forms.TextInput(attrs=CODE_WIDGET_ATTRS),
    )
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        required=False,
        help_text=_("Only if you do not have your phone. Each recovery code works once."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = _digits(self.cleaned_data["code"])
        if code and not re.fullmatch(r"\d{6}", code):
            raise ValidationError(_("Enter the 6 digits your app shows."), code="format")
        return code

    def clean_recovery_code(self) -> str:
        return re.sub(r"[\s-]+", "", self.cleaned_data["recovery_code"]).lower()

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and bool(cleaned.get("code")) == bool(cleaned.get("recovery_code")):
            raise ValidationError(_("Enter either the code from your app or one recovery code."), code="one_of")
        return cleaned
