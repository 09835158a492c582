"""The youth review ("What we heard"): a young person sees only their own remarks with their
themes and the recommendations shared for review, confirms, contests, revises, adds to and
withdraws remarks, endorses or rejects recommendations; analysts see the contested codings in
their queue; staff see endorsements under the small-numbers rule; withdrawal and "my data"
reach every review."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from baraza.participation.api import PARTICIPANT_COOKIE, participant_actor
from baraza.participation.keys import token_hash
from baraza.participation.models import Participant, ParticipantDevice
from baraza.participation.services.consent import do_withdraw_participant
from baraza.refs import Ref
from baraza.registry import ParticipantItem
from baraza.safeguarding.models import SafeguardingCase
from insights import review
from insights.models import InsightText, Recommendation, RecommendationReview, RemarkFeedback, ReviewVisit, ThemeVersion
from tests.conftest import post_form
from tests.core.helpers import audit_actions, one, page_text, read
from tests.factories import make_user
from tests.insights.conftest import SOURCE, TEXTS, World, client_for, participant_row
from tests.insights.test_runs import publish, published_run, theme_of


def phone(app: Any, session: Session, participant: Participant) -> TestClient:
    """A phone holding the participant's cookie."""
    token = secrets.token_urlsafe(32)
    session.add(ParticipantDevice(token_hash=token_hash(token), participant_id=participant.id))  # type: ignore[arg-type]
    session.commit()
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    client.cookies.set(PARTICIPANT_COOKIE, token)
    return client


def install_bank_data(app: Any, world: World) -> None:
    """The stand-in source lists its texts for "my data", as the apps do, so the core can delete one."""

    def data(session: Session, consultation: Any, participant: Any, lang: str) -> list[ParticipantItem]:
        return [
            ParticipantItem(SOURCE, key, "free_text", "A remark", words, review.utcnow())
            for key, (pid, _c, _l, words) in world.bank.texts.items()
            if pid == participant.id
        ]

    app.state.baraza.registry.participant_data.append(data)


def shared_recommendation(client: Any, world: World, run_id: int, session: Session, title: str = "Ask before sharing anything") -> int:
    url = f"/insights/consultations/{world.consultation.id}/recommendations"
    theme = theme_of(session, run_id, TEXTS["ask"][0])
    response = post_form(client, url, [("title.en", title), ("body.en", "Always ask first."), ("theme", f"{run_id}:{theme}")], token_from=url)
    assert response.status_code == 303, response.text[:300]
    rid = int(response.headers["location"].rsplit("/", 1)[1])
    detail = f"/insights/recommendations/{rid}"
    assert post_form(client, f"{detail}/status", {"status": "review"}, token_from=detail).status_code == 303
    return rid


def heard_url(world: World) -> str:
    return f"/insights/heard/{world.consultation.id}"


def send(client: TestClient, world: World, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return post_form(client, f"{heard_url(world)}{path}", data, token_from=heard_url(world), **kwargs)


def test_a_young_person_sees_only_their_own_remarks_with_their_themes_and_the_shared_recommendations(app, session, world, analyst_client, run_jobs):
    run_id = published_run(analyst_client, world, run_jobs, session)
    me = world.people["ask"][0]
    with phone(app, session, me) as mine:
        page = mine.get(heard_url(world))
        assert page.status_code == 200
        body = page_text(page.text)
        assert TEXTS["ask"][0] in body, "their own remark"
        assert TEXTS["ask"][1] not in body and TEXTS["police"][0] not in body, "nobody else's remarks"
        version = read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id).order_by(col(ThemeVersion.number).desc()))[0]
        theme = next(t for t in version.themes if t["key"] == theme_of(session, run_id, TEXTS["ask"][0]))
        assert review.theme_label(theme) in body
        assert "No recommendation waits for your review right now." in body
        assert "This is your first look at what we heard." in body
        assert page.headers["cache-control"] == "no-store"

        draft_url = f"/insights/consultations/{world.consultation.id}/recommendations"
        post_form(analyst_client, draft_url, [("title.en", "A draft nobody sees")], token_from=draft_url)
        shared_recommendation(analyst_client, world, run_id, session)
        body = page_text(mine.get(heard_url(world)).text)
        assert "Ask before sharing anything" in body and "A draft nobody sees" not in body
        # The consultation home offers it.
        home = page_text(mine.get(f"/p/{world.consultation.id}/").text)
        assert "What we heard" in home, home[:500]
        # The phone's list of consultations leads to the one it took part in.
        listed = mine.get("/insights/heard/")
        assert listed.status_code == 303 and listed.headers["location"] == heard_url(world)
    # Someone who never took part is sent to join, and the list says how to join.
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as stranger:
        assert stranger.get(heard_url(world)).status_code in (303, 302)
        assert "This phone has not taken part in a consultation." in page_text(stranger.get("/insights/heard/").text)


def test_contesting_revising_confirming_and_adding_are_stored_encrypted_screened_and_queued_for_analysts(app, session, world, analyst_client, run_jobs, emitted_events):
    run_id = published_run(analyst_client, world, run_jobs, session)
    me = world.people["ask"][0]
    ref = one(session, select(InsightText).where(InsightText.run_id == run_id, InsightText.participant_id == me.id)).source_ref
    with phone(app, session, me) as mine:
        missing = send(mine, world, "/remark", {"remark": str(ref), "kind": "contest", "text": "  "})
        assert missing.status_code == 400 and "Tell us why this theme does not fit." in page_text(missing.text)
        assert send(mine, world, "/remark", {"remark": str(ref), "kind": "shout", "text": "x"}).status_code == 400
        assert send(mine, world, "/remark", {"remark": "bank.text:9999", "kind": "confirm"}).status_code == 404, "only their own remarks"
        other = one(session, select(InsightText).where(InsightText.run_id == run_id, InsightText.participant_id == world.people["police"][0].id))
        assert send(mine, world, "/remark", {"remark": str(other.source_ref), "kind": "confirm"}).status_code == 404

        reason = "It is about the police really, call me on +254 712 345 678"
        assert send(mine, world, "/remark", {"remark": str(ref), "kind": "contest", "text": reason}).status_code == 303
        assert send(mine, world, "/remark", {"remark": str(ref), "kind": "contest", "text": reason}).status_code == 303, "again: replaced"
        assert send(mine, world, "/remark", {"remark": str(ref), "kind": "revise", "text": "Police should ask before they look"}).status_code == 303
        assert send(mine, world, "/remark", {"remark": str(ref), "kind": "add", "text": "And schools should delete records"}).status_code == 303
        rows = read(session, select(RemarkFeedback).order_by(col(RemarkFeedback.id)))
        assert sorted(r.kind for r in rows) == ["add", "contest", "revise"]
        contest = next(r for r in rows if r.kind == "contest")
        assert contest.status == "open" and contest.text == reason and contest.held, "personal data: held for a person"
        raw = session.exec(text("SELECT text FROM insight_remark_feedback WHERE id = :i").bindparams(i=contest.id)).one()[0]  # type: ignore[call-overload]
        # Encrypted at rest: a Fernet token, not the words. (A short word such as "712" can
        # turn up in a token's base64 by chance, so the whole text is what must not appear.)
        assert raw.startswith("gAAAAA") and reason not in raw, "encrypted at rest"
        assert "insights.remark_reviewed" in audit_actions(session)
        assert [e.data["kind"] for e in emitted_events if e.name == "remark.reviewed"] == ["contest", "contest", "revise", "add"]
        # The addition is free text for the next run; contest reasons and revisions are not.
        items = list(review.review_texts(session, world.consultation.id))  # type: ignore[arg-type]
        assert [(i.source, i.text) for i in items] == [(review.FEEDBACK_SOURCE, "And schools should delete records")]
        page = page_text(mine.get(heard_url(world)).text)
        assert "You said this theme does not fit." in page and "Waiting for an analyst" in page

        # The analysts' queue: the contest (masked) and the revision.
        queue = analyst_client.get(f"/insights/consultations/{world.consultation.id}/youth-review")
        assert queue.status_code == 200
        body = page_text(queue.text)
        assert "It is about the police really, call me on [phone]" in body and "712 345" not in body
        assert "Police should ask before they look" in body
        assert "insights.review_queue_read" in audit_actions(session)
        police = theme_of(session, run_id, TEXTS["police"][0])
        resolve = f"/insights/consultations/{world.consultation.id}/youth-review/{contest.id}"
        queue_url = f"/insights/consultations/{world.consultation.id}/youth-review"
        latest = read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id).order_by(col(ThemeVersion.number).desc()))[0]
        moved = post_form(analyst_client, resolve, {"action": "move", "to": police, "based_on": latest.number}, token_from=queue_url)
        assert moved.status_code == 303
        assert theme_of(session, run_id, TEXTS["ask"][0]) == police, "the analyst moved the remark: a new version"
        newest = read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id).order_by(col(ThemeVersion.number).desc()))[0]
        assert newest.number == latest.number + 1 and newest.detail["youth_review"] == contest.id
        assert one(session, select(RemarkFeedback).where(RemarkFeedback.id == contest.id)).status == "moved"
        # A facilitator reads the queue but may not act on it; an outsider does not see it.
        with client_for(app, world.facilitator) as facilitator:
            assert post_form(facilitator, resolve, {"action": "keep"}, token_from=queue_url).status_code == 404
        with client_for(app, world.outsider) as outsider:
            assert outsider.get(queue_url).status_code == 404

        # The next visit (after an hour away) says what changed.
        session.exec(text("UPDATE insight_review_visit SET last_seen_at = :t").bindparams(t=review.utcnow() - timedelta(hours=2)))  # type: ignore[call-overload]
        session.commit()
        page = page_text(mine.get(heard_url(world)).text)
        assert "An analyst looked at what you said about the theme of one of your remarks." in page
        # The move is a draft like any curation step: the remark's new theme shows once published.
        assert "One of your remarks is now in the theme" not in page
        assert publish(analyst_client, run_id, newest.number).status_code == 303
        page = page_text(mine.get(heard_url(world)).text)
        assert "One of your remarks is now in the theme" in page

        # Confirming takes the contest back.
        assert send(mine, world, "/remark", {"remark": str(ref), "kind": "confirm"}).status_code == 303
        kinds = sorted(r.kind for r in read(session, select(RemarkFeedback)))
        assert kinds == ["add", "confirm", "revise"]


def test_a_disclosure_in_a_contest_reason_goes_to_safeguarding_and_never_to_the_queue(app, session, world, analyst_client, run_jobs):
    run_id = published_run(analyst_client, world, run_jobs, session)
    me = world.people["delete"][0]
    ref = one(session, select(InsightText).where(InsightText.run_id == run_id, InsightText.participant_id == me.id)).source_ref
    with phone(app, session, me) as mine:
        assert send(mine, world, "/remark", {"remark": str(ref), "kind": "contest", "text": "My uncle hits me and I want to kill myself"}).status_code == 303
    row = one(session, select(RemarkFeedback))
    case = one(session, select(SafeguardingCase))
    assert case.source == Ref(review.FEEDBACK_SOURCE, row.id) and case.app == "insights"
    body = page_text(analyst_client.get(f"/insights/consultations/{world.consultation.id}/youth-review").text)
    assert "Held by safeguarding." in body and "uncle" not in body
    # The safeguarding reviewer reads the words through the record kind.
    assert app.state.baraza.registry.text_of(session, world.consultation.id, case.source) == "My uncle hits me and I want to kill myself"


def test_endorsements_count_once_per_person_and_staff_see_them_under_the_small_numbers_rule(app, session, world, analyst_client, run_jobs, emitted_events):
    run_id = published_run(analyst_client, world, run_jobs, session)
    rid = shared_recommendation(analyst_client, world, run_id, session)
    people = world.people["ask"] + world.people["delete"]
    with phone(app, session, people[0]) as first:
        assert send(first, world, f"/recommendations/{rid}", {"stance": "maybe"}).status_code == 400
        ok = send(first, world, f"/recommendations/{rid}", {"stance": "endorse", "comment": "Yes! Ask us first."})
        assert ok.status_code == 303
        assert send(first, world, f"/recommendations/{rid}", {"stance": "endorse", "comment": "Yes! Ask us first."}).status_code == 303
        # With htmx, the answer is the page's block, not a redirect.
        fragment = send(first, world, f"/recommendations/{rid}", {"stance": "endorse", "comment": "Yes! Ask us first."}, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and 'id="heard"' in fragment.text and "<html" not in fragment.text
        assert "Your answer: I agree" in page_text(first.get(heard_url(world)).text)
    assert len(read(session, select(RecommendationReview))) == 1, "one review per person"
    consultation = world.consultation
    for participant in people[1:8]:
        review.do_review_recommendation(session, participant_actor(participant), consultation, participant_row(session, participant.id), rid, "endorse")
    for participant in people[8:13]:
        review.do_review_recommendation(session, participant_actor(participant), consultation, participant_row(session, participant.id), rid, "reject", "No, never")
    assert [e.data["stance"] for e in emitted_events if e.name == "recommendation.reviewed"][:1] == ["endorse"]
    assert "insights.recommendation_reviewed" in audit_actions(session)
    raw = session.exec(text("SELECT comment FROM insight_recommendation_review WHERE comment IS NOT NULL")).all()  # type: ignore[call-overload]
    assert raw and all(r[0].startswith("gAAAAA") and r[0] not in ("Yes! Ask us first.", "No, never") for r in raw), "comments encrypted at rest"
    comments = [i.text for i in review.review_texts(session, consultation.id) if i.source == review.REVIEW_SOURCE]  # type: ignore[arg-type]
    assert sorted(comments) == ["No, never"] * 5 + ["Yes! Ask us first."]

    page = page_text(analyst_client.get(f"/insights/recommendations/{rid}").text)
    assert "Youth review" in page and "still open" in page
    # 8 endorsed, 4 aged 16-17 and 4 aged 18-20: beside "fewer than 5" twice by age band, the 8
    # would say both are 4, so it goes too (and the 5 rejected with it, against the 13).
    assert "People who reviewed it: 13" in page and "Endorsed: hidden to protect a small group" in page and "Rejected: hidden" in page
    assert "Mombasa fewer than 5 fewer than 5 0" in page and "16-17 fewer than 5 fewer than 5 0 6" in page, "per context, small cells hidden"
    figures = review.review_figures(session, app.state.baraza.registry, consultation, one(session, select(Recommendation)), {c.id for c in world.contexts})
    for _label, cells in figures.rows("context"):
        for cell in cells.values():
            assert cell.suppressed or cell.count == 0 or cell.count >= figures.k, "no small number shown"
    # Withdrawn people no longer count; a draft or another consultation's recommendation is not reviewable.
    do_withdraw_participant(session, participant_actor(participant_row(session, people[1].id)), consultation, participant_row(session, people[1].id))
    page = page_text(analyst_client.get(f"/insights/recommendations/{rid}").text)
    assert "Endorsed: 7" in page
    assert review.endorsers_of(session, Ref("insights.recommendation", rid)) == sorted(p.id for p in people[:8] if p.id != people[1].id)

    # Final: the event names the recommendation; the updates feed asks who endorsed it.
    detail = f"/insights/recommendations/{rid}"
    assert post_form(analyst_client, f"{detail}/status", {"status": "final"}, token_from=detail).status_code == 303
    final = [e for e in emitted_events if e.name == "recommendation.finalised"]
    assert final and final[-1].refs == (Ref("insights.recommendation", rid),)
    assert len(review.endorsers_of(session, final[-1].refs[0])) == 7
    page = page_text(analyst_client.get(detail).text)
    assert "then made final" in page
    guidance = page_text(analyst_client.get(f"/insights/consultations/{consultation.id}/guidance").text)
    assert "Youth review" in guidance and "then made final" in guidance
    with phone(app, session, people[0]) as first:
        assert send(first, world, f"/recommendations/{rid}", {"stance": "reject"}).status_code == 404, "final: no longer reviewable"


def test_withdrawing_a_remark_deletes_it_everywhere_at_once(app, session, world, analyst_client, run_jobs):
    install_bank_data(app, world)
    run_id = published_run(analyst_client, world, run_jobs, session)
    me = world.people["police"][0]
    ref = one(session, select(InsightText).where(InsightText.run_id == run_id, InsightText.participant_id == me.id)).source_ref
    with phone(app, session, me) as mine:
        assert send(mine, world, "/remark", {"remark": str(ref), "kind": "revise", "text": "Police should ask"}).status_code == 303
        refused = send(mine, world, "/withdraw", {"remark": str(ref)})
        assert refused.status_code == 400 and "Tick the box" in page_text(refused.text)
        assert send(mine, world, "/withdraw", {"remark": str(ref), "confirm": "1"}).status_code == 303
        assert ref.id not in world.bank.texts, "deleted in its own app"
        assert read(session, select(InsightText).where(InsightText.source_ref == ref)) == []
        assert read(session, select(RemarkFeedback)) == [], "and what they said about it"
        assert TEXTS["police"][0] not in page_text(mine.get(heard_url(world)).text)
        assert "participant.delete_item" in audit_actions(session)


def test_my_data_lists_the_reviews_and_withdrawal_erases_them(app, session, world, analyst_client, run_jobs):
    run_id = published_run(analyst_client, world, run_jobs, session)
    rid = shared_recommendation(analyst_client, world, run_id, session)
    me = participant_row(session, world.people["ask"][2].id)
    ref = one(session, select(InsightText).where(InsightText.run_id == run_id, InsightText.participant_id == me.id)).source_ref
    review.do_review_remark(session, participant_actor(me), world.consultation, me, str(ref), "add", "Teachers too")
    review.do_review_recommendation(session, participant_actor(me), world.consultation, participant_row(session, me.id), rid, "unsure", "Depends who asks")
    with phone(app, session, me) as mine:
        mine.get(heard_url(world))
        body = page_text(mine.get(f"/p/{world.consultation.id}/my-data").text)
        assert "Teachers too" in body and "Not sure: Depends who asks" in body and "What we heard" in body
        # Corrected in "my data": the core keeps the history; the new words are screened again.
        item = one(session, select(RemarkFeedback))
        corrected = post_form(mine, f"/p/{world.consultation.id}/my-data/correct", {"source": review.FEEDBACK_SOURCE, "item_id": item.id, "value": "Teachers and nurses too"},
                              token_from=f"/p/{world.consultation.id}/my-data")
        assert corrected.status_code == 303, corrected.text[:300]
        assert one(session, select(RemarkFeedback)).text == "Teachers and nurses too"
    assert one(session, select(ReviewVisit)).participant_id == me.id
    do_withdraw_participant(session, participant_actor(me), world.consultation, participant_row(session, me.id))
    assert list(review.review_texts(session, world.consultation.id)) == [], "withdrawn: out of the next run at once"  # type: ignore[arg-type]
    registry = app.state.baraza.registry
    assert review.erase_participant(session, world.consultation, participant_row(session, me.id), None) == 2
    session.commit()
    assert read(session, select(RemarkFeedback)) == [] and read(session, select(RecommendationReview)) == [] and read(session, select(ReviewVisit)) == []
    assert registry is not None


def test_an_analyst_of_another_context_never_reads_its_young_peoples_reasons(app, session, world, analyst_client, run_jobs):
    run_id = published_run(analyst_client, world, run_jobs, session)
    nairobi = next(p for p in world.people["ask"] if p.context_id == world.contexts[0].id)
    ref = one(session, select(InsightText).where(InsightText.run_id == run_id, InsightText.participant_id == nairobi.id)).source_ref
    review.do_review_remark(session, participant_actor(nairobi), world.consultation, participant_row(session, nairobi.id), str(ref), "contest", "Wrong theme for sure")
    feedback = one(session, select(RemarkFeedback))
    with client_for(app, world.context_analyst) as mombasa:
        url = f"/insights/consultations/{world.consultation.id}/youth-review"
        assert "Wrong theme for sure" not in page_text(mombasa.get(url).text)
        assert post_form(mombasa, f"{url}/{feedback.id}", {"action": "keep"}, token_from=url).status_code == 404
    assert "Wrong theme for sure" in page_text(analyst_client.get(f"/insights/consultations/{world.consultation.id}/youth-review").text)
    stranger = make_user(session, role="analyst")
    with client_for(app, stranger) as other:
        assert other.get(f"/insights/consultations/{world.consultation.id}/youth-review").status_code == 404


def test_endorsements_are_broken_down_by_opinion_group_and_retention_purges_the_reviews(app, session, world, analyst_client, run_jobs):
    from baraza.registry import VoteItem

    run_id = published_run(analyst_client, world, run_jobs, session)
    rid = shared_recommendation(analyst_client, world, run_id, session)
    people = [p for theme in ("ask", "delete", "police") for p in world.people[theme]]
    camp = {p.id: (1 if i % 2 else -1) for i, p in enumerate(people)}

    def votes(session: Session, consultation_id: int) -> list[VoteItem]:
        return [
            VoteItem("tests.vote", f"s{n}", f"Statement {n}", consultation_id, pid, participant_row(session, pid).context_id, side if n < 4 else -side)
            for pid, side in camp.items()
            for n in range(8)
        ]

    app.state.baraza.registry.vote_sources.append(votes)
    for participant in people[:12]:
        stance = "endorse" if camp[participant.id] == 1 else "reject"
        review.do_review_recommendation(session, participant_actor(participant), world.consultation, participant_row(session, participant.id), rid, stance)
    page = page_text(analyst_client.get(f"/insights/recommendations/{rid}").text)
    assert "By opinion group" in page and "Group 1" in page and "Group 2" in page
    # One group endorsed, the other rejected: six each, shown (k = 5).
    rows = {f"Group {n} {row}" for n in (1, 2) for row in ("6 0 0 6", "0 6 0 6")}
    assert sum(1 for row in rows if row in page) == 2, page[page.find("By opinion group"):][:300]

    cutoff = review.utcnow() + timedelta(seconds=1)
    assert review.purge_expired(session, world.consultation, "answers", cutoff) == 12
    session.commit()
    assert read(session, select(RecommendationReview)) == []


def test_parallel_endorsements_of_one_person_leave_one_review(app, session, world, analyst_client, run_jobs):
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import csrf_from

    run_id = published_run(analyst_client, world, run_jobs, session)
    rid = shared_recommendation(analyst_client, world, run_id, session)
    me = world.people["ask"][0]
    with phone(app, session, me) as mine:
        token = csrf_from(mine.get(heard_url(world)).text)
        url = f"{heard_url(world)}/recommendations/{rid}"
        session.commit()  # the test's session stays out of the way of the racing requests

        def endorse(n: int) -> int:
            # send(), not request(): the test session's per-request hook is not thread-safe.
            built = mine.build_request("POST", url, data={"stance": "endorse" if n % 2 else "unsure", "csrf_token": token})
            response = mine.send(built)
            return int(response.status_code)

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(endorse, range(16)))
    assert set(statuses) <= {303, 409} and 303 in statuses, statuses
    assert len(read(session, select(RecommendationReview))) == 1, "never counted twice"


def test_a_refused_answer_points_at_its_card_and_a_sent_one_lands_there(app, session, world, analyst_client, run_jobs):
    run_id = published_run(analyst_client, world, run_jobs, session)
    me = world.people["ask"][0]
    ref = one(session, select(InsightText).where(InsightText.run_id == run_id, InsightText.participant_id == me.id)).source_ref
    with phone(app, session, me) as mine:
        for headers in ({}, {"HX-Request": "true"}):
            missing = send(mine, world, "/remark", {"remark": str(ref), "kind": "contest", "text": " "}, headers=headers)
            assert missing.status_code == 400
            link = re.search(r'<p class="error" role="alert"><a href="#([^"]+)">Please check your answer below.</a>', missing.text)
            assert link and link.group(1) == "remark-1", missing.text[:2000]
            assert 'id="remark-1"' in missing.text and 'id="remark-1-contest-err"' in missing.text
        # A remark's reason too long: said at its field, and what was typed comes back.
        long = "Not about asking. " * 150
        refused = send(mine, world, "/remark", {"remark": str(ref), "kind": "revise", "text": long})
        assert refused.status_code == 400
        assert re.search(r'<p class="error" id="remark-1-revise-err"[^>]*>Keep this under 2000 characters.</p>', refused.text)
        assert f'aria-describedby="remark-1-revise-err">{long}</textarea>' in refused.text
        # Sent without JavaScript: back on the page, at the card answered (not at the top).
        sent = send(mine, world, "/remark", {"remark": str(ref), "kind": "confirm"})
        assert sent.status_code == 303 and sent.headers["location"] == f"{heard_url(world)}#remark-1"
        # With JavaScript, the block comes back with the thanks in the card answered.
        swapped = send(mine, world, "/remark", {"remark": str(ref), "kind": "confirm"}, headers={"HX-Request": "true"})
        card = re.search(r'<article class="card remark" id="remark-1".*?</article>', swapped.text, re.S)
        assert card and "Thank you. We saved what you told us." in card.group(0)


def test_a_comment_too_long_is_said_at_the_field_and_the_answer_and_words_come_back(app, session, world, analyst_client, run_jobs):
    run_id = published_run(analyst_client, world, run_jobs, session)
    rid = shared_recommendation(analyst_client, world, run_id, session)
    with phone(app, session, world.people["ask"][0]) as mine:
        for length in (2500, 3500):  # over the limit, and over what the form field reads at all
            comment = ("Yes, but ask us first and say it in our words. " * 80)[:length].strip()
            for headers in ({}, {"HX-Request": "true"}):
                refused = send(mine, world, f"/recommendations/{rid}", {"stance": "endorse", "comment": comment}, headers=headers)
                assert refused.status_code == 400
                card = re.search(rf'<article class="card recommendation" id="rec-{rid}".*?</article>', refused.text, re.S)
                assert card, refused.text[:2000]
                html = card.group(0)
                assert re.search(rf'<p class="error" id="rec-{rid}-comment-err">Keep this under 2000 characters.</p>', html), html
                assert f'aria-invalid="true" aria-describedby="rec-{rid}-comment-err">{comment}</textarea>' in html
                assert re.search(r'name="stance" value="endorse" checked', html), "the answer chosen is still chosen"
                assert f'href="#rec-{rid}"' in refused.text
        assert read(session, select(RecommendationReview)) == [], "nothing stored"
        # No answer chosen: said at the choice, and the comment kept.
        unsure = send(mine, world, f"/recommendations/{rid}", {"comment": "Not sure yet"})
        assert unsure.status_code == 400
        assert re.search(rf'<p class="error" id="rec-{rid}-err"[^>]*>Choose one of the answers.</p>', unsure.text)
        assert ">Not sure yet</textarea>" in unsure.text


def test_what_we_heard_answers_in_place_within_the_first_load_budget(app, session, world, analyst_client, run_jobs):
    """Every form is marked to be sent in place by the page's own small script (htmx's 52 KB
    would break the 50 KB first load a participant page keeps to), and the script is served."""
    run_id = published_run(analyst_client, world, run_jobs, session)
    shared_recommendation(analyst_client, world, run_id, session)
    with phone(app, session, world.people["ask"][0]) as mine:
        page = mine.get(heard_url(world))
        assets = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text))
        scripts = re.findall(r'<script src="([^"]+)"', page.text)
        assert any(s.split("?")[0].endswith("/heard.js") for s in scripts), scripts
        assert "htmx.min.js" not in page.text and "hx-post" not in page.text
        fetched = {a: mine.get(a) for a in assets}
        assert all(r.status_code == 200 for r in fetched.values())
        assert "HX-Request" in next(r.text for a, r in fetched.items() if a.split("?")[0].endswith("/heard.js"))
        assert len(page.content) + sum(len(r.content) for r in fetched.values()) < 50 * 1024
        forms = re.findall(r"<form [^>]*>", page.text)
        in_place = [f for f in forms if "data-in-place" in f]
        assert len(in_place) == 5 and all("/withdraw" not in f for f in in_place)  # confirm, contest, revise, add, review
