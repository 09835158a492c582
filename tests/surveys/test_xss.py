"""SECURITY 27: hostile text in every survey text field and query parameter renders inert on
every survey page, htmx fragments and exports included; `|safe` is never used on user data."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from surveys.definition import Choice, Definition, Group, Question
from tests.conftest import csrf_from, login
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, make_organisation, make_user
from tests.surveys.factories import as_participant, make_response, make_survey
from tests.surveys.helpers import open_screen

PAYLOADS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg/onload=alert(3)>",
    "</script><script>alert(4)</script>",
    '<a href="javascript:alert(5)">x</a>',
    "javascript:alert(6)",
    "{{ 7*7 }}{% raw %}",
    "%(name)s %s",
    "<iframe srcdoc='<script>alert(8)</script>'>",
    "<style>*{display:none}</style>",
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.in_json = False
        self.json_blocks: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {k for k, _ in attrs}
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append(f"<{tag} {name}>")
            if name in {"href", "src", "action", "formaction"} and value and value.strip().lower().startswith("javascript:"):
                self.bad.append(f"<{tag} {name}={value}>")
            if name == "style":
                self.bad.append(f"<{tag} style>")
        if tag == "script":
            if values.get("type") == "application/json":
                self.in_json = True
            elif not (values.get("src") or "").startswith("/static/"):
                self.bad.append("<script> without a static src")
        if tag in {"iframe"} and "srcdoc" in names:
            self.bad.append("<iframe srcdoc>")
        if tag in {"img", "svg", "style"} and tag != "img":
            self.bad.append(f"<{tag}>")
        if tag == "img" and not (values.get("src") or "").startswith("/"):
            self.bad.append(f"<img src={values.get('src')}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_json = False

    def handle_data(self, data):
        if self.in_json:
            self.json_blocks.append(data)


def assert_inert(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    assert not parser.bad, parser.bad
    for raw in PAYLOADS[:5]:
        assert raw not in html
    for block in parser.json_blocks:
        assert "</" not in block and "<script" not in block.lower()


def hostile_definition(languages: list[str]) -> Definition:
    def t(i: int) -> dict[str, str]:
        return {lang: PAYLOADS[(i + n) % len(PAYLOADS)] + f" {lang}" for n, lang in enumerate(languages)}

    choice = [Choice("a", t(1)), Choice("b", t(2))]
    return Definition(
        languages=languages,
        title=t(0),
        groups=[
            Group("one", t(3), questions=[
                Question("pick", "single_choice", label=t(4), hint=t(5), required=True, choices=choice, constraint=". != 'b'", constraint_message=t(6)),
                Question("more", "short_text", label=t(7), relevant="${pick} = 'a'"),
                Question("many", "multiple_choice", label=t(8), choices=[Choice("c", t(9)), Choice("d", t(0))]),
            ]),
            Group("two", t(1), questions=[
                Question("scale", "scale", label=t(2), minimum=1, maximum=3, step=1, min_label=t(3), max_label=t(4)),
                Question("rank", "ranking", label=t(5), choices=[Choice("e", t(6)), Choice("f", t(7))]),
                Question("num", "number", label=t(8), minimum=0, maximum=9),
                Question("long", "long_text", label=t(9)),
                Question("rate", "rating_reason", label=t(0), reason_label=t(1), minimum=1, maximum=5, step=1),
                Question("note", "note", label=t(2)),
            ]),
        ],
    )


@pytest.fixture
def world(session):
    org = make_organisation(session)
    consultation = make_consultation(session, status="open", organisation=org, languages=["en", "ar"])
    survey = make_survey(session, consultation, definition=hostile_definition(["en", "ar"]))
    draft = make_survey(session, consultation, definition=hostile_definition(["en", "ar"]), published=False)
    for i in range(6):
        p, _, _ = make_participant(session, consultation)
        make_response(session, survey, p, {"pick": "a", "more": PAYLOADS[i], "long": PAYLOADS[-1 - i], "num": 3,
                                           "rate": {"rating": 2, "reason": PAYLOADS[i + 1]}})
    facilitator = make_user(session, role="facilitator", scope="organisation", organisation=org)
    analyst = make_user(session, role="analyst", scope="organisation", organisation=org)
    return {"consultation": consultation, "survey": survey, "draft": draft, "facilitator": facilitator, "analyst": analyst}


def test_staff_pages_render_hostile_survey_texts_inert(client, world):
    login(client, world["facilitator"].email, PASSWORD)
    s, d = world["survey"].id, world["draft"].id
    urls = ["/surveys/", f"/surveys/{s}", f"/surveys/{d}", f"/surveys/{s}/results", f"/surveys/{d}/groups/one", f"/surveys/{d}/groups/two",
            f"/surveys/{s}/preview", f"/surveys/{s}/preview?screen=two&lang=ar"]
    urls += [f"/surveys/{d}/questions/{q}" for q in ("pick", "more", "many", "scale", "rank", "num", "long", "rate", "note")]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        assert_inert(page.text)
    # Text that looks like a template is shown as it is, never evaluated.
    assert "{{ 7*7 }}{% raw %} en" in client.get(f"/surveys/{d}/questions/pick").text
    fragment = client.get(f"/surveys/{s}/results", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert_inert(fragment.text)


def test_answering_pages_render_hostile_texts_and_answers_inert(client, session, world):
    _p, token, _ = make_participant(session, world["consultation"])
    as_participant(client, token)
    s = world["survey"].id
    first = open_screen(client, s)
    assert_inert(first.text)
    csrf = csrf_from(first.text)
    sid = re.search(r'name="submission_id" value="([^"]+)"', first.text).group(1)
    bad = client.post(f"/surveys/{s}/answer", data={"csrf_token": csrf, "submission_id": sid, "screen": "one", "q.pick": "b", "q.more": PAYLOADS[1]})
    assert bad.status_code == 400
    assert_inert(bad.text)
    client.post(f"/surveys/{s}/answer", data={"csrf_token": csrf, "submission_id": sid, "screen": "one", "q.pick": "a", "q.more": PAYLOADS[1]})
    second = open_screen(client, s, "two")
    assert_inert(second.text)
    back = open_screen(client, s, "one")
    assert_inert(back.text)
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in back.text  # their own answer, shown back as text


@pytest.mark.parametrize(
    "url",
    [
        "/surveys/{s}/answer?screen=<script>alert(1)</script>",
        "/surveys/{s}/answer?screen=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        "/surveys/{s}/preview?screen=<script>alert(1)</script>&lang=<svg/onload=alert(1)>",
        "/surveys/{s}/results?context=<script>alert(1)</script>",
        "/surveys/{s}/results?gender=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        "/surveys/{s}?screen=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
        "/surveys/<script>alert(1)</script>",
        "/surveys/{s}/questions/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ],
)
def test_query_parameters_and_paths_render_inert(client, session, world, url):
    login(client, world["facilitator"].email, PASSWORD)
    _p, token, _ = make_participant(session, world["consultation"])
    as_participant(client, token)
    page = client.get(url.format(s=world["survey"].id))
    assert page.status_code in (200, 400, 404)
    assert_inert(page.text)


def test_an_xlsform_refusal_shows_hostile_cells_as_text(client, session, world):
    from tests.surveys.fixtures import xlsforms

    login(client, world["facilitator"].email, PASSWORD)
    data = xlsforms.workbook_bytes({"survey": [{"type": "<script>alert(1)</script>", "name": "x", "label::English (en)": "x"}]})
    token = csrf_from(client.get("/surveys/").text)
    page = client.post("/surveys/import", data={"csrf_token": token, "consultation_id": str(world["consultation"].id)},
                       files={"file": ("x.xlsx", data, "application/octet-stream")})
    assert page.status_code == 400 and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert_inert(page.text)


def test_exports_carry_hostile_answers_as_plain_cells(client, world):
    login(client, world["analyst"].email, PASSWORD)
    token = csrf_from(client.get(f"/surveys/{world['survey'].id}/results").text)
    response = client.post(f"/surveys/{world['survey'].id}/export", data={"csrf_token": token, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any(PAYLOADS[1] in cell for row in rows for cell in row)  # kept as text, not interpreted


def test_no_survey_template_marks_anything_safe():
    templates = Path(__file__).resolve().parents[2] / "surveys" / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, path
