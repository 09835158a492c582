"""Reading pages as a browser would: what each form would send as it stands, and the message
shown at a field. Shared by the core's and the apps' tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Forms(HTMLParser):
    """Every form's fields, by the form's action: the value an input holds, a textarea's text,
    the option a select has selected (its first when none is), checked radios and checkboxes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, str | list[str]]] = {}
        self._form: dict[str, str | list[str]] | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._option: str | None = None
        self._first_option: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action", ""), {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "file", "hidden"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    found = self._form.setdefault(a["name"], [])
                    assert isinstance(found, list)
                    found.append(a.get("value", "on"))
            else:
                self._form[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name", "")
            self._form[self._textarea] = ""
        elif tag == "select":
            self._select = a.get("name", "")
        elif tag == "option" and self._select is not None:
            self._option = a.get("value", "")
            self._first_option.setdefault(self._select, self._option)
            if "selected" in a:
                self._form[self._select] = self._option

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._form is not None and self._select is not None:
            self._form.setdefault(self._select, self._first_option.get(self._select, ""))
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form[self._textarea] = str(self._form[self._textarea]) + data


def form_values(html: str, action: str) -> dict[str, str | list[str]]:
    """The fields of the form whose action ends with `action`: {name: value} (radios and
    checkboxes: the list of those checked)."""
    parser = _Forms()
    parser.feed(html)
    found = [fields for path, fields in parser.forms.items() if path.endswith(action)]
    assert len(found) == 1, f"{len(found)} forms end with {action!r}: {list(parser.forms)}"
    return found[0]


def error_at(html: str, field: str) -> str:
    """The message shown next to `field`, which names it (aria-describedby); "" when none is."""
    described = re.search(rf'name="{re.escape(field)}"[^>]*aria-describedby="[^"]*\b{re.escape(field)}-error\b', html) or re.search(
        rf'aria-describedby="[^"]*\b{re.escape(field)}-error\b', html
    )
    shown = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">([^<]*)</p>', html)
    return shown.group(1) if shown and described else ""
