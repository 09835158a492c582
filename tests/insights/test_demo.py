"""The demo's analyst names most themes, whatever themes the run's random seed gives: young people
read "Theme: Seeing and deleting what is kept about us", not a list of key phrases.

One demo run on a fresh database (the run's seed pinned to one under which the naming by a
share of 0.4 named half of the themes), then the themes as the analyst's run page shows them; and
the naming itself on hand-made themes (no database)."""

from __future__ import annotations

import re
import types

from sqlmodel import col, select

from baraza.demo import DEMO_PASSWORD
from insights import services
from insights.dashboard_hooks import theme_items
from insights.demo import THEME_NAMES, split_of, theme_topic
from insights.models import InsightRun, ThemeVersion
from tests.conftest import login
from tests.core.helpers import main_of, read, run_whole_demo

# Under this seed the demo's run found 12 themes and the naming by share named 6 of them.
SEED = 2


def test_the_demo_names_most_themes(monkeypatch, capsys, settings, session, client):
    monkeypatch.setattr(services, "secrets", types.SimpleNamespace(randbelow=lambda _n: SEED))
    out = run_whole_demo(monkeypatch, capsys, settings)
    run = read(session, select(InsightRun))[-1]
    assert run.seed == SEED
    # The demo's run is published, as an analyst would once the themes are named: the
    # dashboards and the guidance show it, as before publication was a step.
    version = read(session, select(ThemeVersion).where(ThemeVersion.run_id == run.id).order_by(col(ThemeVersion.number).desc()))[0]
    assert not version.draft and version.published_at is not None
    assert {item.theme.split(":")[0] for item in theme_items(session, run.consultation_id)} == {str(run.id)}

    login(client, "analyst@demo.baraza.test", DEMO_PASSWORD)
    page = main_of(client.get(f"/insights/runs/{run.id}").text)
    rows = re.findall(r"<tr>\s*<td data-label=\"Theme\"><a href=\"[^\"]+/themes/\d+\"><bdi>([^<]+)</bdi>.*?</tr>", page, re.S)
    names = {name for _topic, name, _words in THEME_NAMES}
    named = [r for r in rows if r in names]
    assert len(rows) >= 6
    assert len(named) * 4 >= len(rows) * 3, rows  # at least three themes in four carry a name
    assert page.count("not named yet") == len(rows) - len(named)
    # The young person of the demo contested a named theme, and reads its name.
    youth = next(line for line in out.splitlines() if line.startswith("Youth review:"))
    assert re.search(r'contested the theme "([^"]+)"', youth).group(1) in names  # type: ignore[union-attr]


def test_a_theme_is_named_after_the_topic_most_of_its_texts_speak_of_whatever_its_share():
    # A third of the texts speak of deleting, a few of selling, the rest of no topic at all.
    texts = ["How long do they keep our answers? Nobody ever says."] * 4 + ["They sell our clicks."] + ["Depende de quién lo vea."] * 7
    assert theme_topic(texts) == "delete"
    # Written with the short vowels (يجب ألا تُباع), the words are still found.
    assert theme_topic(["يجب ألا تُباع بيانات الشباب أبدًا إلى المعلنين."] * 3) == "selling"
    assert theme_topic(["Depende de quién lo vea."] * 5) == ""


def test_a_mixed_theme_is_split_not_named_after_one_half():
    texts = dict(enumerate(["We should be able to delete our photos when we leave."] * 6 + ["Nobody asked me before my grades went to the ministry."] * 5))
    assert theme_topic(list(texts.values())) == ""
    topic, moved = split_of(texts)  # type: ignore[misc]
    assert topic == "consent" and moved == [6, 7, 8, 9, 10]
    assert theme_topic([texts[i] for i in texts if i not in moved]) == "delete"
    assert split_of({i: t for i, t in texts.items() if i < 6}) is None
