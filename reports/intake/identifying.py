"""Could this identify you? Before a tip or a follow-up is sent, its text is checked for
what looks like it could show who wrote it: a phone number, an e-mail address, a user name
or social account, "my name is …", an ID number, a street address, "only three of us …".
The student is told in plain words which parts may identify *them* and may remove or keep
each; nothing is ever blocked, and nothing about the check is stored or logged.

The patterns here are the only copy: the browser module (``static/js/identify-check.js``)
receives them as JSON (``browser_data``) and runs the same expressions as the student
types; the server runs them for a browser without JavaScript (``find``). They are written
in the part of the regular-expression language that Python and JavaScript read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# kind, expression, "i" if case does not matter, what it looks like (plain words)
PATTERNS = [
    (
        "email",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        "i",
        gettext_lazy("an e-mail address"),
    ),
    (
        "phone",
        r"(?:\+?1[ .-]?)?\(?\b[2-9][0-9]{2}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4}\b",
        "",
        gettext_lazy("a phone number"),
    ),
    (
        "social",
        r"\b(?:snap(?:chat)?|insta(?:gram)?|ig|tiktok|tik tok|discord|twitter|facebook|fb)\b(?: (?:is|es))?[ :=-]*@?[A-Za-z0-9_.]{3,30}",
        "i",
        gettext_lazy("a social media account"),
    ),
    ("handle", r"(?:^|[^A-Za-z0-9_.@])(@[A-Za-z0-9_.]{2,30})", "", gettext_lazy("a user name")),
    (
        # Case matters here: a second word counts as a surname only with a capital.
        "name",
        r"\b(?:[Mm]y name is|[Mm]y name's|I am called|[Mm]e llamo|[Mm]i nombre es) +[A-Za-zÁÉÍÓÚÑáéíóúñ'-]+(?: +[A-ZÁÉÍÓÚÑ][a-záéíóúñ'-]+)?",
        "",
        gettext_lazy("your name"),
    ),
    (
        "student_id",
        r"\b(?:student (?:id|number|no)|id(?: number| no)?|lunch (?:number|code|pin)|n[uú]mero de estudiante)[ :#.]*[0-9]{4,10}\b",
        "i",
        gettext_lazy("an ID number"),
    ),
    (
        "address",
        r"\b[0-9]{1,5} +(?:[A-Za-z]+ +){1,3}(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|court|ct|way|place|pl|terrace|circle|parkway|pkwy)\b\.?",
        "i",
        gettext_lazy("a street address"),
    ),
    (
        "small_group",
        r"\b(?:only|just|solo|s[oó]lo) +(?:[2-9]|two|three|four|five|dos|tres|cuatro|cinco) +(?:of us|people|kids|students|girls|boys|de nosotros|personas|estudiantes)\b",
        "i",
        gettext_lazy("a detail only a few people share"),
    ),
]
_COMPILED = [
    (kind, re.compile(source, re.IGNORECASE if flags == "i" else 0), label) for kind, source, flags, label in PATTERNS
]


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    label: str


def find(*texts: str) -> list[Finding]:
    """What in ``texts`` may identify the writer, each distinct piece once, in the order it
    appears. A piece matched by an earlier kind (an e-mail) is not reported again by a
    later one (the user name inside it)."""
    found: list[Finding] = []
    for text in texts:
        spans: list[tuple[int, int, Finding]] = []
        for kind, expression, label in _COMPILED:
            for match in expression.finditer(text or ""):
                group = 1 if expression.groups else 0
                start, end = match.span(group)
                if any(start < s_end and end > s_start for s_start, s_end, _ in spans):
                    continue
                spans.append((start, end, Finding(kind=kind, text=match.group(group).strip(), label=str(label))))
        for _start, _end, finding in sorted(spans, key=lambda span: span[0]):
            if finding.text and all(f.text != finding.text for f in found):
                found.append(finding)
    return found


def browser_data() -> dict[str, Any]:
    """The patterns and the words of the check, for the browser module (as JSON)."""
    return {
        "patterns": [
            {"kind": kind, "source": source, "flags": flags, "label": str(label)}
            for kind, source, flags, label in PATTERNS
        ],
        "title": _("Could this identify you?"),
        "intro": _("Before you send: these parts may show who you are. You decide what stays."),
        "item": _("“%(text)s” looks like %(label)s. If it is about you, it could show who sent this."),
        "remove": _("Remove it"),
        "keep": _("Keep it"),
        "clear": _("Nothing here looks like it could identify you."),
    }
