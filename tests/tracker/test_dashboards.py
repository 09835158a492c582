"""Policymakers' and the team's dashboards: every count of young people under the small-numbers
rule in the JSON, the tables and the CSV; scopes; filters; the cache follows events."""

from __future__ import annotations

import csv
import io
import threading
import time

from sqlmodel import select

from baraza.refs import Ref
from baraza.registry import EndorsementItem, ThemeItem
from tests.conftest import login
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, actor_of, make_context, make_organisation, make_user
from tests.pages import form_values
from tests.tracker.test_commitments import commit_to, world
from tests.tracker.test_scorecards import rate, scorecard
from tracker import services
from tracker.dashboards import DashboardCache
from tracker.models import Commitment


def rows_of(data, key):
    chart = next(c for c in data["charts"] if c["key"] == key)
    return {row["label"]: row["cells"] for row in chart["rows"]}, chart


def csv_rows(response):
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def setup_board(session, app):
    """A consultation with two contexts, a commitment rated by 3 young people (under k=5),
    themes and endorsements offered by stand-in sources."""
    w = world(session)
    consultation = w["consultation"]
    second = make_context(session, w["org"], name="Mombasa")
    from baraza.consultations.models import ConsultationContext

    session.add(ConsultationContext(consultation_id=consultation.id, context_id=second.id))
    session.commit()
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent first"))
    services.do_update_commitment(session, minister, commitment, status="embedded", progress=None)
    survey = scorecard(session, consultation, commitment)
    first_people = [rate(session, survey, consultation, 2, "Slow") for _ in range(3)]
    others = [make_participant(session, consultation, context=second)[0] for _ in range(2)]
    more = [make_participant(session, consultation)[0] for _ in range(4)]
    people = first_people + more
    context_id = first_people[0].context_id
    recommendation = w["to_ministry"].recommendation_ref
    registry = app.state.baraza.registry

    def themes(s, consultation_id):
        spanish = (("es", "Registros escolares"),)  # the theme's own words in Spanish
        items = [ThemeItem("test", consultation_id, "t1", "School records", p.id, context_id, labels=spanish) for p in people[:6]]
        items += [ThemeItem("test", consultation_id, "t1", "School records", p.id, second.id, labels=spanish) for p in others]
        return items

    def endorsements(s, consultation_id):
        return [EndorsementItem("test", recommendation, consultation_id, p.id, context_id, True) for p in people[:6]] + [
            EndorsementItem("test", recommendation, consultation_id, p.id, context_id, False) for p in people[6:7]
        ]

    registry.theme_sources.append(themes)
    registry.endorsement_sources.append(endorsements)
    return w, commitment, second


def test_every_chart_hides_what_fewer_than_k_young_people_gave(client, session, app):
    w, commitment, second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    page = client.get("/tracker/dashboards/")
    assert page.status_code == 200
    assert "plotly-basic.min.js" in page.text and "/static/tracker/dashboards.js?v=" in page.text
    assert "Themes per context" in page.text and "<table class=\"stack\">" in page.text  # the table is the no-JS view
    data = client.get("/tracker/dashboards/data.json").json()
    assert data["k"] == 5
    # Themes: 6 in the first context shown; 2 in Mombasa hidden, and the theme's total gives
    # nothing away because the first context's cell is hidden with it.
    themes, chart = rows_of(data, "themes")
    cells = themes["School records"]
    mombasa = chart["columns"].index("Mombasa")
    assert cells[mombasa] == {"value": None, "text": "fewer than 5", "suppressed": True}
    assert cells[1 - mombasa]["suppressed"] and cells[-1] == {"value": 8, "text": "8", "suppressed": False}
    # Endorsements: 6 endorse, 1 does not: the 1 is hidden, and the 6 with it (the total is shown).
    endorsed, _ = rows_of(data, "endorsements")
    (title, cells), = endorsed.items()
    assert title == "Ask before sharing school records"
    assert cells[1]["value"] is None and cells[1]["text"] == "fewer than 5"
    assert cells[0]["value"] is None and cells[2]["value"] == 7
    # Scorecards: 3 young people rated: neither the count nor their average is shown.
    cards, _ = rows_of(data, "scorecards")
    cells = cards["Consent first (Ministry of Education)"]
    assert cells[1]["value"] == 100 and cells[3] == {"value": None, "text": "fewer than 5", "suppressed": True}
    assert cells[4]["value"] is None and cells[4]["suppressed"]
    # Contexts compared: 2 taking part in Mombasa is hidden.
    contexts, _ = rows_of(data, "contexts")
    assert contexts["Mombasa"][0]["value"] is None and contexts["Mombasa"][0]["text"] in ("fewer than 5",)
    assert contexts["Mombasa"][1]["value"] is None and contexts["Mombasa"][2]["value"] == 0  # nobody is shown as nobody
    # Commitments are organisations' promises, counted as they are.
    statuses, chart = rows_of(data, "statuses")
    assert statuses["Ministry of Education"][chart["columns"].index("Embedded in policy or system")]["value"] == 1
    adoption, _ = rows_of(data, "adoption")
    assert list(adoption.values())[-1][0]["value"] == 1
    # The CSVs say the same, in words, never the hidden numbers.
    for key in ("themes", "endorsements", "scorecards", "contexts"):
        rows = csv_rows(client.get(f"/tracker/dashboards/{key}.csv"))
        assert any("fewer than 5" in cell for row in rows for cell in row), key
    rows = csv_rows(client.get("/tracker/dashboards/scorecards.csv"))
    assert rows[1][0] == "Consent first (Ministry of Education)" and rows[1][4] == "fewer than 5" and "3" not in rows[1][4:]
    rows = csv_rows(client.get("/tracker/dashboards/themes.csv"))
    assert "2" not in rows[1][1:3] and "6" not in rows[1][1:3]


def test_from_k_young_people_the_numbers_show(client, session, app):
    w, commitment, second = setup_board(session, app)
    survey_people = [rate(session, scorecard(session, w["consultation"], commitment), w["consultation"], 4) for _ in range(5)]
    assert len(survey_people) == 5
    login(client, w["facilitator"].email, PASSWORD)
    data = client.get(f"/tracker/dashboards/data.json?consultation={w['consultation'].id}").json()
    cards, _ = rows_of(data, "scorecards")
    cells = cards["Consent first (Ministry of Education)"]
    # 8 people: 3 rated 2 and 5 rated 4 on 1-5: (3*25 + 5*75) / 8 = 56.25 % of the scale.
    assert cells[3]["value"] == 8 and cells[4]["value"] == 56.2


def test_a_cell_formula_never_reaches_a_spreadsheet(client, session, app):
    w, commitment, second = setup_board(session, app)
    services.do_edit_commitment(session, actor_of(session, w["minister"]), commitment, services.CommitmentFields(title="=HYPERLINK(\"http://x\")"))
    login(client, w["policymaker"].email, PASSWORD)
    rows = csv_rows(client.get("/tracker/dashboards/scorecards.csv"))
    assert rows[1][0].startswith("'=HYPERLINK")


def test_a_policymaker_sees_only_their_organisations_consultations(client, session, app):
    w, commitment, second = setup_board(session, app)
    other_org = make_organisation(session, name="Another NGO")
    other = make_consultation(session, other_org, open=True)
    outsider = make_user(session, role="policymaker", organisation=other_org)
    login(client, outsider.email, PASSWORD)
    theirs = client.get("/tracker/dashboards/")
    assert theirs.status_code == 200 and "Consent first" not in theirs.text
    for path in (
        f"/tracker/dashboards/?consultation={w['consultation'].id}",
        f"/tracker/dashboards/data.json?consultation={w['consultation'].id}",
        f"/tracker/dashboards/themes.csv?consultation={w['consultation'].id}",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/tracker/dashboards/data.json?consultation={other.id}").status_code == 200
    # A stakeholder follows no dashboard at all.
    client.post("/logout")
    client.cookies.clear()
    login(client, w["minister"].email, PASSWORD)
    assert client.get("/tracker/dashboards/").status_code == 404


def test_bad_filters_are_told_not_crashed(client, session, app):
    w, commitment, second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    assert client.get("/tracker/dashboards/?since=yesterday").status_code == 400
    assert client.get("/tracker/dashboards/?since=2027-05-01&until=2027-01-01").status_code == 400
    assert client.get("/tracker/dashboards/?context=abc").status_code == 400
    assert client.get("/tracker/dashboards/data.json?context=999999").status_code == 400
    assert client.get("/tracker/dashboards/nothing.csv").status_code == 404
    # Filters narrow: the company has no commitment; Mombasa alone has nothing rated.
    data = client.get(f"/tracker/dashboards/data.json?stakeholder={w['company'].id}").json()
    assert rows_of(data, "scorecards")[0] == {}
    data = client.get(f"/tracker/dashboards/data.json?context={second.id}").json()
    themes, chart = rows_of(data, "themes")
    assert chart["columns"][0] == "Mombasa" and themes["School records"][0]["value"] is None
    page = client.get(f"/tracker/dashboards/?context={second.id}&since=2020-01-01")
    assert page.status_code == 200 and 'value="2020-01-01"' in page.text


def test_a_day_out_of_range_or_a_malformed_filter_is_a_400_with_what_to_fix(client, session, app):
    w, _commitment, _second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    out_of_range = "Give a date from 2000-01-01 to 2099-12-31."
    for query, field, message in (
        ("until=9999-12-31", "until", out_of_range),  # the day after it does not exist
        ("since=0001-01-01", "since", out_of_range),
        ("until=0001-01-01", "until", out_of_range),
        ("since=2027-02-30", "since", "Give the date as year-month-day, like 2027-06-30."),
        ("since=2027-01-01junk", "since", "Give the date as year-month-day, like 2027-06-30."),
        ("context=%C2%B2", "context", "Choose from the list."),  # "²" passes str.isdigit()
        ("stakeholder=%D9%A1%D9%A2", "stakeholder", "Choose from the list."),  # Arabic-Indic "١٢"
        ("consultation=1e3", "consultation", "Choose from the list."),
    ):
        page = client.get(f"/tracker/dashboards/?{query}")
        assert page.status_code == 400 and message in page.text, query
        data = client.get(f"/tracker/dashboards/data.json?{query}")
        assert data.status_code == 400 and data.headers["content-type"].startswith("application/json"), query
        assert data.json()["errors"] == {field: message}, query
        assert client.get(f"/tracker/dashboards/themes.csv?{query}").status_code == 400, query
    # In the reader's language.
    client.cookies.set("baraza_lang", "es")
    refused = client.get("/tracker/dashboards/data.json?since=2027-05-01&until=2027-01-01")
    assert refused.status_code == 400 and refused.json()["errors"]["until"] != "The end of the period comes before its start."


def test_refused_filters_come_back_as_they_were_sent(client, session, app):
    w, _commitment, second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    sent = f"consultation={w['consultation'].id}&context={second.id}&stakeholder={w['ministry'].id}&since=2027-05-01&until=2027-01-01"
    page = client.get(f"/tracker/dashboards/?{sent}")
    assert page.status_code == 400 and "The end of the period comes before its start." in page.text
    fields = form_values(page.text, "/tracker/dashboards/")
    assert fields == {
        "consultation": str(w["consultation"].id), "context": str(second.id), "stakeholder": str(w["ministry"].id),
        "since": "2027-05-01", "until": "2027-01-01",
    }
    assert 'id="f-until" name="until" value="2027-01-01"' in page.text and 'aria-invalid="true" aria-describedby="until-error' in page.text
    # A malformed date comes back too, beside the filters that were fine.
    page = client.get(f"/tracker/dashboards/?context={second.id}&until=9999-12-31")
    assert page.status_code == 400
    assert form_values(page.text, "/tracker/dashboards/")["context"] == str(second.id)
    assert form_values(page.text, "/tracker/dashboards/")["until"] == "9999-12-31"


def test_the_cache_follows_commitment_events(client, session, app):
    w, commitment, second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    first = client.get("/tracker/dashboards/data.json").json()
    assert rows_of(first, "statuses")[0]["Ministry of Education"][-1]["value"] == 1
    assert client.get("/tracker/dashboards/data.json").json() == first  # from the cache
    services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Train teachers"))
    # The change bumped the version: counted again (in the request under tests; in production
    # a thread counts while the previous figures are served, tested below).
    deadline = time.monotonic() + 20
    while True:
        data = client.get("/tracker/dashboards/data.json").json()
        if rows_of(data, "statuses")[0]["Ministry of Education"][-1]["value"] == 2:
            break
        assert time.monotonic() < deadline, "the dashboard was never counted again"
        time.sleep(0.1)
    assert data["counted_at"] >= first["counted_at"]


def test_without_a_recount_thread_a_change_is_counted_in_the_request(session):
    cache = DashboardCache(background=False)
    builds = iter(range(10))
    assert cache.get_or_build(("x",), 1, lambda: next(builds), lambda: -1) == 0
    assert cache.get_or_build(("x",), 1, lambda: next(builds), lambda: -1) == 0
    assert cache.get_or_build(("x",), 2, lambda: next(builds), lambda: -1) == 1
    # A newer count is never replaced by an older one.
    cache._store(("x",), 1, 0.0, "old")
    assert cache.get_or_build(("x",), 2, lambda: next(builds), lambda: -1) == 1


def test_endorsements_come_from_the_youth_review(client, session):
    """insights' endorsement_sources: endorse and reject counted per recommendation (not sure
    left out), through the core hook; the dashboard never imports insights."""
    from insights.models import Recommendation, RecommendationReview
    from tests.tracker.factories import address_recommendation

    w = world(session)
    consultation = w["consultation"]
    recommendation = Recommendation(consultation_id=consultation.id, status="final")
    session.add(recommendation)
    session.commit()
    address_recommendation(session, consultation, w["ministry"], title="Teach data rights", recommendation_id=recommendation.id)
    for stance in ["endorse"] * 6 + ["reject"] * 5 + ["unsure"] * 3:
        person = make_participant(session, consultation)[0]
        session.add(RecommendationReview(
            consultation_id=consultation.id, recommendation_id=recommendation.id, version_number=1, participant_id=person.id,
            context_id=person.context_id, stance=stance,
        ))
    withdrawn = make_participant(session, consultation, withdrawn=True)[0]
    session.add(RecommendationReview(consultation_id=consultation.id, recommendation_id=recommendation.id, version_number=1,
                                     participant_id=withdrawn.id, context_id=withdrawn.context_id, stance="endorse"))
    session.commit()
    login(client, w["policymaker"].email, PASSWORD)
    data = client.get("/tracker/dashboards/data.json").json()
    endorsed, chart = rows_of(data, "endorsements")
    assert chart["note"] == ""
    assert [c["value"] for c in endorsed["Teach data rights"]] == [6, 5, 11]


def test_after_a_change_the_previous_figures_are_served_while_one_thread_counts_again():
    cache = DashboardCache(background=True)
    assert cache.get_or_build(("x",), 1, lambda: "one", lambda: "never") == "one"
    started, release = threading.Event(), threading.Event()
    counted = []

    def apart():
        counted.append(1)
        started.set()
        release.wait(5)
        return "two"

    assert cache.get_or_build(("x",), 2, lambda: "in the request", apart) == "one"
    assert started.wait(5)
    assert cache.get_or_build(("x",), 2, lambda: "in the request", apart) == "one"
    release.set()
    deadline = time.monotonic() + 5
    while cache.get_or_build(("x",), 2, lambda: "in the request", apart) != "two":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert counted == [1]  # one thread, however many readers came meanwhile


def _ago(days):
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(days=days)


def _since(days):
    return _ago(days).date().isoformat()


def test_the_period_narrows_themes_endorsements_and_ratings(client, session, app):
    """What young people gave before the period is not counted in it; what carries no date is
    left out once a period is chosen, and the chart says so."""
    from surveys.models import SurveyResponse

    w = world(session)
    consultation = w["consultation"]
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent first"))
    survey = scorecard(session, consultation, commitment)
    recent = [rate(session, survey, consultation, 5) for _ in range(5)]
    old = [rate(session, survey, consultation, 1) for _ in range(6)]
    for response in session.exec(select(SurveyResponse).where(SurveyResponse.participant_id.in_([p.id for p in old]))).all():
        response.completed_at = _ago(400)
        session.add(response)
    session.commit()
    undated = make_participant(session, consultation)[0]
    recommendation = w["to_ministry"].recommendation_ref
    context_id = recent[0].context_id
    registry = app.state.baraza.registry

    def themes(s, consultation_id):
        return (
            [ThemeItem("test", consultation_id, "t1", "School records", p.id, context_id, _ago(1)) for p in recent]
            + [ThemeItem("test", consultation_id, "t1", "School records", p.id, context_id, _ago(400)) for p in old]
            + [ThemeItem("test", consultation_id, "t1", "School records", undated.id, context_id)]
        )

    def endorsements(s, consultation_id):
        return (
            [EndorsementItem("test", recommendation, consultation_id, p.id, context_id, True, _ago(2)) for p in recent]
            + [EndorsementItem("test", recommendation, consultation_id, p.id, context_id, False, _ago(400)) for p in old]
        )

    registry.theme_sources.append(themes)
    registry.endorsement_sources.append(endorsements)
    login(client, w["policymaker"].email, PASSWORD)
    everything = client.get("/tracker/dashboards/data.json").json()
    themes_all, chart = rows_of(everything, "themes")
    assert themes_all["School records"][-1]["value"] == 12 and chart["note"] == ""
    assert rows_of(everything, "endorsements")[0]["Ask before sharing school records"][-1]["value"] == 11
    assert rows_of(everything, "scorecards")[0]["Consent first (Ministry of Education)"][3]["value"] == 11

    data = client.get(f"/tracker/dashboards/data.json?since={_since(30)}").json()
    themes_now, chart = rows_of(data, "themes")
    assert themes_now["School records"][-1]["value"] == 5  # not the 6 from last year, nor the undated one
    assert "no date" in chart["note"]
    endorsed, _ = rows_of(data, "endorsements")
    assert [c["value"] for c in endorsed["Ask before sharing school records"]] == [5, 0, 5]
    cards, _ = rows_of(data, "scorecards")
    # Only the 5 recent ratings, all 5 on 1-5: 100 % of the scale.
    assert cards["Consent first (Ministry of Education)"][3]["value"] == 5 and cards["Consent first (Ministry of Education)"][4]["value"] == 100
    contexts, _ = rows_of(data, "contexts")
    assert contexts["All contexts"][1]["value"] == 5 and contexts["All contexts"][2]["value"] == 5
    # The CSV says the same, and the page says what the period means for each chart.
    rows = csv_rows(client.get(f"/tracker/dashboards/endorsements.csv?since={_since(30)}"))
    assert rows[1][1:] == ["5", "0", "5"]
    page = client.get(f"/tracker/dashboards/?since={_since(30)}")
    assert "themes: words written in it" in page.text and "scorecards: ratings given in it" in page.text

    # Last year alone: the 6 old ones, under their own k; the recent ones are not there.
    data = client.get(f"/tracker/dashboards/data.json?since={_since(500)}&until={_since(300)}").json()
    themes_then, _ = rows_of(data, "themes")
    assert themes_then["School records"][-1]["value"] == 6
    endorsed, _ = rows_of(data, "endorsements")
    assert [c["value"] for c in endorsed["Ask before sharing school records"]] == [0, 6, 6]


def test_a_small_group_in_the_period_stays_hidden(client, session, app):
    """The period can make a group small: it is then hidden, like any other."""
    w = world(session)
    consultation = w["consultation"]
    people = [make_participant(session, consultation)[0] for _ in range(7)]
    registry = app.state.baraza.registry

    def themes(s, consultation_id):
        return [ThemeItem("test", consultation_id, "t1", "Privacy", p.id, p.context_id, _ago(1 if i < 2 else 200)) for i, p in enumerate(people)]

    registry.theme_sources.append(themes)
    login(client, w["policymaker"].email, PASSWORD)
    assert rows_of(client.get("/tracker/dashboards/data.json").json(), "themes")[0]["Privacy"][-1]["value"] == 7
    cells = rows_of(client.get(f"/tracker/dashboards/data.json?since={_since(30)}").json(), "themes")[0]["Privacy"]
    assert all(c["value"] is None for c in cells) and cells[-1]["text"] == "fewer than 5"


def test_insights_dates_what_it_offers_the_dashboards(session):
    """insights' hooks carry when the words were written and when a stance was taken."""
    from insights.dashboard_hooks import endorsement_items, theme_items
    from insights.models import InsightRun, InsightText, Recommendation, RecommendationReview, ThemeVersion

    w = world(session)
    consultation = w["consultation"]
    person = make_participant(session, consultation)[0]
    run = InsightRun(consultation_id=consultation.id, status="done")
    session.add(run)
    session.flush()
    texts = [
        InsightText(run_id=run.id, consultation_id=consultation.id, source_ref=Ref("test.text", str(i)), text_hash=str(i),
                    participant_id=person.id, context_id=person.context_id, masked_text="words", written_at=written)
        for i, written in enumerate([_ago(400), _ago(1), _ago(1)])
    ]
    session.add_all(texts)
    session.flush()
    session.add(ThemeVersion(run_id=run.id, number=1, themes=[{"key": 0, "label": "Privacy", "names": {"es": "Privacidad"}}], assignments={str(t.id): 0 for t in texts}))
    recommendation = Recommendation(consultation_id=consultation.id, status="final")
    session.add(recommendation)
    session.flush()
    session.add(RecommendationReview(consultation_id=consultation.id, recommendation_id=recommendation.id, version_number=1,
                                     participant_id=person.id, context_id=person.context_id, stance="endorse", updated_at=_ago(40)))
    session.commit()
    items = theme_items(session, consultation.id)
    # One item per day the person's words in the theme were written (two texts yesterday: one).
    assert sorted(i.written_at.date() for i in items) == [_ago(400).date(), _ago(1).date()]
    # The analyst's name in each language they gave one, for readers of that language.
    assert all(i.label == "Privacy" and dict(i.labels) == {"es": "Privacidad"} for i in items)
    (stance,) = endorsement_items(session, consultation.id)
    assert stance.given_at.date() == _ago(40).date()


def test_adoption_over_time_shows_each_context(client, session, app):
    """A commitment counts in the contexts it covers (all of them when none is ticked); the
    context filter keeps only the commitments that apply there."""
    from baraza.consultations.models import ConsultationContext

    w = world(session)
    consultation = w["consultation"]
    first = session.exec(select(ConsultationContext).where(ConsultationContext.consultation_id == consultation.id)).first()
    second = make_context(session, w["org"], name="Mombasa")
    session.add(ConsultationContext(consultation_id=consultation.id, context_id=second.id))
    session.commit()
    minister = actor_of(session, w["minister"])
    engineer = actor_of(session, w["engineer"])
    local = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Mombasa pilot", context_ids=(second.id,)))
    national = services.do_add_commitment(session, engineer, w["to_company"], services.CommitmentFields(title="Everywhere"))
    elsewhere = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="First only", context_ids=(first.context_id,)))
    for commitment, actor in ((local, minister), (national, engineer), (elsewhere, minister)):
        services.do_update_commitment(session, actor, commitment, status="embedded", progress=None)
    assert local.context_ids == [second.id] and national.context_ids == []
    login(client, w["policymaker"].email, PASSWORD)
    adoption, chart = rows_of(client.get("/tracker/dashboards/data.json").json(), "adoption")
    now = list(adoption.values())[-1]
    column = {name: i for i, name in enumerate(chart["columns"])}
    assert now[column["Ministry of Education"]]["value"] == 2 and now[column["ConnectMobile"]]["value"] == 1
    assert now[column["Context: Mombasa"]]["value"] == 2  # the pilot and the national one
    other = next(name for name in column if name.startswith("Context: ") and name != "Context: Mombasa")
    assert now[column[other]]["value"] == 2  # "First only" and the national one
    # Mombasa alone: the ministry's pilot, the company's national commitment; not "First only".
    data = client.get(f"/tracker/dashboards/data.json?context={second.id}").json()
    adoption, chart = rows_of(data, "adoption")
    assert chart["columns"] == ["ConnectMobile", "Ministry of Education", "Context: Mombasa"]
    assert [c["value"] for c in list(adoption.values())[-1]] == [1, 1, 2]
    assert "First only (Ministry of Education)" not in rows_of(data, "scorecards")[0]
    rows = csv_rows(client.get(f"/tracker/dashboards/adoption.csv?context={second.id}&stakeholder={w['ministry'].id}"))
    assert rows[0][1:] == ["Ministry of Education", "Context: Mombasa"] and rows[-1][1:] == ["1", "1"]


def test_a_stakeholder_says_where_a_commitment_applies(client, session):
    from baraza.consultations.models import ConsultationContext

    w = world(session)
    second = make_context(session, w["org"], name="Mombasa")
    session.add(ConsultationContext(consultation_id=w["consultation"].id, context_id=second.id))
    other = make_context(session, w["org"], name="Not in this consultation")
    session.commit()
    login(client, w["minister"].email, PASSWORD)
    page = client.get(f"/tracker/recommendations/{w['to_ministry'].id}")
    assert "Where it applies" in page.text and 'name="contexts"' in page.text
    assert commit_to(client, w["to_ministry"], contexts=[str(other.id)]).status_code == 400
    assert commit_to(client, w["to_ministry"], contexts=["x"]).status_code == 400
    response = commit_to(client, w["to_ministry"], contexts=[str(second.id)])
    assert response.status_code in (302, 303)
    commitment = session.exec(select(Commitment).where(Commitment.addressed_id == w["to_ministry"].id)).one()
    session.refresh(commitment)
    assert commitment.context_ids == [second.id]
    assert "Where it applies: Mombasa" in client.get(f"/tracker/commitments/{commitment.id}").text



def test_a_commitment_with_parts_shows_its_rolled_up_progress(client, session):
    """The scorecards' claimed progress is what the commitment page shows: its parts' average."""
    w = world(session)
    minister = actor_of(session, w["minister"])
    parent = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent step"))
    for title, progress in (("Form", 80), ("Training", 20)):
        part = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title=title), parent=parent)
        services.do_update_commitment(session, minister, part, status="in_progress", progress=progress)
    login(client, w["policymaker"].email, PASSWORD)
    for query in ("", f"?until={_since(0)}"):
        cards, _ = rows_of(client.get(f"/tracker/dashboards/data.json{query}").json(), "scorecards")
        assert cards["Consent step (Ministry of Education)"][1]["value"] == 50, query


def test_a_theme_is_named_in_the_readers_language_where_it_has_words_in_it(client, session, app):
    w, _commitment, _second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    assert "School records" in rows_of(client.get("/tracker/dashboards/data.json").json(), "themes")[0]
    client.cookies.set("baraza_lang", "es")
    themes, _chart = rows_of(client.get("/tracker/dashboards/data.json").json(), "themes")
    assert list(themes) == ["Registros escolares"]
    client.cookies.set("baraza_lang", "fr")  # no words in French: the theme's own label
    assert list(rows_of(client.get("/tracker/dashboards/data.json").json(), "themes")[0]) == ["School records"]


def test_an_arabic_title_keeps_its_stakeholders_name_in_brackets_the_right_way(client, session):
    w = world(session)
    minister = actor_of(session, w["minister"])
    arabic = "موافقة قبل أي نقل لسجلات المدرسة"
    for title in (arabic, "Consent first"):
        services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title=title))
    login(client, w["policymaker"].email, PASSWORD)
    cards, _ = rows_of(client.get("/tracker/dashboards/data.json").json(), "scorecards")
    # The English name is isolated in an Arabic title (first strong isolate ... pop): its
    # brackets close around it, in the table, the chart and the CSV alike.
    assert set(cards) == {f"{arabic} \u2068(Ministry of Education)\u2069", "Consent first (Ministry of Education)"}
