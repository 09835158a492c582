"""`baraza check`: score a data practice against a signed model file, with no database.

    baraza check --model var/practice/3/v2.json --data-kind location --user tech_company \\
        --purpose advertise --retention 5y --context 4
    baraza check --model v2.json --card          # the model card only
    baraza check --model v2.json --json '{"data_kinds": ["location"], ...}'

The file is refused unless this deployment's secret key (BARAZA_SECRET_KEY) signed it.
Without the database there are no quotes and no live tracker status: the page and the JSON
endpoint give those. Exit codes: 0 answered, 2 bad input, 3 the file was refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from baraza.settings import Settings
from practice import files
from practice.model import (
    RETENTIONS,
    SAFEGUARDS,
    Practice,
    PracticeModel,
    assess,
    evidence_for,
    has_skill,
    percent,
    spread_interval,
)

VERDICTS = {
    "not_accept": "Young people here would not accept this.",
    "accept": "Young people here would mostly find this fine.",
    "conditional": "Young people here would accept this only under conditions ('it depends').",
    "divided": "Young people here are divided about this.",
}


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="a signed model file (var/practice/<consultation>/v<n>.json)")
    p.add_argument("--data-kind", action="append", default=[], dest="data_kinds")
    p.add_argument("--user", action="append", default=[], dest="users")
    p.add_argument("--purpose", action="append", default=[], dest="purposes")
    p.add_argument("--age-band", action="append", default=[], dest="age_bands")
    p.add_argument("--safeguard", action="append", default=[], dest="safeguards", choices=SAFEGUARDS)
    p.add_argument("--retention", choices=RETENTIONS)
    p.add_argument("--context", help="a context's id (see --card); none: the pooled answer")
    p.add_argument("--json", help="the practice as the JSON endpoint takes it")
    p.add_argument("--card", action="store_true", help="print the model card and stop")


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    try:
        payload = files.read(Path(args.model), settings.secret_key)
        model = PracticeModel.from_dict(payload["model"])
    except (files.ModelFileError, KeyError, ValueError, TypeError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 3
    card = payload.get("card", {})
    k = int(card.get("k", 5))
    print(f"Model v{payload.get('version')} of '{card.get('consultation', '')}', trained {payload.get('trained_at')} on {card.get('people')} young people.")
    if args.card:
        print(json.dumps(card, indent=1, ensure_ascii=False))
        return 0
    if args.json:
        try:
            body = json.loads(args.json)
            args.data_kinds, args.users, args.purposes = body.get("data_kinds", []), body.get("users", []), body.get("purposes", [])
            args.age_bands, args.safeguards = body.get("age_bands", []), body.get("safeguards", [])
            args.retention, args.context = body.get("retention"), body.get("context")
        except (json.JSONDecodeError, AttributeError):
            print("--json is not a JSON object", file=sys.stderr)
            return 2
    if not (args.data_kinds and args.users and args.purposes):
        print("give at least one --data-kind, --user and --purpose", file=sys.stderr)
        return 2
    practice = Practice(tuple(args.data_kinds), tuple(args.users), tuple(args.purposes), tuple(args.age_bands), frozenset(args.safeguards), args.retention)
    context = str(args.context) if args.context else None
    info = model.contexts.get(context or "", {})
    people = int(info.get("people", 0)) if context else model.people
    if context and people < k:
        print(f"Fewer than {k} young people answered in this context: the answer pooled across all contexts.")
        context, people = None, model.people
    if people < k:
        print(f"Too few to say: fewer than {k} young people stand behind any answer.")
        return 0
    a = assess(model, practice, context)
    # How sure (docs/practice-check.md, "How sure it is"): the same rules as the page.
    evidence = evidence_for(model, [str(args.context)] if args.context else None, practice.age_bands, a.worst_part)
    guess = evidence.group is not None and ((evidence.group or 0) < k or (evidence.about or 0) < k)
    skill = has_skill(model)
    if guess:
        print(f"No direct evidence: fewer than {k} young people of this context and age were asked, or answered about this very use.")
    if skill is False and model.quality is not None:
        print(f"The model picked the answer held-out young people gave {percent(model.quality.accuracy)}% of the time; "
              f"the most common answer per card, {percent(model.quality.majority_accuracy)}%: it does no better than that guess.")
    if guess and skill is False:
        print("The model cannot say: no figure.")
        return 0
    if guess:
        low, high = spread_interval(model, practice, a.worst_part, a.interval, k)
        print(f"A guess from other groups: somewhere between {percent(low)}% and {percent(high)}% would say 'fine'.")
        return 0
    print(VERDICTS[a.verdict])
    print(f"Chance a young person says 'fine': {percent(a.fine)}% (interval {percent(a.interval[0])}-{percent(a.interval[1])}%); "
          f"'it depends' {percent(a.depends)}%, 'not fine' {percent(a.not_fine)}%. Rests on {people} young people"
          + (" (leaning on other contexts)." if a.pooled and context else "."))
    if a.against:
        print("Weighs most against it: " + ", ".join(f"{w.part} {w.code}" for w in a.against))
    if a.changes:
        best = a.changes[0]
        print(f"The change that helps most: {best.part} -> {best.code} ({percent(best.fine)}% fine)")
    if a.unknown:
        print("The model never saw answers about: " + ", ".join(a.unknown))
    return 0
