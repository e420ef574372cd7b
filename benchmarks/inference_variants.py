"""Compare the inference variants of the register models (analysis/register/inference.py).

    .venv/bin/python benchmarks/inference_variants.py [--edition final-2025] [--markdown]

Prints, for the headline estimates (all completers: the two-point and weekly models, or the
pilot's level shift and course slope), the p-value and 95 % interval of

* person: clustered by person, normal reference (what the models did before; reproduces
  the stars printed in seed 004),
* team-t: clustered by team, t(G - 1),
* wild: the restricted wild cluster bootstrap by team (Webb weights), interval by test
  inversion: what the book now reports,

and, over every published coefficient of every group, how many stars differ between the
person-clustered variant and the book's (lost, gained, unchanged). Reads the edition's
bundled synthetic extract (or --data); writes nothing.
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from analysis.compute.stage import load_microdata
from analysis.editions import get_edition
from analysis.register.models import run_edition_models


def _fmt_p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", default="final-2025")
    parser.add_argument("--data", default=None)
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args()
    edition = get_edition(args.edition)
    md = load_microdata(edition, args.data)
    start = time.perf_counter()
    team = md.models
    start = time.perf_counter()
    person = run_edition_models(md.panel, edition, "person", md.min_cell)
    iid = run_edition_models(md.panel, edition, "iid", md.min_cell)
    t_other = time.perf_counter() - start

    keys = ["group", "model", "period", "term"] if "period" in team.columns else ["group", "model", "term"]
    merged = team.merge(person, on=keys, suffixes=("", "_person")).merge(
        iid[keys + ["p", "stars"]].rename(columns={"p": "p_iid", "stars": "stars_iid"}), on=keys)
    coefs = merged[(merged["term"] != "intercept") & merged["published"]]

    headline = coefs[coefs["group"].isin(["samlet", "moduler"])]
    rows = []
    for r in headline.itertuples():
        what = " ".join(str(getattr(r, k)) for k in keys if k != "group")
        rows.append({"estimate": what, "b": f"{r.estimate:.3f}",
                     "person p": _fmt_p(r.p_person), "person 95% CI": f"{r.ci_low_person:.3f} to {r.ci_high_person:.3f}",
                     "team-t p": _fmt_p(r.p_t), "team-t 95% CI": f"{r.ci_low_t:.3f} to {r.ci_high_t:.3f}",
                     "wild p": _fmt_p(r.p), "wild 95% CI": f"{r.ci_low:.3f} to {r.ci_high:.3f}",
                     "teams": int(r.clusters), "stars person/wild": f"{r.stars_person or '-'} / {r.stars or '-'}"})
    table = pd.DataFrame(rows)

    tested = coefs[coefs["method"] != "none"]
    levels = {"": 0, "*": 1, "**": 2, "***": 3}
    diff = [levels[w] - levels[p] for p, w in zip(tested["stars_person"], tested["stars"])]
    starred = int((tested["stars_person"] != "").sum())
    counts = {"coefficients compared": len(tested),
              "starred (person-clustered)": starred,
              "lose at least one star": sum(d < 0 for d in diff),
              "lose significance (p < 0.05 -> not)": int(((tested["stars_person"] != "") & (tested["stars"] == "")).sum()),
              "gain at least one star": sum(d > 0 for d in diff),
              "unchanged": sum(d == 0 for d in diff),
              "untested (fewer than 2 teams)": int((coefs["method"] == "none").sum())}
    few = tested.groupby("clusters")["group"].nunique().sort_index()

    print(f"edition {edition.name}: {md.panel['pnr'].nunique()} persons, "
          f"{md.completers['hold'].nunique()} teams among completers")
    print(f"models with the book's inference (team, wild bootstrap) fitted in the compute stage; "
          f"person and iid variants refitted in {t_other:.1f} s")
    print()
    if args.markdown:
        print(table.to_markdown(index=False))
    else:
        print(table.to_string(index=False))
    print()
    for k, v in counts.items():
        print(f"{k:40s} {v}")
    print()
    print("groups by number of teams (clusters) in their coefficient models:")
    print(", ".join(f"{int(g)} teams: {n}" for g, n in few.items()))
    small = tested[tested["clusters"] < 10]
    if len(small):
        print("\ncoefficients with fewer than 10 teams (the bootstrap's resolution is coarse there):")
        cols = keys + ["estimate", "clusters", "p_person", "p_t", "p", "stars_person", "stars"]
        print(small[cols].to_string(index=False))


if __name__ == "__main__":
    main()
