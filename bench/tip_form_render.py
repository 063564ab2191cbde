"""Render time of the tip form's fields: blank (what reports.intake.views._blank_fields
caches) and bound with errors (a refused POST, rendered uncached). README "Style notes"
has the figures. Run from a checkout with content loaded (make run, or load_content):

    .venv/bin/python bench/tip_form_render.py crispy

It also renders the hand-written partial of commits before crispy layouts (d82fd8d):
``git archive d82fd8d | tar -x -C /tmp/old`` and run it from there with the same database.
"""

import os
import sys
import timeit

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeschools.settings")
import django  # noqa: E402

django.setup()
from django.template.loader import render_to_string  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import translation  # noqa: E402

from reports.intake.forms import TipForm  # noqa: E402

translation.activate("en")
request = RequestFactory().get("/report/")


def render(form: TipForm) -> str:
    if hasattr(form, "helper"):
        from crispy_forms.utils import render_crispy_form

        return render_crispy_form(form, context={"request": request})
    return render_to_string("reports/partials/tip_form_fields.html", {"form": form}, request=request)


def blank() -> str:
    return render(TipForm())


def bound() -> str:
    form = TipForm({"description": "", "danger_now": "no", "contact_choice": "contact"})
    form.is_valid()
    return render(form)


blank()
bound()
label = sys.argv[1] if len(sys.argv) > 1 else "this checkout"
for name, fn in [("blank", blank), ("with errors", bound)]:
    runs = sorted(timeit.repeat(fn, number=40, repeat=7))
    print(f"{label:12} {name:12} best {runs[0] / 40 * 1000:6.2f} ms  median {runs[3] / 40 * 1000:6.2f} ms")
