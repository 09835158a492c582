"""A whole room in a real browser (the system Chromium): the projector's screen on a laptop, the
facilitator's console and three phones at 360 px (one with JavaScript off, one in Arabic, right
to left) run a brainstorm, a moderation decision and a poll the screen counts live; a phone that
goes offline keeps its note and sends it once when back; axe-core on every workshop page.

Screenshots go to test-artifacts/screenshots/workshop-room-*.png."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from baraza.participation.api import PARTICIPANT_COOKIE
from tests.e2e.conftest import PHONE, _new_page, assert_accessible, assert_no_horizontal_scroll, send_from_phone, shot
from tests.e2e.conftest import sign_in as browser_sign_in
from tests.workshops.factories import make_activity, make_consultation, make_facilitator, make_participant, make_workshop
from workshops.models import Contribution

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_too]  # the room over LISTEN/NOTIFY, in browsers



@contextlib.contextmanager
def page_of(browser: Any, live_server: str, **context_args: Any) -> Iterator[Any]:
    pages = _new_page(browser, live_server, **context_args)
    try:
        yield next(pages)
    finally:
        pages.close()


def phone_of(browser: Any, live_server: str, token: str, **context_args: Any) -> contextlib.AbstractContextManager[Any]:
    args = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 1, **context_args}
    manager = page_of(browser, live_server, **args)

    @contextlib.contextmanager
    def opened() -> Iterator[Any]:
        with manager as page:
            page.context.add_cookies([{"name": PARTICIPANT_COOKIE, "value": token, "url": live_server}])
            yield page

    return opened()


def send_note(page: Any, text: str, *, javascript: bool = True) -> None:
    page.fill("#note-text", text)
    send_from_phone(page, javascript=javascript)


def screen_text(page: Any) -> str:
    return page.inner_text("#screen")


def test_a_room_runs_with_a_projector_a_console_and_three_phones(laptop_page, browser, live_server, session, settings):
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", prompt="What do young people here need?")
    make_activity(session, workshop, prompt="Do you feel heard?", current=False)
    tokens = [make_participant(session, settings, consultation, **fields)[1] for fields in ({}, {"language": "ar"}, {})]

    screen = laptop_page
    browser_sign_in(screen, facilitator.email)
    screen.goto(f"/workshops/{workshop.id}/screen")
    assert "What do young people here need?" in screen_text(screen)
    screen.evaluate("() => { window.stayed = true }")

    with (
        page_of(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True) as console,
        phone_of(browser, live_server, tokens[0]) as phone,
        phone_of(browser, live_server, tokens[1]) as phone_ar,
        phone_of(browser, live_server, tokens[2], java_script_enabled=False) as phone_nojs,
    ):
        browser_sign_in(console, facilitator.email)
        console.goto(f"/workshops/{workshop.id}/console")
        for p in (phone, phone_ar, phone_nojs):
            p.goto(f"/workshops/{workshop.id}/")
        assert phone_ar.get_attribute("html", "dir") == "rtl"
        assert "What do young people here need? (ar)" in phone_ar.inner_text("main")

        # The brainstorm: three notes; a possible disclosure of harm never reaches the screen.
        send_note(phone, "More buses at night")
        send_note(phone_ar, "مكان آمن للدراسة")
        send_note(phone_nojs, "He hits me at home", javascript=False)
        screen.wait_for_function("() => document.querySelector('#screen').innerText.includes('مكان آمن للدراسة')", timeout=15_000)
        assert "More buses at night" in screen_text(screen)
        assert "hits me" not in screen_text(screen)
        console.wait_for_selector("text=Held for a check", timeout=15_000)
        assert "It may tell of harm" in console.inner_text("main")
        for p, name in ((phone, "phone-en"), (phone_ar, "phone-ar"), (phone_nojs, "phone-nojs")):
            assert ("أرسلت ملاحظة واحدة." if p is phone_ar else "You sent 1 note.") in p.inner_text("main")
            assert_no_horizontal_scroll(p)
            shot(p, f"workshop-room-{name}-note")
        assert_accessible(phone)
        assert_accessible(phone_ar)

        # A moderation decision in the console: the note leaves the screen at once.
        console.locator("li", has_text="More buses at night").locator("button:has-text('Hide')").click()
        screen.wait_for_function("() => !document.querySelector('#screen').innerText.includes('More buses at night')", timeout=15_000)
        assert "مكان آمن للدراسة" in screen_text(screen)
        assert_no_horizontal_scroll(console)
        assert_accessible(console)
        shot(console, "workshop-room-console-360")

        # The poll: the phones with JavaScript follow by themselves, the other one refreshes.
        # They show the block the move's event carries (workshops.views.phones.shared_blocks)
        # with their own token, client id and number in the room, and ask the server nothing.
        fetched: list[str] = []
        for p in (phone, phone_ar):
            p.evaluate("() => { window.stayed = true }")
            p.on("request", lambda request: fetched.append(request.url) if request.headers.get("hx-request") else None)
        console.click("button:has-text('Next')")
        for p in (phone, phone_ar):
            p.wait_for_selector("input[name=choice]", timeout=15_000)
            assert p.evaluate("() => window.stayed === true")
            assert re.fullmatch(r"[A-Za-z0-9_-]{24}", p.input_value("main form input[name=client_id]"))
            assert p.input_value("main form input[name=csrf_token]")
            assert p.locator(".ws-seat").count() == 1
        assert fetched == []
        screen.wait_for_function("() => document.querySelector('#screen').innerText.includes('Do you feel heard?')", timeout=15_000)
        phone_nojs.click("a:has-text('Refresh to see what is on now')")
        assert "Do you feel heard?" in phone_nojs.inner_text("main")
        for p in (phone, phone_ar, phone_nojs):
            p.click("label[for=choice-1]")
            send_from_phone(p, javascript=p is not phone_nojs)
        screen.wait_for_function("() => document.querySelector('#screen').innerText.includes('3 people have answered.')", timeout=15_000)
        assert screen.evaluate("() => window.stayed === true")  # counted live, never reloaded
        assert screen.locator(".ws-bar > span.w-100").count() == 1
        assert_accessible(screen)
        shot(screen, "workshop-room-screen-poll")
        shot(phone_ar, "workshop-room-phone-ar-poll")
        assert_accessible(phone_ar)
        for p in (screen, console, phone, phone_ar):
            # hx-sync="this:replace" aborts a refetch a newer event replaced; htmx logs that
            # abort as an error, which is the intended behaviour, not a failure.
            errors = [e for e in p.console_errors if not e.startswith(("htmx:sendAbort", "htmx:afterRequest"))]
            assert errors == [], (p.url, errors)

        # Every other workshop page passes axe as the facilitator sees it (at 360 px too).
        for path, name in (
            (f"/workshops/{workshop.id}/agenda", "agenda"),
            (f"/workshops/{workshop.id}/moderation?activity={board.id}", "moderation"),
            (f"/workshops/{workshop.id}/summary", "summary"),
        ):
            console.goto(path)
            shot(console, f"workshop-room-{name}-360")
            assert_accessible(console)
            assert_no_horizontal_scroll(console)


def test_a_phone_offline_keeps_its_note_and_sends_it_once_when_back(phone_page, live_server, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", prompt="What would help?")
    _participant, token = make_participant(session, settings, consultation)
    page = phone_page
    page.context.add_cookies([{"name": PARTICIPANT_COOKIE, "value": token, "url": live_server}])
    page.goto(f"/workshops/{workshop.id}/")
    page.wait_for_timeout(300)

    page.context.set_offline(True)
    page.fill("#note-text", "A youth centre that opens late")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-offline-status]:not([hidden])")
    assert "No connection" in page.inner_text("[data-offline-status]")
    assert page.input_value("#note-text") == "A youth centre that opens late"  # nothing lost
    assert session.exec(select(Contribution).where(Contribution.activity_id == board.id)).all() == []
    # Kept in the tab's storage only: a shared phone's next user, in a new tab, finds nothing.
    assert "opens+late" in page.evaluate("() => window.sessionStorage.getItem('baraza-workshop-outbox')")
    assert page.evaluate("() => window.localStorage.getItem('baraza-workshop-outbox')") is None
    shot(page, "workshop-room-phone-offline")

    page.context.set_offline(False)
    page.wait_for_selector("text=You sent 1 note.", timeout=15_000)
    # Coming back twice (a second "online", a reload) sends nothing more.
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.reload()
    page.wait_for_selector("text=You sent 1 note.")
    session.rollback()  # a new read transaction: see what the server stored since
    notes = session.exec(select(Contribution).where(Contribution.activity_id == board.id).execution_options(populate_existing=True)).all()
    assert [n.text for n in notes] == ["A youth centre that opens late"]
    assert page.evaluate("() => window.sessionStorage.getItem('baraza-workshop-outbox')") is None
    # A sending left from a day before (the phone was offline since) is not sent any more.
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    body = f"csrf_token={csrf}&client_id=stale-sending-000000001&text=Yesterday"
    stale = [{"action": f"/workshops/{workshop.id}/note/{board.id}", "body": body, "at": 1}]
    page.evaluate("(list) => window.sessionStorage.setItem('baraza-workshop-outbox', JSON.stringify(list))", stale)
    page.reload()
    page.wait_for_timeout(1000)
    session.rollback()
    assert len(session.exec(select(Contribution).where(Contribution.activity_id == board.id)).all()) == 1
    assert_accessible(page)
