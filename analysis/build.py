"""The build driver. For now it validates the data and computes the register results;
the book chapters (papermill + Jupyter Book) are the next stage."""
from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from .cohort import per_team
from .disclosure import check_counts
from .editions import REPO, Edition
from .register import build_panel, excluded_weeks, load_extract, say
from .results import register_results, reproduction
from .scoring import load_mapping


def published_key_map(teams: pd.DataFrame) -> dict[str, str]:
    """Published refs that name teams by position or number -> our result keys."""
    out = {}
    for pos, team in enumerate(teams["hold"], start=1):
        for what in ("enrolled", "register"):
            out[f"bilag1.{what}.pos{pos:02d}"] = f"bilag1.{what}.{team}"
        number = team.split()[-1]
        out[f"tabel1.last_week.hold_{number}"] = f"tabel1.last_week.{team}"
    for period in ("inden", "efter"):   # Over 55 is printed on p. 51 and in Bilag 14
        for term in ("intercept", "coef"):
            out[f"model.alder_over55_p51.{period}.{term}"] = f"model.alder_over55.{period}.{term}"
    return out


def build(edition: Edition, data: Path | None = None, force: bool = False) -> int:
    start = time.perf_counter()
    data = Path(data) if data else edition.data_dir
    out = REPO / "_build" / edition.name
    out.mkdir(parents=True, exist_ok=True)
    mapping = load_mapping()
    say(f"edition {edition.name}: validating {data}")
    extract = load_extract(data, edition, mapping)
    panel = build_panel(extract, mapping)
    say(f"panel: {len(panel):,} person-weeks of {panel['pnr'].nunique()} persons")
    results, models = register_results(extract, panel, edition.inference, edition.min_cell)
    quality = extract.quality.copy()
    quality["persons"] = quality["persons"].where(~quality["persons"].between(1, edition.min_cell - 1), "x")
    weeks = excluded_weeks(panel, mapping)
    weeks = weeks[weeks["persons"] >= edition.min_cell]
    check_counts(quality[["persons"]].replace("x", None), edition.min_cell, "data-quality log")
    results.to_csv(out / "results.csv", index=False)
    published = pd.read_csv(edition.published, dtype={"seed": str})
    teams = per_team(extract.registrations)
    repro = reproduction(results, published, published_key_map(teams))
    repro.to_csv(out / "reproduction.csv", index=False)
    quality.to_csv(out / "data-quality.csv", index=False)
    weeks.to_csv(out / "excluded-weeks.csv", index=False)
    compared = repro[repro["ok"] != "suppressed"]
    n_ok = int((compared["ok"] == True).sum())  # noqa: E712
    say(f"wrote {out}/results.csv ({len(results)} numbers) and reproduction.csv: "
        f"{n_ok}/{len(compared)} published numbers reproduced within tolerance, "
        f"{len(repro) - len(compared)} suppressed by the minimum cell size {edition.min_cell}")
    starred = repro[repro["stars_ok"] != ""]
    say(f"significance stars ({edition.inference} standard errors) agree with the published "
        f"ones for {int(starred['stars_ok'].astype(bool).sum())}/{len(starred)} estimates")
    say(f"done in {time.perf_counter() - start:.1f} s. The book chapters (HTML and PDF) are not "
        "built yet: that is the next stage of the project (issue 3).")
    return 0
