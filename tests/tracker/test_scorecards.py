"""Youth scorecards beside the stakeholder's claim, under the small-numbers rule."""

from __future__ import annotations

from html.parser import HTMLParser

from baraza.refs import Ref
from surveys.definition import Definition, Group, Question
from tests.conftest import login
from tests.consultations.factories import make_participant
from tests.factories import PASSWORD, actor_of
from tests.surveys.factories import make_response, make_survey
from tests.tracker.test_commitments import PDF, act, world
from tracker import services
from tracker.scorecards import scorecard_of


def scorecard(session, consultation, commitment):
    rating = Question(name="rate", kind="rating_reason", label={"en": "How well is it going?"}, reason_label={"en": "Why?"}, minimum=1, maximum=5)
    definition = Definition(languages=["en"], title={"en": "Scorecard"}, groups=[Group(name="g", label={"en": "Rate"}, questions=[rating])])
    return make_survey(session, consultation, definition=definition, is_scorecard=True, commitment_ref=Ref("tracker.commitment", commitment.id))


def rate(session, survey, consultation, rating, reason="", **participant):
    person, _token, _phrase = make_participant(session, consultation, **participant)
    make_response(session, survey, person, {"rate": {"rating": rating, "reason": reason}})
    return person


def answer_url(client, session, consultation, commitment) -> str:
    """The answer page of a new scorecard of `commitment`, for a young person of `consultation`
    on their phone (the client now holds their cookie)."""
    from tests.surveys.factories import as_participant

    survey = scorecard(session, consultation, commitment)
    survey_id = survey.id
    _person, token, _phrase = make_participant(session, consultation)
    session.commit()
    as_participant(client, token)
    return f"/surveys/{survey_id}/answer"


def test_youth_ratings_show_beside_the_claim_only_from_k_people(client, session):
    w = world(session)
    consultation = w["consultation"]
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    services.do_update_commitment(session, actor_of(session, w["minister"]), commitment, status="embedded", progress=None)
    survey = scorecard(session, consultation, commitment)
    for _ in range(3):
        rate(session, survey, consultation, 2, "Nothing changed at my school", age_band="13-15")
    card = scorecard_of(session, commitment)
    assert card.people == 3 and not card.shown and card.mean is None and card.reasons == []
    session.commit()
    login(client, w["minister"].email, PASSWORD)
    page = client.get(f"/tracker/commitments/{commitment.id}")
    assert "Fewer than 5 young people have rated it" in page.text and "Nothing changed" not in page.text
    for _ in range(3):
        rate(session, survey, consultation, 1, "My number is 0722 123 456", age_band="16-17")
    # Someone who did not allow quoting is counted, never quoted.
    rate(session, survey, consultation, 5, "Private words", age_band="16-17", quoting=False)
    card = scorecard_of(session, commitment)
    assert card.people == 7 and card.shown
    assert round(card.mean, 2) == round((2 * 3 + 1 * 3 + 5) / 7, 2)
    assert "Private words" not in card.reasons and "Nothing changed at my school" in card.reasons
    assert all("0722" not in r for r in card.reasons)  # personal data never reaches the page
    # Each age band alone is under k: the cells say so, the context's total is shown.
    context_id = card.contexts[0][0]
    assert card.table.cell(context_id, "13-15").suppressed and card.table.cell(context_id, "16-17").suppressed
    session.commit()
    page = client.get(f"/tracker/commitments/{commitment.id}")
    assert "Average rating: 2.0 on a scale of 1 to 5, from 7 young people." in page.text
    assert "Embedded in policy or system" in page.text and "fewer than 5" in page.text


def test_a_withdrawn_young_person_leaves_the_scorecard(session):
    w = world(session)
    consultation = w["consultation"]
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    survey = scorecard(session, consultation, commitment)
    for _ in range(5):
        rate(session, survey, consultation, 4, "Better now")
    assert scorecard_of(session, commitment).shown
    rate(session, survey, consultation, 1, "I left", withdrawn=True)
    card = scorecard_of(session, commitment)
    assert card.people == 5 and "I left" not in card.reasons


def test_the_same_words_are_quoted_once_each_in_its_own_direction(client, session):
    w = world(session)
    consultation = w["consultation"]
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    survey = scorecard(session, consultation, commitment)
    arabic = "لم ألاحظ أي تغيير في هاتفي."
    for reason in ("Better now", "better  now", arabic, arabic, "Better now"):
        rate(session, survey, consultation, 4, reason)
    assert scorecard_of(session, commitment).reasons == ["Better now", arabic]  # the newest first
    session.commit()
    login(client, w["minister"].email, PASSWORD)
    page = client.get(f"/tracker/commitments/{commitment.id}").text
    assert page.count("etter now") == 1 and page.count(arabic) == 1
    # An Arabic quotation in an English page reads right to left, its full stop and quote marks
    # where Arabic puts them; the count beside an average is one isolated phrase, plural as the
    # language makes it ("(5 people)", in Arabic "(5 أشخاص)").
    assert f'<li><q dir="auto">{arabic}</q></li>' in page
    assert page.count("<bdi>(5 people)</bdi>") == 2


def test_young_people_read_the_reported_progress_on_the_scorecard_they_rate(client, session):
    """They judge a promise against what its stakeholder claims: the scorecard's screen says
    what the stakeholder last reported, as their updates feed does (through the core's registry)."""
    from surveys.models import Survey

    w = world(session)
    consultation = w["consultation"]
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent first"))
    url = answer_url(client, session, consultation, commitment)
    page = client.get(url)
    assert page.status_code == 200
    assert "Ministry of Education committed to “Consent first” and has not reported progress yet." in page.text
    services.do_update_commitment(session, minister, commitment, status="in_progress", progress=40)
    page = client.get(url).text
    assert "Ministry of Education reports on “Consent first”: In progress, 40% done." in page
    # A survey that is not a scorecard, or about nothing, says nothing of the kind.
    session.get(Survey, int(url.split("/")[2])).commitment_ref = None
    session.commit()
    assert "reports on" not in client.get(url).text


class _Told(HTMLParser):
    """The scorecard's "what they report" block of an answer screen: its text, links and tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.text: list[str] = []
        self.links: list[dict[str, str]] = []
        self.attrs: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if self.depth == 0 and "scorecard-about" in a.get("class", "").split():
            self.depth = 1
        elif self.depth and tag not in ("br", "img", "input"):
            self.depth += 1
        if self.depth:
            self.attrs.append({"tag": tag, **a})
            if tag == "a":
                self.links.append(a)

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def told(html: str) -> _Told:
    parser = _Told()
    parser.feed(html)
    assert parser.attrs, "the scorecard says nothing of the commitment"
    parser.text = [" ".join("".join(parser.text).split())]
    return parser


def test_the_scorecard_shows_what_the_claim_rests_on_and_the_teams_note_for_young_people(client, session, settings):
    """A young person asked "did they keep their promise?" sees, under the claim, the evidence
    it rests on (published links only) and what the team wrote for them; never a working note,
    a document only the team reads, or anything of the timeline not meant for them."""
    from tracker.models import Evidence

    w = world(session)
    consultation = w["consultation"]
    minister, team = actor_of(session, w["minister"]), actor_of(session, w["facilitator"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent first"))
    services.do_update_commitment(session, minister, commitment, status="in_progress", progress=40, note="Waiting for the minister's signature (internal)")
    services.do_add_evidence(session, minister, settings, commitment, description="Draft regulation <b>published</b>", url="https://example.org/draft?a=1&b=2")
    services.do_add_evidence(session, minister, settings, commitment, description="", url="http://gazette.example.net/2027/04/very/long/path")
    services.do_add_evidence(session, minister, settings, commitment, description="Signed letter from J. Otieno", document=PDF, document_name="otieno-letter.pdf")
    # An old row no form can write any more: never a link on a young person's page.
    session.add(Evidence(commitment_id=commitment.id, description="Sneaky", url="javascript:alert(1)"))
    session.commit()
    services.do_add_team_note(session, team, commitment, kind="comment", text="Call Jane at the ministry on Tuesday")
    services.do_add_team_note(session, team, commitment, kind="assessment", status="committed", progress=10, text="We doubt the 40%")
    services.do_add_team_note(session, team, commitment, kind="youth_note", text="We saw the draft <script>alert(1)</script>; schools have not changed yet.")
    url = answer_url(client, session, consultation, commitment)
    page = client.get(url)
    assert page.status_code == 200
    block = told(page.text)
    text = block.text[0]
    assert "Ministry of Education reports on “Consent first”: In progress, 40% done." in text
    # The evidence: each published link, safe, its description escaped (or its site's name).
    assert [(a["href"], a["rel"]) for a in block.links] == [
        ("http://gazette.example.net/2027/04/very/long/path", "noopener noreferrer"),
        ("https://example.org/draft?a=1&b=2", "noopener noreferrer"),
    ]
    assert "gazette.example.net" in text and "Draft regulation <b>published</b>" in text
    assert "Draft regulation &lt;b&gt;published&lt;/b&gt;" in page.text and "<b>published</b>" not in page.text
    # The document and the unsafe link exist: the page says so, and shows nothing of them.
    assert "2 pieces of evidence are seen only by the consultation team." in text
    # The team's note for young people, as written and escaped.
    assert "We saw the draft <script>alert(1)</script>; schools have not changed yet." in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    # Nothing not meant for them: working notes, the assessment, the stakeholder's own note, a
    # document's name or description, an unsafe link.
    for secret in ("Call Jane", "We doubt", "signature", "Otieno", "otieno-letter", "Sneaky", "javascript:"):
        assert secret not in page.text, secret
    # The page keeps its strict CSP: no inline style or script in what the hook adds.
    assert not any("style" in a or a["tag"] == "script" or any(k.startswith("on") for k in a) for a in block.attrs)
    assert "unsafe-inline" not in page.headers["content-security-policy"].split("script-src", 1)[1].split(";")[0]


def test_the_scorecard_says_when_nothing_is_published_as_evidence(client, session, settings):

    w = world(session)
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent first"))
    url = answer_url(client, session, w["consultation"], commitment)
    text = told(client.get(url).text).text[0]
    assert "has not reported progress yet." in text and "No evidence is published yet." in text
    assert "seen only by the consultation team" not in text
    services.do_add_evidence(session, minister, settings, commitment, description="Letter", document=PDF, document_name="letter.pdf")
    text = told(client.get(url).text).text[0]
    assert "No evidence is published yet." in text and "1 piece of evidence is seen only by the consultation team." in text


def test_the_hook_tells_a_card_in_the_young_persons_language_and_nothing_of_another_consultation(session, settings):
    from baraza.db import registry_of
    from baraza.refs import ParticipantCard
    from tests.consultations.factories import make_consultation

    w = world(session)
    minister, team = actor_of(session, w["minister"]), actor_of(session, w["facilitator"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent first"))
    part = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Training"), parent=commitment)
    services.do_add_evidence(session, minister, settings, part, description="Training plan", url="https://example.org/plan")
    services.do_add_team_note(session, team, commitment, kind="youth_note", text="First note")
    services.do_add_team_note(session, team, commitment, kind="youth_note", text="Newest note")
    services.do_update_commitment(session, minister, commitment, status="declined", progress=None, decline_reason="No budget this year")
    registry = registry_of(session)
    ref = Ref("tracker.commitment", commitment.id)
    card = registry.told_to_participants(session, w["consultation"].id, ref, "es")
    assert isinstance(card, ParticipantCard)
    # The recommendation's published wording in the page's language, where the tracker has it.
    assert card.claim.params["recommendation"] == "Pedir antes de compartir"
    assert card.at is not None and card.at.tzinfo is not None
    # A part's evidence is what a rolled-up claim rests on too; the newest note only; never a
    # decline reason (staff pages keep it).
    assert [(e.label, e.url) for e in card.evidence] == [("Training plan", "https://example.org/plan")]
    assert card.comment == "Newest note" and card.comment_at is not None
    assert "No budget" not in repr(card)
    other = make_consultation(session, w["org"], open=True)
    assert registry.told_to_participants(session, other.id, ref, "en") is None
    assert registry.told_to_participants(session, w["consultation"].id, Ref("tracker.commitment", "x1"), "en") is None


def test_a_note_for_young_people_is_the_teams_own_choice_on_the_commitment_page(client, session):
    w = world(session)
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    session.commit()
    login(client, w["facilitator"].email, PASSWORD)
    page = client.get(f"/tracker/commitments/{commitment.id}").text
    assert 'id="team-kind-youth_note"' in page and "Note for young people (they read it on the scorecard)" in page
    assert act(client, commitment, "team", kind="youth_note", text="").status_code == 400
    assert act(client, commitment, "team", kind="youth_note", text="We are checking this with schools.").status_code == 303
    assert "We are checking this with schools." in client.get(f"/tracker/commitments/{commitment.id}").text
    # A stakeholder cannot write in the team's name.
    client.cookies.clear()
    login(client, w["minister"].email, PASSWORD)
    assert act(client, commitment, "team", kind="youth_note", text="All done!").status_code == 403


def test_a_note_for_young_people_reads_in_each_language_the_team_wrote_it_in(client, session):
    """The team writes the note for young people in the consultation's other languages too: a
    young person reading the scorecard in Arabic reads it in Arabic; in a language the team did
    not write, the note as written. A version in another language belongs only to such a note,
    and one too long is refused at its field with what was typed kept."""
    from baraza.db import registry_of

    w = world(session)
    consultation = w["consultation"]
    consultation.languages = ["en", "es", "ar"]
    session.add(consultation)
    session.commit()
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    session.commit()
    login(client, w["facilitator"].email, PASSWORD)
    page = client.get(f"/tracker/commitments/{commitment.id}").text
    assert 'name="text.es"' in page and 'name="text.ar"' in page and 'name="text.en"' not in page
    arabic = "نتحقق من ذلك مع المدارس."
    assert act(client, commitment, "team", kind="youth_note", text="We are checking this with schools.", **{"text.ar": arabic, "text.es": " "}).status_code == 303
    registry, ref = registry_of(session), Ref("tracker.commitment", commitment.id)
    assert registry.told_to_participants(session, consultation.id, ref, "ar").comment == arabic
    assert registry.told_to_participants(session, consultation.id, ref, "es").comment == "We are checking this with schools."
    assert registry.told_to_participants(session, consultation.id, ref, "en").comment == "We are checking this with schools."
    timeline = client.get(f"/tracker/commitments/{commitment.id}").text
    assert f'<span class="tag" lang="ar">العربية</span> <span lang="ar" dir="rtl">{arabic}</span>' in timeline

    refused = act(client, commitment, "team", kind="comment", text="For the team only", **{"text.es": "Solo para el equipo"})
    assert refused.status_code == 400
    assert "Only a note for young people is written in several languages." in refused.text and "Solo para el equipo" in refused.text
    too_long = act(client, commitment, "team", kind="youth_note", text="Short", **{"text.es": "x" * 4001})
    assert too_long.status_code == 400 and "Keep the note under 4,000 characters." in too_long.text and 'id="text.es-error"' in too_long.text
    assert registry.told_to_participants(session, consultation.id, ref, "ar").comment == arabic
