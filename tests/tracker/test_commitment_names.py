"""A commitment's name in the languages young people read it in.

The stakeholder writes a commitment in its own words; young people read it on their scorecard,
in their news and on the public page, in the consultation's languages. The consultation team
writes its name in the other languages; a name written for a wording the stakeholder has since
changed is not shown (young people then read the commitment as written) until the team checks
it again."""

from __future__ import annotations

from sqlmodel import select

from baraza.audit.models import AuditEntry
from baraza.db import registry_of
from baraza.refs import Ref
from tests.conftest import login
from tests.factories import PASSWORD, actor_of
from tests.tracker.test_commitments import act, world
from tracker import services
from tracker.public import build_public_page, do_set_public_page
from tracker.updates import commitment_updates

WORDING = "Consent before any transfer of school records"
ARABIC = "الموافقة قبل أي نقل لسجلات المدرسة"
SPANISH = "Consentimiento antes de cualquier traspaso de expedientes escolares"


def _multilingual(session):
    w = world(session)
    consultation = w["consultation"]
    consultation.languages = ["en", "es", "ar"]
    session.add(consultation)
    w["org"].public_transparency = True
    session.add(w["org"])
    session.commit()
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title=WORDING))
    services.do_update_commitment(session, minister, commitment, status="in_progress", progress=40)
    return w, commitment


def _read_as(session, w, commitment, lang):
    """The commitment's name as a young person reading in `lang` meets it: on the scorecard's
    card, in the news, on the public page."""
    session.commit()  # a new snapshot: what the pages stored since,
    session.expire_all()  # not this session's copies
    consultation = w["consultation"]
    card = registry_of(session).told_to_participants(session, consultation.id, Ref("tracker.commitment", commitment.id), lang)
    news = commitment_updates(session, consultation, None, None, lang)
    page = build_public_page(session, consultation, lambda message: message, lang)
    return (
        card.claim.params["commitment"],
        {update.message.params["commitment"] for update in news},
        [c.title for r in page.recommendations for s in r.stakeholders for c in s.commitments],
    )


def test_young_people_read_a_commitment_by_the_name_the_team_wrote_in_their_language(client, session):
    w, commitment = _multilingual(session)
    do_set_public_page(session, actor_of(session, w["facilitator"]), w["consultation"].id, published=True, reason="Agreed with the ministry.")
    login(client, w["facilitator"].email, PASSWORD)
    page = client.get(f"/tracker/commitments/{commitment.id}").text
    assert 'name="title.es"' in page and 'name="title.ar"' in page and 'name="title.en"' not in page
    assert act(client, commitment, "names", **{"title.ar": f"  {ARABIC} ", "title.es": ""}).status_code == 303
    assert _read_as(session, w, commitment, "ar") == (ARABIC, {ARABIC}, [ARABIC])
    # A language the team did not write it in: as written.
    assert _read_as(session, w, commitment, "es") == (WORDING, {WORDING}, [WORDING])
    assert _read_as(session, w, commitment, "en") == (WORDING, {WORDING}, [WORDING])
    page = client.get(f"/tracker/commitments/{commitment.id}").text
    assert f'value="{ARABIC}"' in page and 'lang="ar" dir="rtl"' in page
    # Audited with the languages it now has a name in, never the words.
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "tracker.commitment_names")).one()
    assert '"ar"' in entry.detail and ARABIC not in entry.detail

    # Another save leaves out a name (empty field) and adds one.
    assert act(client, commitment, "names", **{"title.ar": "", "title.es": SPANISH}).status_code == 303
    assert _read_as(session, w, commitment, "ar")[0] == WORDING
    assert _read_as(session, w, commitment, "es") == (SPANISH, {SPANISH}, [SPANISH])


def test_a_name_written_for_an_earlier_wording_is_not_shown_until_the_team_checks_it(client, session):
    w, commitment = _multilingual(session)
    team = actor_of(session, w["facilitator"])
    services.do_name_commitment(session, team, commitment, {"ar": ARABIC})
    reworded = "Consent before every transfer of school records, and a register of transfers"
    services.do_edit_commitment(session, actor_of(session, w["minister"]), commitment, services.CommitmentFields(title=reworded))
    # The stakeholder changed what it commits to: the Arabic name says the old thing.
    assert _read_as(session, w, commitment, "ar")[0] == reworded
    login(client, w["facilitator"].email, PASSWORD)
    page = client.get(f"/tracker/commitments/{commitment.id}").text
    assert "Written for an earlier wording" in page and WORDING in page and f'value="{ARABIC}"' in page
    assert 'aria-describedby="name-ar-earlier"' in page
    # Saved again as it is (the team checked it still says the same): shown again.
    assert act(client, commitment, "names", **{"title.ar": ARABIC, "title.es": ""}).status_code == 303
    assert _read_as(session, w, commitment, "ar")[0] == ARABIC
    assert "Written for an earlier wording" not in client.get(f"/tracker/commitments/{commitment.id}").text


def test_only_the_consultation_team_names_a_commitment_and_a_name_too_long_is_refused_at_its_field(client, session):
    w, commitment = _multilingual(session)
    login(client, w["minister"].email, PASSWORD)
    assert 'name="title.ar"' not in client.get(f"/tracker/commitments/{commitment.id}").text
    assert act(client, commitment, "names", **{"title.ar": "كل شيء تم"}).status_code == 403
    client.cookies.clear()
    login(client, w["facilitator"].email, PASSWORD)
    refused = act(client, commitment, "names", **{"title.ar": "ا" * 301, "title.es": SPANISH})
    assert refused.status_code == 400
    assert "Keep the name under 300 characters." in refused.text and 'id="title.ar-error"' in refused.text
    assert f'value="{SPANISH}"' in refused.text  # what was typed comes back
    assert _read_as(session, w, commitment, "es")[0] == WORDING  # nothing was stored


def test_each_language_is_named_in_its_own_language_and_direction(client, session):
    """The fields' labels name each language in itself ("العربية"), marked with its language and
    direction, so a screen reader reads it with the right voice (WCAG 3.1.2)."""
    w, commitment = _multilingual(session)
    login(client, w["facilitator"].email, PASSWORD)
    page = client.get(f"/tracker/commitments/{commitment.id}").text
    assert 'In <span lang="ar" dir="rtl">العربية</span>' in page
    assert 'the same in <span lang="ar" dir="rtl">العربية</span> (optional)' in page
    assert 'In <span lang="es" dir="ltr">Español</span>' in page
