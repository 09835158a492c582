"""Reading the consultation pages as a browser would: what a form would send as it stands."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Form(HTMLParser):
    """The fields of the form whose action ends with `action`: an input's value, a textarea's
    text, a select's selected option (its first when none is), the ticked boxes by name."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.values: dict[str, str | list[str]] = {}
        self._inside = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._first: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._inside = a.get("action", "").endswith(self.action)
        elif not self._inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "hidden"):
            if a.get("type") in ("checkbox", "radio"):
                ticked = self.values.setdefault(a["name"], [])
                if "checked" in a and isinstance(ticked, list):
                    ticked.append(a.get("value", "on"))
            else:
                self.values[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name", "")
            self.values[self._textarea] = ""
        elif tag == "select":
            self._select = a.get("name", "")
        elif tag == "option" and self._select is not None:
            self._first.setdefault(self._select, a.get("value", ""))
            if "selected" in a:
                self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if self._inside:
                self.values.setdefault(self._select, self._first.get(self._select, ""))
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._inside and self._textarea is not None:
            self.values[self._textarea] = str(self.values[self._textarea]) + data


def form_values(html: str, action: str) -> dict[str, str | list[str]]:
    parser = _Form(action)
    parser.feed(html)
    return parser.values


def error_at(html: str, field: str) -> str:
    """The message shown next to `field`, which names it (aria-describedby); "" when none is."""
    described = re.search(rf'name="{re.escape(field)}"[^>]*aria-describedby="[^"]*\b{re.escape(field)}-error\b', html) or re.search(
        rf'aria-describedby="[^"]*\b{re.escape(field)}-error\b', html
    )
    shown = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">([^<]*)</p>', html)
    return shown.group(1) if shown and described else ""
