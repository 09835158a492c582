"""The policymaker's dashboards in a real browser, on a laptop and at 360 px: Plotly drawn from
the application's own origin out of the JSON endpoint, the tables beside it, axe-core clean; the
policy brief it links to; and the public transparency page signed out."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot, sign_in
from tests.factories import actor_of
from tests.tracker.test_commitments import world
from tests.tracker.test_scorecards import rate, scorecard
from tracker import public, services

pytestmark = pytest.mark.e2e


def test_a_policymaker_reads_the_dashboards_and_anyone_the_public_page(laptop_page, phone_page, session):
    w = world(session)
    consultation = w["consultation"]
    w["org"].public_transparency = True
    session.add(w["org"])
    session.commit()
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent before any transfer"))
    services.do_update_commitment(session, minister, commitment, status="in_progress", progress=60)
    services.do_add_commitment(session, actor_of(session, w["engineer"]), w["to_company"], services.CommitmentFields(title="No ads profiling of minors"))
    survey = scorecard(session, consultation, commitment)
    for rating in (2, 3, 3, 4, 4, 5):
        rate(session, survey, consultation, rating)
    public.do_set_public_page(session, actor_of(session, w["facilitator"]), consultation.id, published=True, reason="Agreed with the ministry in June.")

    page = laptop_page
    sign_in(page, w["policymaker"].email)
    page.goto("/tracker/dashboards/")
    # Drawn by Plotly (served from /static/vendor) from the JSON endpoint.
    page.locator("#chart-statuses .main-svg").first.wait_for(timeout=15_000)
    page.locator("#chart-scorecards .main-svg").first.wait_for()
    scorecards = page.locator("section", has=page.locator("#h-scorecards")).locator("table").inner_text()
    assert "Consent before any transfer (Ministry of Education)" in scorecards and "6" in scorecards
    assert "No analysis of this consultation's words has finished yet." in page.inner_text("main")
    assert page.get_by_role("link", name="Download as CSV (Commitments by status)").count() == 1
    # Filters are a plain form: the stakeholder narrows every chart.
    page.select_option("#f-stakeholder", label="ConnectMobile")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "stakeholder=" in page.url and "Consent before any transfer" not in page.locator("#dashboard").inner_text()
    page.locator("#chart-statuses .main-svg").first.wait_for()
    assert_accessible(page)
    shot(page, "tracker-dashboards-laptop")
    assert page.console_errors == [], page.console_errors
    # The policy brief of what the page shows, under the same filters: charts drawn on the server.
    with page.expect_navigation():
        page.get_by_role("link", name="Policy brief", exact=True).click()
    assert "/tracker/dashboards/brief?" in page.url and "stakeholder=" in page.url
    brief = page.inner_text("main")
    assert "Stakeholder: ConnectMobile" in brief and "No ads profiling of minors" in brief and "Consent before any transfer" not in brief
    assert page.locator("main svg[role=img]").count() >= 4
    assert page.get_by_role("link", name="Download the PDF").get_attribute("href").startswith("/tracker/dashboards/brief.pdf?")
    assert_accessible(page)
    shot(page, "tracker-brief-laptop")
    assert page.console_errors == [], page.console_errors

    phone = phone_page
    sign_in(phone, w["policymaker"].email)
    phone.goto("/tracker/dashboards/")
    phone.locator("#chart-adoption .main-svg").first.wait_for(timeout=15_000)
    assert_no_horizontal_scroll(phone)
    # Every table reads whole at 360 px: a row is a card, each figure beside its column's name,
    # nothing cut off at the table's edge or scrolled sideways inside it.
    wraps = phone.locator("#dashboard .table-wrap")
    assert wraps.count() >= 4
    assert phone.evaluate("() => [...document.querySelectorAll('#dashboard .table-wrap')].filter((w) => w.scrollWidth > w.clientWidth + 1).length") == 0
    assert phone.locator("#dashboard td").count() > 10 and phone.locator("#dashboard td:not([data-label])").count() == 0
    assert_accessible(phone)
    shot(phone, "tracker-dashboards-360")

    # The public page, signed out, on the phone.
    phone.context.clear_cookies()
    phone.goto(f"/tracker/public/{consultation.id}")
    text = phone.inner_text("main")
    assert "Ask before sharing school records" in text and "Consent before any transfer" in text and "No ads profiling of minors" in text
    assert "6 young people rated it" in text and w["policymaker"].email not in phone.content()
    assert_no_horizontal_scroll(phone)
    assert_accessible(phone)
    shot(phone, "tracker-public-360")
    assert phone.console_errors == [], phone.console_errors


# Every category label of a bar chart, and every value written on a bar, as the browser laid
# them out: the chart's box, each label's box, and whether a value is turned sideways.
LAYOUT = r"""(el) => {
  const box = el.getBoundingClientRect();
  const labels = [...el.querySelectorAll('.yaxislayer-above .ytick text')].map((t) => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, right: r.right};
  });
  const values = [...el.querySelectorAll('.bartext')].map((t) => {
    const turned = /rotate\((-?[0-9.]+)/.exec(t.getAttribute('transform') || '');
    return {text: t.textContent, angle: turned ? Number(turned[1]) : 0};
  });
  return {left: box.left, right: box.right, labels, values};
}"""


def test_in_arabic_every_chart_label_reads_whole_and_every_value_level(laptop_page, phone_page, session, live_server):
    w = world(session)
    minister = actor_of(session, w["minister"])
    titles = ("موافقة الطالب قبل أي نقل لسجلات المدرسة إلى جهة حكومية أخرى", "Consent before any transfer of school records to another agency")
    for title, progress in zip(titles, (60, 85), strict=True):
        commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title=title))
        services.do_update_commitment(session, minister, commitment, status="in_progress", progress=progress)
    services.do_add_commitment(session, actor_of(session, w["engineer"]), w["to_company"], services.CommitmentFields(title="No ads profiling of minors"))
    host = live_server.split("//", 1)[1].split(":")[0]
    for page, name in ((laptop_page, "laptop"), (phone_page, "360")):
        page.context.add_cookies([{"name": "baraza_lang", "value": "ar", "domain": host, "path": "/"}])
        sign_in(page, w["policymaker"].email)
        page.goto("/tracker/dashboards/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        for key in ("statuses", "scorecards"):
            chart = page.locator(f"#chart-{key}")
            chart.locator(".main-svg").first.wait_for(timeout=15_000)
            laid = chart.evaluate(LAYOUT)
            assert laid["labels"], key
            for label in laid["labels"]:
                # Inside the chart (not cut at its right edge), and to the right of the bars.
                assert laid["left"] - 1 <= label["left"] and label["right"] <= laid["right"] + 1, (name, key, label, laid)
                assert label["left"] > (laid["left"] + laid["right"]) / 2, (name, key, label)
            for value in laid["values"]:
                assert value["angle"] == 0, (name, key, value)  # written level, never sideways
        # The long titles wrap onto lines, the Arabic one read right to left.
        labels = page.locator("#chart-scorecards .ytick text").all_text_contents()
        assert any(label.startswith("\u202bموافقة الطالب") for label in labels), labels
        assert_no_horizontal_scroll(page)
        shot(page, f"tracker-dashboards-ar-{name}")
        assert page.console_errors == [], page.console_errors
