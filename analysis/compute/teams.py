"""The teams (Bilag 1): enrolled and in the register data per team, in order of course
start, with small cells hidden, and the counts of teams the appendix quotes."""
from __future__ import annotations

import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute.results import bilag1_disclosed
from analysis.compute.stage import Microdata
from analysis.register.cohort import per_team
from analysis.weeks import week_label


def publish(md: Microdata, w: BundleWriter) -> None:
    page = "bilag01"
    teams = per_team(md.extract.registrations)
    disclosed = bilag1_disclosed(teams, md.min_cell)
    table = pd.DataFrame({
        "fase": teams["fase"].to_numpy(),
        "start": [week_label(int(s)) for s in teams["start_week"]],
        "enrolled": [int(v) for v in teams["enrolled"]],
        "register": [int(v) for v in teams["register"]],
    }, index=teams["hold"].to_numpy(), dtype=object)
    hidden = pd.DataFrame(False, index=table.index, columns=table.columns)
    hidden[["enrolled", "register"]] = disclosed.suppressed[["enrolled", "register"]].to_numpy()
    persons = table[["enrolled", "register"]].reindex(columns=table.columns)
    w.table("bilag1.teams", table, persons=persons, hidden=hidden)
    w.scalar("n_teams", len(teams), page=page)
    w.scalar("n_teams_pilot", int((teams["fase"] == "pilot").sum()), page=page)
    w.scalar("n_teams_rollout", int((teams["fase"] == "udbredelse").sum()), page=page)
    w.scalar("n_register", int(teams["register"].sum()), page=page, persons=int(teams["register"].sum()))
    w.scalar("n_teams_without", int((teams["start_week"] > md.extract.last_week).sum()), page=page)
