"""The teams (Bilag 1): enrolled and in the register data per team, in order of course
start, with small cells hidden, and the counts of teams the appendix quotes."""
from __future__ import annotations

import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute.results import bilag1_disclosed
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Count
from analysis.compute.definitions import define
from analysis.compute import universes as u
from analysis.register.cohort import per_team
from analysis.weeks import week_label


def publish(md: Microdata, w: BundleWriter) -> None:
    """`bilag1.teams`: the teams in order of course start (their phase and start week; the
    reproduction maps the report's team positions through it) and, for an edition whose
    book has Bilag 1, their enrolled and register counts and the counts the appendix quotes."""
    page = "bilag01"
    teams = per_team(md.extract.registrations)
    if not md.edition.shows("chapters/bilag01"):   # publish no count the book does not show
        order = pd.DataFrame({"fase": teams["fase"].to_numpy(),
                              "start": [week_label(int(s)) for s in teams["start_week"]]},
                             index=teams["hold"].to_numpy(), dtype=object)
        w.table("bilag1.teams", order, kinds="text")
        return
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
    w.universe(u.enrolled(md))
    w.table("bilag1.teams", table, persons=persons, hidden=hidden,
            define=lambda team, column: define(md, f"bilag1.{column}.{team}") if column in ("enrolled", "register")
            else None)
    w.scalar("n_teams", len(teams), page=page, of="teams")
    w.scalar("n_teams_pilot", int((teams["fase"] == "pilot").sum()), page=page, of="teams")
    w.scalar("n_teams_rollout", int((teams["fase"] == "udbredelse").sum()), page=page, of="teams")
    w.scalar("n_register", int(teams["register"].sum()), page=page, persons=int(teams["register"].sum()),
             define=Count(u.enrolled_cell(md, sample=True)))
    w.scalar("n_teams_without", int((teams["start_week"] > md.extract.last_week).sum()), page=page, of="teams")
