"""The administration forms (contexts, staff accounts, roles) as a person meets them: every
problem at once, each next to its field and summed up at the top, what they typed given back;
a country chosen from a list in the page's language; colleagues told apart by their e-mail."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlmodel import select

from baraza.accounts.models import Context, Organisation, RoleGrant, User
from tests.conftest import login, post_form
from tests.consultations.factories import make_consultation
from tests.core.helpers import main_of, page_text, read
from tests.factories import PASSWORD, make_context, make_organisation, make_user


class _Fields(HTMLParser):
    """What a page's form controls show, by id: an input's value, a textarea's text, a select's
    chosen option (and its options), whether a box is ticked."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, object] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self.attrs: dict[str, dict[str, str | None]] = {}
        self._select: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        key = a.get("id") or ""
        if tag in {"input", "select", "textarea"} and key:
            self.attrs[key] = a
        if tag == "input" and key:
            self.values[key] = "checked" in a if a.get("type") in {"checkbox", "radio"} else a.get("value") or ""
        elif tag == "select":
            self._select = key
            self.options[key] = []
            self.values.setdefault(key, None)
        elif tag == "option" and self._select is not None:
            self._option = a.get("value") or ""
            self.options[self._select].append((self._option, ""))
            if "selected" in a:
                self.values[self._select] = self._option
        elif tag == "textarea":
            self._textarea = key
            self.values[key] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            select = self._select
            if select and self.values.get(select) is None and self.options[select]:
                self.values[select] = self.options[select][0][0]  # what a browser sends
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] = str(self.values[self._textarea]) + data
        elif self._select and self._option is not None:
            value, text = self.options[self._select][-1]
            self.options[self._select][-1] = (value, text + data.strip())


def fields_of(html: str) -> _Fields:
    parser = _Fields()
    parser.feed(html)
    return parser


@pytest.fixture
def org(session):
    return make_organisation(session, name="UN Youth Office")


@pytest.fixture
def admin(client, session, org):
    make_organisation(session, name="ConnectMobile", kind="tech_company")  # first in the alphabet
    admin = make_user(session, organisation=org, role="admin", scope="all")
    login(client, admin.email, PASSWORD)
    return admin


def _context_form(org_id: int, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {"organisation_id": str(org_id), "name": "Bogotá youth centres", "country": "CO", "languages": ["es", "en"],
                               "default_language": "es", "age_of_consent": "14", "referral_contact": "ICBF line 141", "youth_groups": "Usme club"}
    data.update(changes)
    return data


# Contexts ---------------------------------------------------------------------------------------


def test_a_refused_context_shows_every_problem_and_gives_back_what_was_typed(client, session, admin, org):
    response = post_form(client, "/admin/contexts", _context_form(org.id, country="Colombia", age_of_consent="-3", default_language="fr"))
    assert response.status_code == 400
    main = main_of(response.text)
    # Every problem at once, next to its field.
    for field, words in (("country", "Choose the country from the list."), ("age_of_consent", "between 13 and 25"),
                         ("default_language", "must be one of the context's languages")):
        assert f'id="{field}-error"' in main and words in page_text(main), field
    # ... and summed up at the top of the form, where the page puts the focus.
    summary = main[main.index('id="error-summary"') - 200:]
    assert "autofocus" in summary[:400] and 'href="#country-error"' in summary and 'href="#age_of_consent-error"' in summary
    # What was typed comes back (the age as typed, not reset to 18).
    shown = fields_of(main).values
    assert shown["ctx-name"] == "Bogotá youth centres" and shown["ctx-age"] == "-3"
    assert shown["ctx-lang-es"] and shown["ctx-lang-en"] and not shown["ctx-lang-ar"]
    assert shown["ctx-default"] == "fr" and shown["ctx-org"] == str(org.id)
    assert shown["ctx-referral"] == "ICBF line 141" and shown["ctx-groups"].strip() == "Usme club"
    assert read(session, select(Context)) == []


def test_an_age_of_consent_under_13_is_refused_because_no_child_could_then_need_a_guardian(client, session, admin, org):
    # An age of 0 (or 10) would let every child consent alone: the age bands start at 0-12.
    for age in ("0", "10", "12", "26"):
        refused = post_form(client, "/admin/contexts", _context_form(org.id, age_of_consent=age))
        assert refused.status_code == 400 and "between 13 and 25" in page_text(main_of(refused.text)), age
    assert read(session, select(Context)) == []
    assert post_form(client, "/admin/contexts", _context_form(org.id, age_of_consent="13")).status_code == 303
    assert read(session, select(Context.age_of_consent)) == [13]


def test_an_age_that_is_not_a_number_is_one_problem_among_the_others(client, session, admin, org):
    response = post_form(client, "/admin/contexts", _context_form(org.id, age_of_consent="abc", name="", languages=[]))
    assert response.status_code == 400
    text = page_text(main_of(response.text))
    assert "Enter a whole number." in text and "Give the context a name." in text and "Choose at least one language" in text
    assert fields_of(response.text).values["ctx-age"] == "abc"


def test_the_country_is_chosen_from_a_list_named_in_the_pages_language(client, session, admin, org):
    client.cookies.set("baraza_lang", "es")
    page = client.get("/admin/contexts")
    options = dict(fields_of(page.text).options["ctx-country"])
    assert options["DE"] == "Alemania" and options["GE"] == "Georgia" and options["CO"] == "Colombia"
    assert options[""]  # a new context names no country until one is chosen
    assert "EU" not in options and "ZZ" not in options and len(options) > 240
    client.cookies.set("baraza_lang", "en")
    assert post_form(client, "/admin/contexts", _context_form(org.id, country="DE")).status_code == 303
    assert read(session, select(Context.country)) == ["DE"]
    # A name typed where the code goes is refused, never cut to its first two letters.
    refused = post_form(client, "/admin/contexts", _context_form(org.id, name="Berlin", country="Germany"))
    assert refused.status_code == 400 and "Choose the country from the list." in refused.text
    assert read(session, select(Context.country)) == ["DE"]


def test_a_code_stored_before_the_list_keeps_working(client, session, admin, org):
    ctx = make_context(session, org, name="London office", country="UK")  # not an ISO code: GB is
    page = client.get(f"/admin/contexts/{ctx.id}")
    assert fields_of(page.text).values["ctx-country"] == "UK"
    kept = post_form(client, f"/admin/contexts/{ctx.id}", _context_form(org.id, name="London office", country="UK"), token_from=f"/admin/contexts/{ctx.id}")
    assert kept.status_code == 303
    # The demo's codes are countries of the list.
    assert post_form(client, f"/admin/contexts/{ctx.id}", _context_form(org.id, country="JO"), token_from=f"/admin/contexts/{ctx.id}").status_code == 303
    assert read(session, select(Context.country).where(Context.id == ctx.id)) == ["JO"]


def test_the_context_list_names_the_country(client, session, admin, org):
    make_context(session, org, name="Zaatari camp", country="JO")
    assert "Jordan" in page_text(main_of(client.get("/admin/contexts").text))


def test_a_context_has_its_name_in_each_of_its_languages(client, session, admin, org):
    ctx = make_context(session, org, name="Bogotá youth centres", languages=["es", "en"], country="CO")
    path = f"/admin/contexts/{ctx.id}"
    page = client.get(path)
    shown = fields_of(page.text)
    # One field per language of the context (the main language's too: the main name may be in the
    # staff's working language), none for a language it does not have.
    assert shown.values["ctx-name-es"] == "" and shown.values["ctx-name-en"] == "" and "ctx-name-ar" not in shown.values
    assert "Name in Español" in page_text(main_of(page.text))
    saved = post_form(client, path, _context_form(org.id, name_es=" Centros juveniles de Bogotá ", name_en="", name_ar="مراكز الشباب"), token_from=path)
    assert saved.status_code == 303
    # Empty means "the main name"; a language the context does not have keeps nothing.
    assert read(session, select(Context.names).where(Context.id == ctx.id)) == [{"es": "Centros juveniles de Bogotá"}]
    shown = fields_of(client.get(path).text)
    assert shown.values["ctx-name-es"] == "Centros juveniles de Bogotá" and shown.values["ctx-name-en"] == ""
    assert shown.attrs["ctx-name-es"].get("lang") == "es"


def test_an_over_long_name_in_a_language_is_refused_at_its_field(client, session, admin, org):
    ctx = make_context(session, org, name="Zaatari camp", languages=["ar", "en"], country="JO")
    path = f"/admin/contexts/{ctx.id}"
    too_long = "م" * 201
    response = post_form(client, path, _context_form(org.id, name="Zaatari camp", country="JO", languages=["ar", "en"], default_language="ar",
                                                       name_ar=too_long, name_en="Zaatari refugee camp"), token_from=path)
    assert response.status_code == 400
    main = main_of(response.text)
    assert 'id="name_ar-error"' in main and "Keep this under 200 characters." in page_text(main) and 'href="#name_ar-error"' in main
    shown = fields_of(main)
    assert shown.values["ctx-name-ar"] == too_long and shown.values["ctx-name-en"] == "Zaatari refugee camp"
    assert shown.attrs["ctx-name-ar"].get("aria-describedby") == "ctx-names-hint name_ar-error"
    assert read(session, select(Context.names).where(Context.id == ctx.id)) == [{}]
    # On a new context too, with the rest of its problems.
    response = post_form(client, "/admin/contexts", _context_form(org.id, name_es="x" * 201, age_of_consent="-1"))
    assert response.status_code == 400
    main = main_of(response.text)
    assert 'id="name_es-error"' in main and 'id="age_of_consent-error"' in main
    assert fields_of(main).values["ctx-name-es"] == "x" * 201


def test_the_organisation_of_a_new_context_is_chosen_not_assumed(client, session, admin, org):
    shown = fields_of(client.get("/admin/contexts").text)
    assert shown.values["ctx-org"] == "" and shown.options["ctx-org"][0][0] == ""
    response = post_form(client, "/admin/contexts", _context_form(org.id, organisation_id=""))
    assert response.status_code == 400 and "Choose the organisation that runs this context." in response.text


def test_a_refused_organisation_keeps_what_was_typed(client, session, admin, org):
    response = post_form(client, "/admin/organisations", {"name": "un youth office", "kind": "government", "public_transparency": "on"})
    assert response.status_code == 400 and "exists already" in response.text
    shown = fields_of(main_of(response.text)).values
    assert (shown["org-name"], shown["org-kind"], shown["org-public"]) == ("un youth office", "government", True)
    edit = f"/admin/organisations/{org.id}"
    response = post_form(client, edit, {"name": "ConnectMobile", "kind": "ngo"}, token_from=edit)
    assert response.status_code == 400 and fields_of(main_of(response.text)).values["org-name"] == "ConnectMobile"


# Staff accounts ---------------------------------------------------------------------------------


def test_a_refused_account_keeps_what_was_typed_and_shows_every_problem(client, session, admin, org):
    response = post_form(client, "/admin/users", {
        "display_name": "Keep Me", "email": "bad@", "organisation_id": str(org.id), "password": "123",
        "grant_role": ["facilitator"], "grant_where": [""],
    })
    assert response.status_code == 400
    main = main_of(response.text)
    shown = fields_of(main).values
    assert (shown["u-name"], shown["u-email"], shown["u-org"]) == ("Keep Me", "bad@", str(org.id))
    assert (shown["grant-role-0"], shown["grant-where-0"]) == ("facilitator", "")
    for field in ("email", "password", "grant-0"):
        assert f'id="{field}-error"' in main and f'href="#{field}-error"' in main, field
    assert "Enter a valid e-mail address." in main and "Choose where this role applies." in main
    assert read(session, select(User).where(User.display_name == "Keep Me")) == []


def test_the_organisation_of_a_new_account_is_chosen_not_the_first_in_the_alphabet(client, session, admin, org):
    shown = fields_of(client.get("/admin/users").text)
    assert shown.values["u-org"] == ""
    assert [text for _value, text in shown.options["u-org"]][1:] == ["ConnectMobile", "UN Youth Office"]
    response = post_form(client, "/admin/users", {"display_name": "Nia", "email": "nia@example.org", "password": "a long first passphrase"})
    assert response.status_code == 400 and "Choose the organisation this person works for." in response.text


def test_an_administrator_of_one_organisation_has_it_chosen(client, session, org):
    make_organisation(session, name="ConnectMobile", kind="tech_company")
    admin = make_user(session, organisation=org, role="admin")
    login(client, admin.email, PASSWORD)
    shown = fields_of(client.get("/admin/users").text)
    assert shown.values["u-org"] == str(org.id) and [v for v, _t in shown.options["u-org"]] == [str(org.id)]


def test_colleagues_with_the_same_name_are_told_apart_by_their_email(client, session, admin, org):
    twins = [make_user(session, organisation=org, email=f"amina.{n}@example.org") for n in ("k", "j")]
    for user in twins:
        user.display_name = "Amina Hassan"
        session.add(user)
    dpo = make_user(session, organisation=org, role="dpo")
    session.commit()
    listing = page_text(main_of(client.get("/admin/users").text))
    assert "amina.k@example.org" in listing and "amina.j@example.org" in listing
    assert "amina.j@example.org" in page_text(main_of(client.get(f"/admin/users/{twins[1].id}").text))
    client.cookies.clear()
    login(client, dpo.email, PASSWORD)
    choices = [text for _value, text in fields_of(client.get("/audit/").text).options["a-user"]]
    assert "Amina Hassan (amina.k@example.org)" in choices and "Amina Hassan (amina.j@example.org)" in choices


# Roles ------------------------------------------------------------------------------------------


def test_a_refused_role_row_stays_on_the_form_with_its_problem(client, session, admin, org):
    colleague = make_user(session, organisation=org, role=None)
    ctx = make_context(session, org)
    path = f"/admin/users/{colleague.id}"
    response = post_form(client, path, {
        "grant_role": ["facilitator", "analyst", "dpo", ""],
        "grant_where": [f"context:{ctx.id}", f"organisation:{org.id}", "organisation:999999", "own"],
    }, token_from=path)
    assert response.status_code == 400
    main = main_of(response.text)
    shown = fields_of(main).values
    rows = [(shown[f"grant-role-{i}"], shown[f"grant-where-{i}"]) for i in range(3)]
    assert rows == [("facilitator", f"context:{ctx.id}"), ("analyst", f"organisation:{org.id}"), ("dpo", "organisation:999999")]
    assert 'id="grant-2-error"' in main and "refers to something that does not exist" in main
    assert "grant-2-error" in fields_of(main).attrs["grant-where-2"].get("aria-describedby", "").split()
    assert 'id="grant-0-error"' not in main and 'href="#grant-2-error"' in main
    assert read(session, select(RoleGrant).where(RoleGrant.user_id == colleague.id)) == []


def test_a_role_s_place_is_chosen_by_name_the_person_s_organisation_first(client, session, admin, org):
    """Nobody types a number that could be someone else's: the list names each organisation,
    context and consultation, grouped by organisation, the person's own first."""
    other = read(session, select(Organisation).where(Organisation.name == "ConnectMobile"))[0]
    ctx = make_context(session, org, name="Zaatari camp")
    consultation = make_consultation(session, org, contexts=[ctx])
    colleague = make_user(session, organisation=org, role=None)
    path = f"/admin/users/{colleague.id}"
    html = client.get(path).text
    where = fields_of(html).options["grant-where-0"]
    assert where[0] == ("", "Choose where")
    assert where[1:4] == [
        (f"organisation:{org.id}", "All of UN Youth Office"), (f"context:{ctx.id}", "Context: Zaatari camp"),
        (f"consultation:{consultation.id}", f"Consultation: {consultation.title['en']}"),
    ]
    assert (f"organisation:{other.id}", "All of ConnectMobile") in where
    assert where[-2:] == [("own", "Only the records the person made"), ("all", "Everything, on the whole platform")]
    assert post_form(client, path, {"grant_role": "facilitator", "grant_where": f"context:{ctx.id}"}, token_from=path).status_code == 303
    held = [(g.role, g.scope, g.scope_ref) for g in read(session, select(RoleGrant).where(RoleGrant.user_id == colleague.id))]
    assert held == [("facilitator", "context", ctx.id)]
    page = client.get(path).text
    assert fields_of(page).values["grant-where-0"] == f"context:{ctx.id}"
    dpo = make_user(session, organisation=org, role="dpo")
    client.cookies.clear()
    login(client, dpo.email, PASSWORD)
    assert "Facilitator · Zaatari camp" in page_text(main_of(client.get(path).text))


def test_a_role_in_another_organisation_is_refused_and_nothing_changes(client, session, admin, org):
    other = read(session, select(Organisation).where(Organisation.name == "ConnectMobile"))[0]
    elsewhere = make_context(session, other, name="ConnectMobile's pilot")
    colleague = make_user(session, organisation=org, role="analyst")
    path = f"/admin/users/{colleague.id}"
    for place in (f"context:{elsewhere.id}", f"organisation:{other.id}"):
        response = post_form(client, path, {"grant_role": "facilitator", "grant_where": place}, token_from=path)
        assert response.status_code == 400 and "This is another organisation&#39;s." in response.text
        assert fields_of(main_of(response.text)).values["grant-where-0"] == place
    held = [(g.role, g.scope, g.scope_ref) for g in read(session, select(RoleGrant).where(RoleGrant.user_id == colleague.id))]
    assert held == [("analyst", "organisation", org.id)]


def test_an_organisation_s_administrator_is_not_offered_the_whole_platform(client, session, org):
    admin = make_user(session, organisation=org, role="admin")
    colleague = make_user(session, organisation=org, role=None)
    login(client, admin.email, PASSWORD)
    where = [value for value, _text in fields_of(client.get(f"/admin/users/{colleague.id}").text).options["grant-where-0"]]
    assert where == ["", f"organisation:{org.id}", "own"]
    # A platform administrator of the same organisation: their role shows as it is, by its name.
    platform = make_user(session, organisation=org, role="admin", scope="all")
    shown = fields_of(client.get(f"/admin/users/{platform.id}").text)
    assert shown.values["grant-where-0"] == "all"
    assert ("all", "Everything") in shown.options["grant-where-0"]
