"""The public transparency page: only when the organisation opts in and the consultation's page
is published in the decision log; signed out; cacheable; no personal data, nothing under k."""

from __future__ import annotations

import time

from sqlmodel import select

from baraza.governance.models import DataDecision
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD, actor_of
from tests.tracker.test_commitments import world
from tests.tracker.test_scorecards import rate, scorecard
from tracker import public, services


def publish(client, consultation, publish="yes", reason="The ministry asked for a public record of progress."):
    data = {"csrf_token": get_csrf(client, "/tracker/dashboards/"), "consultation": consultation.id, "publish": publish, "reason": reason}
    return client.post("/tracker/dashboards/public", data=data)


def committed(session, w):
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(
        session, minister, w["to_ministry"], services.CommitmentFields(title="Consent before any transfer", lands_in="School data regulation 2027")
    )
    services.do_update_commitment(session, minister, commitment, status="in_progress", progress=40, note="Call Mr Otieno on 0722 123 456")
    services.do_add_evidence(session, minister, None, commitment, description="Draft regulation", url="https://example.gov/draft")  # type: ignore[arg-type]
    return commitment


def test_no_page_until_the_organisation_opts_in_and_publishes(client, session):
    w = world(session)
    consultation = w["consultation"]
    committed(session, w)
    assert client.get(f"/tracker/public/{consultation.id}").status_code == 404
    login(client, w["facilitator"].email, PASSWORD)
    # The organisation has not opted in: publishing is refused, told plainly.
    refused = publish(client, consultation)
    assert refused.status_code == 400 and "has not opted in" in refused.text
    w["org"].public_transparency = True
    session.add(w["org"])
    session.commit()
    assert client.get(f"/tracker/public/{consultation.id}").status_code == 404  # opted in, not published
    assert publish(client, consultation, reason="short").status_code == 400  # a reason is required
    assert publish(client, consultation).status_code == 303
    decision = session.exec(select(DataDecision).where(DataDecision.consultation_id == consultation.id)).one()
    assert decision.kind == "share" and decision.summary_message["id"] == public.PUBLISHED
    assert decision.reason.startswith("The ministry asked") and decision.decided_by_user_id == w["facilitator"].id
    session.commit()  # end the test's read, so its next write is not refused on SQLite
    client.post("/logout", data={"csrf_token": get_csrf(client, "/tracker/dashboards/")})
    client.cookies.clear()
    page = client.get(f"/tracker/public/{consultation.id}")
    assert page.status_code == 200
    # Withdrawn in the decision log: gone again.
    login(client, w["facilitator"].email, PASSWORD)
    assert publish(client, consultation, publish="no").status_code == 303
    client.cookies.clear()
    assert client.get(f"/tracker/public/{consultation.id}").status_code == 404
    # An organisation that turns public pages off takes every page down at once.
    login(client, w["facilitator"].email, PASSWORD)
    assert publish(client, consultation).status_code == 303
    client.cookies.clear()
    assert client.get(f"/tracker/public/{consultation.id}").status_code == 200
    w["org"].public_transparency = False
    session.add(w["org"])
    session.commit()
    assert client.get(f"/tracker/public/{consultation.id}").status_code == 404


def test_the_page_is_public_cacheable_and_holds_no_personal_data(client, session):
    w = world(session)
    consultation = w["consultation"]
    w["org"].public_transparency = True
    session.add(w["org"])
    session.commit()
    commitment = committed(session, w)
    survey = scorecard(session, consultation, commitment)
    people = [rate(session, survey, consultation, 1, "Nothing changed, ask Amina") for _ in range(3)]
    public.do_set_public_page(session, actor_of(session, w["facilitator"]), consultation.id, published=True, reason="Agreed with the ministry in June.")
    page = client.get(f"/tracker/public/{consultation.id}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == f"public, max-age={public.MAX_AGE}"
    assert "set-cookie" not in page.headers and page.headers["etag"]
    text = page.text
    assert "Ask before sharing school records" in text and "Consent before any transfer" in text and "40%" in text
    assert "Ministry of Education" in text and "https://example.gov/draft" in text
    assert "Fewer than 5 young people have rated it so far." in text
    # No participant, no staff member, no timeline note, no young person's words, no form.
    for person in people:
        assert person.pseudonym not in text
    for user in (w["minister"], w["facilitator"], w["policymaker"]):
        assert user.email not in text and user.display_name not in text
    assert "Otieno" not in text and "0722" not in text and "Amina" not in text
    assert "csrf_token" not in text and "<form" not in text
    # The ETag answers a revalidation with 304; a change makes a new one.
    again = client.get(f"/tracker/public/{consultation.id}", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and not again.content
    for _ in range(2):
        people.append(rate(session, survey, consultation, 5))
    services.do_update_commitment(session, actor_of(session, w["minister"]), commitment, status="embedded", progress=None)
    # A change makes a new ETag (in production the previous figures, with their ETag, may be
    # served for the moments a thread takes to count again: hence the bounded wait).
    deadline = time.monotonic() + 20
    while (fresh := client.get(f"/tracker/public/{consultation.id}", headers={"If-None-Match": page.headers["etag"]})).status_code == 304:
        assert time.monotonic() < deadline, "the public page was never counted again"
        time.sleep(0.1)
    assert fresh.status_code == 200 and fresh.headers["etag"] != page.headers["etag"]
    # 5 young people now: 3 at 1 and 2 at 5 on 1-5 is 40% of the best rating.
    assert "5 young people rated it: on average 40% of the best rating." in fresh.text
    assert "Embedded in policy or system" in fresh.text and "100%" in fresh.text
    # Another language of the consultation, by link (the page holds no form).
    assert client.get(f"/tracker/public/{consultation.id}?lang=xx").status_code == 200


def test_a_draft_consultation_has_no_public_page(client, session):
    w = world(session)
    w["org"].public_transparency = True
    session.add(w["org"])
    session.commit()
    public.do_set_public_page(session, actor_of(session, w["facilitator"]), w["consultation"].id, published=True, reason="Agreed with the ministry in June.")
    w["consultation"].status = "draft"
    session.add(w["consultation"])
    session.commit()
    assert client.get(f"/tracker/public/{w['consultation'].id}").status_code == 404
    assert client.get("/tracker/public/999999").status_code == 404


def test_the_page_links_only_to_web_pages_whatever_a_row_holds(client, session):
    """Rows written before the use case checked links (or by hand) cannot put a script or a
    file link on a page anyone reads: the core's `web_link` decides, as on a scorecard."""
    from tracker.models import Evidence

    w = world(session)
    consultation = w["consultation"]
    w["org"].public_transparency = True
    session.add(w["org"])
    commitment = committed(session, w)
    for url in ("javascript:alert(1)", "https://", " https://example.gov/space", "file:///etc/passwd"):
        session.add(Evidence(commitment_id=commitment.id, description="Odd link", url=url))  # type: ignore[arg-type]
    session.commit()
    public.do_set_public_page(session, actor_of(session, w["facilitator"]), consultation.id, published=True, reason="Agreed with the ministry in June.")
    text = client.get(f"/tracker/public/{consultation.id}").text
    assert "https://example.gov/draft" in text
    assert "javascript:" not in text and "file://" not in text and "Odd link" not in text
