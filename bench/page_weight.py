"""The bytes a phone downloads for each participant page: first load (the page and every
asset it references) and repeat load (the page only: assets carry a version in their URL and
`Cache-Control: public, max-age`, so a phone keeps them).

Runs the application in-process (Starlette's TestClient) on a scratch SQLite database with
the demo's three-language survey; nothing leaves the process.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from starlette.testclient import TestClient  # noqa: E402

from baraza.app import create_app  # noqa: E402
from baraza.demo import seed_demo  # noqa: E402
from baraza.participation.api import PARTICIPANT_COOKIE  # noqa: E402
from baraza.settings import Settings  # noqa: E402
from bench.survey_load import SECRET, seed  # noqa: E402
from tests.surveys.phones import CSRF_RE, SUBMISSION_RE  # noqa: E402

BUDGET = 50 * 1024
ASSET_RE = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def _weigh(client: TestClient, path: str, assets_seen: set[str]) -> dict[str, Any]:
    page = client.get(path)
    html = len(page.content)
    assets = sorted(set(ASSET_RE.findall(page.text)))
    asset_bytes = 0
    for asset in assets:
        fetched = client.get(asset)
        assert "max-age" in fetched.headers.get("cache-control", ""), asset
        asset_bytes += len(fetched.content)
    first = html + asset_bytes
    assets_seen.update(assets)
    # On a repeat load the versioned assets come from the phone's cache: only the page travels.
    return {"page": path, "status": page.status_code, "html": html, "assets": asset_bytes, "first_load": first,
            "repeat_load": html, "under_budget": first < BUDGET}


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="baraza-weight-") as tmp:
        settings = Settings(environment="test", database_url=f"sqlite:///{tmp}/weight.sqlite3", secret_key=SECRET, var_dir=Path(tmp))
        from baraza.migrations import upgrade

        upgrade(settings)
        seed_demo(settings)  # the demo consultation with the three-language survey
        survey_id, tokens = seed(settings.database_url, 1)  # plus a 10-question survey and a phone for it
        app = create_app(settings)
        rows: list[dict[str, Any]] = []
        client = TestClient(app, follow_redirects=False)
        seen: set[str] = set()
        rows.append(_weigh(client, "/join", seen))
        client.cookies.set(PARTICIPANT_COOKIE, tokens[0])
        first = client.get(f"/surveys/{survey_id}/answer")
        rows.append(_weigh(client, f"/surveys/{survey_id}/answer", seen))
        for lang in ("es", "ar"):
            client.cookies.set("baraza_lang", lang)
            rows.append({**_weigh(client, f"/surveys/{survey_id}/answer", seen), "page": f"/surveys/{survey_id}/answer ({lang})"})
        client.cookies.delete("baraza_lang")
        csrf = CSRF_RE.search(first.text).group(1)  # type: ignore[union-attr]
        sid = SUBMISSION_RE.search(first.text).group(1)  # type: ignore[union-attr]
        from bench.survey_load import ANSWERS

        fields: dict[str, list[str]] = {"csrf_token": [csrf], "submission_id": [sid], "screen": ["all"]}
        for key, value in ANSWERS.items():
            fields[key] = value if isinstance(value, list) else [value]
        assert client.post(f"/surveys/{survey_id}/answer", data=fields).status_code == 303
        rows.append(_weigh(client, f"/surveys/{survey_id}/done", seen))
        return rows
