"""The small-numbers rule on insights' figures, tried the way a reader would break it: a theme's
size per context, age band and gender beside its total. Suppressed cells must not be
recoverable from the total and the other cells, neither by subtraction nor by their bounds
("fewer than 5" twice with 8 between them are 4 and 4)."""

from __future__ import annotations

import re
from collections import Counter
from itertools import product

from sqlmodel import select

from baraza.disclosure import ALL, Cell, Dimension, suppress_cube
from insights.models import ThemeVersion
from tests.core.helpers import read
from tests.insights.conftest import TEXTS
from tests.insights.test_runs import finished_run, theme_of

K = 5
FEWER = f"fewer than {K}"
HIDDEN = "hidden to protect a small group"


def possible(shown: str, ceiling: int) -> list[int]:
    """What a reader knows of one published cell."""
    if shown == FEWER:
        return list(range(1, K))
    if shown == HIDDEN:
        return [0, *range(K, ceiling + 1)]
    return [int(shown)]


def recovered(cells: dict[str, str], total: str) -> dict[str, int]:
    """The suppressed cells whose value is the only one that fits the shown total and the other
    cells' bounds: what the attack gives away (empty when the total is hidden too)."""
    if not total.isdigit():
        return {}
    names = list(cells)
    fits: dict[str, set[int]] = {n: set() for n in names}
    for combination in product(*(possible(cells[n], int(total)) for n in names)):
        if sum(combination) == int(total):
            for n, v in zip(names, combination, strict=True):
                fits[n].add(v)
    return {n: next(iter(v)) for n, v in fits.items() if cells[n] in (FEWER, HIDDEN) and len(v) == 1}


def text(cell: Cell) -> str:
    return (FEWER if cell.primary else HIDDEN) if cell.suppressed else str(cell.count)


def test_a_theme_of_eight_in_two_small_age_bands_beside_a_zero_is_not_given_away():
    # The walkthrough's theme: 8 people, 15-17: 0 | 18-20: 4 | 21-24: 4, everyone's band shown.
    bands = ("15-17", "18-20", "21-24")
    leaves = Counter({("c1", "18-20", 7): 4, ("c1", "21-24", 7): 4, ("c1", "18-20", ALL): 4, ("c1", "21-24", ALL): 4})
    leaves[("c1", "15-17", ALL)] = 9  # other themes' writers make the band one that is shown
    cube = suppress_cube(leaves, [Dimension(("c1",), ("others",)), Dimension(bands, ("others",)), Dimension((7, 8), additive=False)], K)
    by_age = {band: text(cube.cell(ALL, band, 7)) for band in bands}
    assert by_age["18-20"] == FEWER and by_age["21-24"] == FEWER
    assert recovered(by_age, text(cube.cell(ALL, ALL, 7))) == {}, by_age


def rows_of(html: str, caption: str) -> dict[str, str]:
    table = html.split(f"<caption>{caption}</caption>")[1].split("</table>")[0]
    return {
        re.sub(r"<[^>]+>", "", head).strip(): re.sub(r"<[^>]+>", "", value).strip()
        for head, value in re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', table, re.S)
    }


def test_a_themes_sizes_per_context_age_band_and_gender_give_no_small_group_away(session, world, analyst_client, run_jobs):
    # Each theme: 8 people, 4 aged 16-17 and 4 aged 18-20, 4 girls and 4 boys, 5 in Nairobi and 3
    # in Mombasa. Today the page shows 8 with "fewer than 5" twice per breakdown: both are 4.
    run_id = finished_run(analyst_client, world, run_jobs)
    version = read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id))[-1]
    assert version.themes
    for theme in TEXTS:
        key = theme_of(session, run_id, TEXTS[theme][0])
        page = analyst_client.get(f"/insights/runs/{run_id}/themes/{key}").text
        total = re.sub(r"<[^>]+>", "", re.search(r"People:\s*(.*?)</p>", page, re.S).group(1)).strip()
        for caption in ("By context", "By age band", "By gender"):
            cells = rows_of(page, caption)
            assert cells, caption
            assert recovered(cells, total) == {}, (theme, caption, cells, total)
        assert set(rows_of(page, "By age band")) == {"16 to 17", "18 to 20"}  # as young people read their band
    # The run page lists every theme's size beside its sizes per context: the same figures.
    run_page = analyst_client.get(f"/insights/runs/{run_id}").text
    for row in re.findall(r"<tr>(.*?)</tr>", run_page.split("<tbody>")[1].split("</tbody>")[0], re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        people, per_context = cells[1], cells[2:]
        assert recovered(dict(enumerate(per_context)), people) == {}, cells  # type: ignore[arg-type]
