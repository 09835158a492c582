from tests.conftest import login
from tests.factories import PASSWORD, make_user


def test_health_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_admin_signs_in_and_sees_users(client, session):
    admin = make_user(session, role="admin")
    login(client, admin.email, PASSWORD)
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert admin.display_name in page.text
