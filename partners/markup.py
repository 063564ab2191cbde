"""The small markup coordinators write pages in.

Everything is escaped first, so a page body can never carry HTML or script into the site
(the CSP would block inline script anyway). Supported: paragraphs separated by blank
lines, ``## Heading`` and ``### Subheading`` lines, ``- item`` lists, and bare web
addresses, which become links.
"""

from __future__ import annotations

from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe


def _inline(text: str) -> str:
    return urlize(escape(text), nofollow=True, autoescape=False)


def render(source: str) -> SafeString:
    html: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            html.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()
        if items:
            html.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in source.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("### "):
            flush()
            html.append(f"<h3>{_inline(line[4:])}</h3>")
        elif line.startswith("## "):
            flush()
            html.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith(("- ", "* ")):
            if paragraph:
                flush()
            items.append(line[2:])
        else:
            if items:
                flush()
            paragraph.append(line)
    flush()
    return mark_safe("\n".join(html))  # noqa: S308 — every piece above is escaped
