"""The open toolkit (seed 003): the guidance of a consultation as a bundle others can reuse.

One zip built in the answer to a POST (no file kept, no link to replay, SECURITY 7): the
guidance as a standalone HTML page and as a PDF where the server draws PDFs, the themes with
their sizes under the small-numbers rule, the shared recommendations with the themes behind
them, and a README saying how it was made. No participant id and no text of a young person
except the quotes the guidance already shows (writers who allow quoting, read again now).
Every CSV cell that a spreadsheet could run as a formula is neutralised (SECURITY 33).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

from insights.guidance import Guidance

FORMULA_START = frozenset("=+-@")
_LEADING_BLANK = re.compile(r"^[\s\x00-\x1f\x7f\u00a0\u2000-\u200b\u3000\ufeff]*")


def neutralise(value: Any) -> Any:
    """Text that would start a formula gets a leading quote; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value)
    stripped = _LEADING_BLANK.sub("", text)
    if text and (text[0] in "\t\r" or text[0] in FORMULA_START or (stripped and stripped[0] in FORMULA_START)):
        return "'" + text
    return text


def _csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def toolkit_zip(guidance: Guidance, html: str, pdf: bytes | None, gettext: Callable[[str], str]) -> bytes:
    k = guidance.k
    themes = [[gettext("Theme"), gettext("Key phrases"), gettext("People")]]
    for theme in guidance.themes:
        themes.append([theme.name, ", ".join(theme.phrases), theme.size.text(k, gettext)])
    recommendations = [[gettext("Recommendation"), gettext("Status"), gettext("Addressed to"), gettext("From the themes")]]
    for r in guidance.recommendations:
        recommendations.append([r.title, r.status, "; ".join([*r.addressed_kinds, *r.addressed_organisations]), "; ".join(r.themes)])
    participants = [[gettext("Context"), gettext("People")]]
    for cid, cell in guidance.participants.items():
        participants.append([guidance.context_names.get(str(cid), str(cid)), cell.text(k, gettext)])
    readme = "\n".join(
        [
            gettext("Guidance document"),
            "",
            gettext("guidance.html and guidance.pdf: the guidance as published."),
            gettext("themes.csv: the themes and how many people's words are in each."),
            gettext("participants.csv: how many young people were counted, per context."),
            gettext("recommendations.csv: the recommendations shared, and the themes behind them."),
            "",
            gettext("Any number under %(k)s is hidden, and sometimes a second one too, so that no small group can be singled out.") % {"k": k},
            guidance.method or ((gettext("Method: %(method)s.") % {"method": guidance.run.method}) if guidance.run and guidance.run.method else ""),
        ]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("README.txt", readme)
        bundle.writestr("guidance.html", html)
        if pdf is not None:
            bundle.writestr("guidance.pdf", pdf)
        bundle.writestr("themes.csv", _csv(themes))
        bundle.writestr("participants.csv", _csv(participants))
        bundle.writestr("recommendations.csv", _csv(recommendations))
    return buffer.getvalue()
