"""Counts of the enrolled citizens: Tabel 3 (sample vs registered), Tabel 4, Bilag 1."""
from __future__ import annotations

import pandas as pd

from analysis.readers.contracts import AGE_GROUPS, GENDERS, PHASES

AGE_KEYS = dict(zip(AGE_GROUPS, ["under25", "25_35", "36_45", "46_55", "over55"]))
VISITATION_KEYS = {"Akt. kontanthjælp": "kontant", "Akt. udd.hjælp": "udd",
                   "Ressourceforløb": "ressource", "Andet": "andet"}


def _block(frame: pd.DataFrame) -> dict[str, int]:
    out = {"n": len(frame),
           "completed": int(frame["status"].eq("gennemført").sum()),
           "afmeldt": int(frame["status"].eq("afmeldt").sum())}
    for g in GENDERS:
        out[g] = int(frame["koen"].eq(g).sum())
    for label, key in AGE_KEYS.items():
        out[f"alder_{key}"] = int(frame["aldersgruppe"].eq(label).sum())
    for label, key in VISITATION_KEYS.items():
        out[f"visitation_{key}"] = int(frame["visitationskategori"].eq(label).sum())
    return out


def sample_vs_registered(registrations: pd.DataFrame) -> pd.DataFrame:
    """Tabel 3: counts for the register sample and for all citizens with a registration."""
    registered = registrations[registrations["registreret"].eq("ja")]
    sample = registrations[registrations["set_aside"].eq("")]
    return pd.DataFrame({"sample": _block(sample), "registered": _block(registered)})


def completion_by_phase(registrations: pd.DataFrame) -> pd.DataFrame:
    """Tabel 4: teams, enrolled, completed and afmeldt by phase and in total."""
    columns = {}
    for phase in list(PHASES) + ["total"]:
        part = registrations if phase == "total" else registrations[registrations["fase"].eq(phase)]
        columns[phase] = {"hold": part["hold"].nunique(), "enrolled": len(part),
                          "completed": int(part["status"].eq("gennemført").sum()),
                          "afmeldt": int(part["status"].eq("afmeldt").sum())}
    return pd.DataFrame(columns)


def per_team(registrations: pd.DataFrame) -> pd.DataFrame:
    """Bilag 1: enrolled and in the register data per team, in order of course start."""
    reg = registrations.assign(in_sample=registrations["set_aside"].eq(""))
    teams = reg.groupby("hold", sort=False).agg(fase=("fase", "first"), start_week=("start_week", "first"),
                                                enrolled=("pnr", "size"), register=("in_sample", "sum"))
    teams = teams.reset_index().sort_values(["start_week", "hold"], kind="stable")
    return teams.reset_index(drop=True)
