"""SECURITY 40: a Hypothesis state machine drives the answering pages over HTTP with valid,
invalid, repeated and conflicting submissions, going forward and back, and checks after every step that nothing
answered a 500 and that the database holds exactly the answers acknowledged so far."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlmodel import select
from starlette.testclient import TestClient

from surveys import validation
from surveys.definition import Definition
from surveys.models import SurveyAnswer, SurveyResponse
from surveys.services import _from_row
from tests.consultations.factories import make_consultation, make_participant
from tests.surveys.factories import as_participant, make_survey
from tests.surveys.helpers import page_form, read

VALUES = st.sampled_from(["red", "blue", "other", "green", "rice", "beans", "fish", "", "1", "3", "5", "6", "17", "30", "x" * 60, "<b>", "a b c"])
FIRST_KEYS = ["q.colour", "q.colour_other", "q.foods"]
SECOND_KEYS = ["q.mood", "q.order.a", "q.order.b", "q.order.c", "q.age", "q.story", "q.service", "q.service.reason"]


def test_answering_state_machine(app, session):  # noqa: C901 - one machine, its rules inline
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    definition = Definition.from_dict(survey.definition)

    class Answering(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.participant, token, _ = make_participant(session, consultation)
            self.client = TestClient(app, follow_redirects=False)
            as_participant(self.client, token)
            self.model: dict = {}
            self.complete = False
            self.sent: list[tuple[str, list[tuple[str, str]], str]] = []  # (submission id, fields, location)

        def _page(self, screen: str) -> tuple[str, str]:
            page = self.client.get(f"/surveys/{survey.id}/answer?screen={screen}")
            assert page.status_code in (200, 303), page.status_code
            if page.status_code == 303:
                return "", ""
            csrf, sid, _shown = page_form(page.text)
            return csrf, sid

        def _send(self, screen: str, pairs: list[tuple[str, str]], back: bool = False) -> None:
            csrf, sid = self._page(screen)
            if not csrf:
                assert self.complete
                return
            data: dict[str, list[str]] = {}
            go = [("go", "back")] if back else []
            for k, v in [*pairs, *go, ("csrf_token", csrf), ("submission_id", sid), ("screen", screen)]:
                data.setdefault(k, []).append(v)
            response = self.client.post(f"/surveys/{survey.id}/answer", data=data)
            assert response.status_code < 500, response.text[:500]
            group = definition.group(screen)
            form = {k: [v for kk, v in pairs if kk == k] for k, _ in pairs}
            visible = {g.name for g in validation.screens(definition, self.model)}
            expected = validation.read_screen(
                definition, group, form, validation.answers_before(definition, screen, self.model), insist_on_required=not back
            )
            if self.complete:
                assert response.status_code == 303 and response.headers["location"].endswith("/done")
                return
            if screen not in visible:
                assert response.status_code == 400
                return
            if not expected.ok:
                assert response.status_code == 400, (pairs, response.status_code)
                return
            assert response.status_code == 303, (pairs, response.text[:800])
            for q in group.questions:
                if q.answers:
                    value = expected.answers.get(q.name)
                    if value is None:
                        self.model.pop(q.name, None)
                    else:
                        self.model[q.name] = value
            if back:
                # Back stores the screen and never sends the survey: it leads to the screen before.
                assert response.headers["location"].endswith("?screen=first")
            if response.headers["location"].endswith("/done"):
                self.complete = True
                self.model = validation.prune(definition, self.model)
            self.sent.append((sid, [*pairs, *go, ("screen", screen)], response.headers["location"]))

        @rule(colour=st.sampled_from(["red", "blue", "other"]), other=st.sampled_from(["", "Teal"]),
              foods=st.lists(st.sampled_from(["rice", "beans", "fish"]), unique=True, max_size=2))
        def first_screen(self, colour, other, foods):
            self._send("first", [("q.colour", colour), ("q.colour_other", other)] + [("q.foods", f) for f in foods])

        @rule(mood=st.integers(1, 5), age=st.integers(13, 24), rating=st.integers(1, 5), order=st.permutations(["1", "2", "3"]))
        def second_screen(self, mood, age, rating, order):
            self._send("second", [("q.mood", str(mood)), ("q.age", str(age)), ("q.service", str(rating)),
                                  ("q.order.a", order[0]), ("q.order.b", order[1]), ("q.order.c", order[2])])

        @rule(screen=st.sampled_from(["first", "second"]), pairs=st.lists(st.tuples(st.sampled_from(FIRST_KEYS + SECOND_KEYS), VALUES), max_size=8))
        def anything(self, screen, pairs):
            self._send(screen, pairs)

        @rule(screen=st.sampled_from(["first", "second"]), pairs=st.lists(st.tuples(st.sampled_from(FIRST_KEYS + SECOND_KEYS), VALUES), max_size=8))
        def back(self, screen, pairs):
            self._send(screen, pairs, back=True)

        @rule(data=st.data())
        def retry(self, data):
            if not self.sent:
                return
            sid, pairs, location = data.draw(st.sampled_from(self.sent))
            csrf = page_form(self.client.get(f"/surveys/{survey.id}/answer?screen=first").text)[0] if not self.complete else None
            if csrf is None:
                return
            fields: dict[str, list[str]] = {"csrf_token": [csrf], "submission_id": [sid]}
            for k, v in pairs:
                fields.setdefault(k, []).append(v)
            response = self.client.post(f"/surveys/{survey.id}/answer", data=fields)
            assert response.status_code == 303 and response.headers["location"] == location
            changed = dict(fields)
            changed["q.colour" if ("screen", "first") in pairs else "q.mood"] = ["blue" if ("screen", "first") in pairs else "2"]
            if changed != fields:
                conflict = self.client.post(f"/surveys/{survey.id}/answer", data=changed)
                assert conflict.status_code == 409

        @invariant()
        def stored_answers_are_the_acknowledged_ones(self):
            response = read(session, select(SurveyResponse).where(SurveyResponse.participant_id == self.participant.id))
            if not response:
                assert self.model == {}
                return
            rows = read(session, select(SurveyAnswer).where(SurveyAnswer.response_id == response[0].id))
            assert {r.question: _from_row(r) for r in rows} == self.model
            assert (response[0].status == "complete") == self.complete

    run_state_machine_as_test(Answering, settings=settings_for_machine())


def settings_for_machine():
    return settings(max_examples=15, stateful_step_count=10, deadline=None)
