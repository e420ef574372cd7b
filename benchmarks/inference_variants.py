"""Compare the inference variants of the register models (analysis/register/inference.py).

    .venv/bin/python benchmarks/inference_variants.py [--edition final-2025] [--markdown]

Prints, for the headline estimates (all completers: the two-point and weekly models, or the
pilot's level shift and course slope), the p-value and 95 % interval of

* person: clustered by person, normal reference (what the models did before; reproduces
  the stars printed in seed 004),
* team-t: clustered by team, t(G - 1),
* wild: the restricted wild cluster bootstrap by team (Webb weights), interval by test
  inversion: what the book now reports,

the stars of each, and how many stars change from the person-clustered variant to the
team-clustered t(G - 1) and to the book's wild bootstrap (lost, gained, unchanged), for the
headline estimates and for every published coefficient of every group; with the time each
variant's models take. Reads the edition's bundled synthetic extract (or --data); writes
nothing.
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from analysis.compute.stage import load_microdata
from analysis.editions import get_edition
from analysis.register.inference import BOOT_REPS, INTERVAL_REPS, stars
from analysis.register.models import run_edition_models


def _fmt_p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


LEVELS = {"": 0, "*": 1, "**": 2, "***": 3}


def star_changes(before: pd.Series, after: pd.Series) -> dict[str, int]:
    """How the stars of the same coefficients change from `before` to `after` (star strings)."""
    diff = [LEVELS[a] - LEVELS[b] for b, a in zip(before, after)]
    return {"starred before": int((before != "").sum()), "starred after": int((after != "").sum()),
            "lose at least one star": sum(d < 0 for d in diff),
            "lose significance (p < 0.05 -> not)": int(((before != "") & (after == "")).sum()),
            "gain at least one star": sum(d > 0 for d in diff), "unchanged": sum(d == 0 for d in diff)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", default="final-2025")
    parser.add_argument("--data", default=None)
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args()
    edition = get_edition(args.edition)
    md = load_microdata(edition, args.data, inference="person")
    start = time.perf_counter()
    person = run_edition_models(md.panel, edition, "person", md.min_cell)
    t_person = time.perf_counter() - start
    start = time.perf_counter()
    team = run_edition_models(md.panel, edition, "team", md.min_cell)
    t_team = time.perf_counter() - start

    keys = ["group", "model", "period", "term"] if "period" in team.columns else ["group", "model", "term"]
    merged = team.merge(person, on=keys, suffixes=("", "_person"))
    coefs = merged[(merged["term"] != "intercept") & merged["published"]].copy()
    coefs["stars_t"] = coefs["p_t"].map(stars)

    headline = coefs[coefs["group"].isin(["samlet", "moduler"])]
    rows = []
    for r in headline.itertuples():
        what = " ".join(str(getattr(r, k)) for k in keys if k not in ("group", "term") or getattr(r, k) != "coef")
        rows.append({"estimate": what, "b": f"{r.estimate:.3f}",
                     "person p": _fmt_p(r.p_person), "person 95% CI": f"{r.ci_low_person:.3f} to {r.ci_high_person:.3f}",
                     "team-t p": _fmt_p(r.p_t), "team-t 95% CI": f"{r.ci_low_t:.3f} to {r.ci_high_t:.3f}",
                     "wild p": _fmt_p(r.p), "wild 95% CI": f"{r.ci_low:.3f} to {r.ci_high:.3f}",
                     "teams": int(r.clusters),
                     "stars person/team-t/wild": f"{r.stars_person or '-'} / {r.stars_t or '-'} / {r.stars or '-'}"})
    table = pd.DataFrame(rows)

    tested = coefs[coefs["method"] != "none"]
    changes = pd.DataFrame({"person -> team-t": star_changes(tested["stars_person"], tested["stars_t"]),
                            "person -> wild (the book)": star_changes(tested["stars_person"], tested["stars"])})
    headline_tested = headline[headline["method"] != "none"]
    headline_changes = pd.DataFrame({
        "person -> team-t": star_changes(headline_tested["stars_person"], headline_tested["stars_t"]),
        "person -> wild (the book)": star_changes(headline_tested["stars_person"], headline_tested["stars"])})

    print(f"edition {edition.name}: {md.panel['pnr'].nunique()} persons, "
          f"{md.completers['hold'].nunique()} teams among completers")
    print(f"models fitted in {t_person:.1f} s clustered by person, {t_team:.1f} s by team with the wild bootstrap "
          f"({BOOT_REPS} draws for p, {INTERVAL_REPS} per step of the interval's inversion)")
    print("\nheadline estimates:")
    print(table.to_markdown(index=False) if args.markdown else table.to_string(index=False))
    for title, frame in (("stars of the headline estimates", headline_changes),
                         (f"stars of every published coefficient ({len(tested)} tested, "
                          f"{int((coefs['method'] == 'none').sum())} untested: fewer than 2 teams)", changes)):
        print(f"\n{title}:")
        print(frame.to_markdown() if args.markdown else frame.to_string())
    few = tested.groupby("clusters")["group"].nunique().sort_index()
    print("\ngroups by number of teams (clusters) in their coefficient models:")
    print(", ".join(f"{int(g)} teams: {n}" for g, n in few.items()))


if __name__ == "__main__":
    main()
