"""The synthetic extract of the pilot-2023 edition (the pilot evaluation of September 2023,
seed 001): `python -m analysis synth --edition pilot-2023` writes data/synthetic/pilot-2023/.

No DREAM data (the edition has no register data). The files:

* `registrations.csv`: the 145 enrolled on the pilot's nine teams (Hold 1, 3-10; Hold 2 was
  cancelled, seed 001 l.128), 123 completed and 22 afmeldt (T1, l.330-333), gender for all
  145 from the enrolment (68 % women, l.248), 71 registered by their municipality with age
  group and visitation category (42 / 15 / 14: 59 / 21 / 20 %, l.203), Køge 17 and Herning 13
  (l.993, l.1037).
* `registration_tool.csv`: the registration tool's data of the 71 (data/reference/
  registration_tool.yml): age in whole years (mean and median 33, 20 to 59, 30-34 år 21 persons
  = 30 %, 20-24 år 15 = 21 %, l.261-265), the status for company internship at visitation (one
  citizen without a status, so the printed 57 % is 40 of 70; l.981) and the self-efficacy
  screening of 25 (l.239).
* `survey_w1.csv` ... `survey_w3.csv`: wave 1 sent to all 145, 60 answer; wave 2 to the 123
  who completed, 59 answer (57 of them the progression questions); wave 3 to the 41 who
  completed on the three teams three months past the course (Hold 1, 3 and 4), 7 answer;
  88 answer at least one (l.157-161, l.188). Answer counts come from the final edition's
  integer programme (analysis.synthetic.survey) with seed 001's convention that a headline
  share is the sum of the separately rounded option shares (../shared/spec/seed000-001.md
  §5.2), the printed mean changes of the progression questions, and the designs below where
  the report prints nothing. Printed numbers no data can give (pilot-2023-errata.csv) are
  not aimed at.

Team sizes and start weeks (those of the pilot-2024 extract, analysis.synthetic.pilot.TEAMS),
municipalities other than Køge and Herning, ages within the printed bands, and the
screening answers are our choice.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.editions import EDITIONS, REPO
from analysis.reference.codebook import PILOT_MESTRING_ITEMS, load_codebook
from analysis.synthetic.pilot import TEAMS as PILOT_TEAMS
from analysis.synthetic.survey import WavePlan, generate_waves

EDITION = EDITIONS["pilot-2023"]
DATA_DIR = EDITION.data_dir
REGISTER_PUBLISHED = EDITION.published
SURVEY_PUBLISHED = EDITION.survey_published
TOOL = REPO / "data" / "reference" / "registration_tool.yml"

# (team, enrolled, afmeldt): 145 enrolled, 22 afmeldt; the first three teams' 41 completers
# are those invited to the three-month survey (l.188: 41 invited, three of nine teams)
TEAM_SIZES = {"Hold 1": (15, 2), "Hold 3": (16, 3), "Hold 4": (17, 2), "Hold 5": (12, 2), "Hold 6": (15, 2),
              "Hold 7": (17, 3), "Hold 8": (20, 3), "Hold 9": (17, 3), "Hold 10": (16, 2)}
THREE_MONTHS_PAST = ("Hold 1", "Hold 3", "Hold 4")
MUNICIPALITIES = {"Køge": 17, "Herning": 13, "Aalborg": 18, "Viborg": 17, "Horsens": 17, "Frederikshavn": 16,
                  "Stevns": 16, "Silkeborg": 16, "Holbæk": 15}
WOMEN = 98                     # 98 / 145 = 67,6 % -> 68 %
REGISTERED = 71
VISITATION = {"Akt. kontanthjælp": 42, "Ressourceforløb": 15, "Akt. udd.hjælp": 14}
# five-year bands of the 71 (20-24 and 30-34 printed, the rest our choice)
AGE_BANDS = {20: 15, 25: 12, 30: 21, 35: 9, 40: 6, 45: 3, 50: 3, 55: 2}
PRAKTIK = {"I virksomhedspraktik ved visitation": 4, "Forventes at starte i virksomhedspraktik under kurset": 23,
           "Forventes ikke i virksomhedspraktik under kurset": 40, "Ikke afklaret": 3}
SCREENED = 25
RESPONDENTS = {1: 60, 2: 59, 3: 7}
UNIQUE = 88
PROGRESSION = ("job_klare", "kompetencer", "muligheder", "ved_hvad", "retning")

# designed shares where seed 001 prints nothing, by question (a count over the printed base
# where the printed mentions must add up: 44 absence reasons of 30, 38 preparation reasons of 28)
DESIGNS = {
    "deltaget_fordi": [47 / 59, 11 / 59, 1 / 59],
    "fravaer_antal": [0.53, 0.33, 0.07, 0.0, 0.0, 0.0, 0.0, 0.0, 0.07],
    "fravaer_aarsag": [13 / 30, 5 / 30, 8 / 30, 3 / 30, 2 / 30, 4 / 30, 0, 2 / 30, 0, 7 / 30],
    "forberedelse_antal": [0.05, 0.03, 0.05, 0.04, 0.05, 0.07, 0.09, 0.11, 0.51],
    "forberedelse_aarsag": [5 / 28, 5 / 28, 3 / 28, 8 / 28, 4 / 28, 7 / 28, 2 / 28, 4 / 28],
    "enhed": [9 / 30, 7 / 30, 14 / 30, 0.0],
    "medkursister": [0.12, 0.30, 0.35, 0.10, 0.05, 0.08],
    # after the course a mean of about 3,30, so that the printed fall of 0,2 at three months
    # is a mean of 7 answers (multiples of 1/7) while the rise of 0,5 holds
    "ved_hvad": {2: [8 / 57, 15 / 57, 24 / 57, 6 / 57, 4 / 57]},
    "retning": {1: [0.0, 0.0, 0.0, 0.45, 0.55], 2: [0.02, 0.02, 0.04, 0.5, 0.42],
                3: [0.0, 0.0, 0.14, 0.43, 0.43]},
}
# seed 001 l.785: 'between 28 and 52 %' neither agree nor disagree over the mestring items;
# which item holds the lowest and which the highest share is our choice
NEUTRAL_ENDS = {"udbytte_problemloesning": "survey.udbytte.w2.neutral.min",
                "udbytte_beslutninger": "survey.udbytte.w2.neutral.max"}


def _published(path: Path) -> dict[str, float]:
    frame = pd.read_csv(path)
    return dict(zip(frame["ref"], frame["value"].astype(float)))


def _errata() -> frozenset[str]:
    return frozenset(pd.read_csv(EDITION.errata)["ref"]) if EDITION.errata else frozenset()


def _pnr(rng: np.random.Generator, n: int) -> np.ndarray:
    ids = rng.choice(np.arange(1_000_000, 9_999_999), size=n, replace=False)
    return np.array([f"T{i:07d}" for i in ids])


def _ages(rng: np.random.Generator) -> np.ndarray:
    """71 ages in AGE_BANDS, from 20 to 59, whose mean rounds to 33 and median is 33."""
    for _ in range(10_000):
        ages = np.concatenate([rng.integers(low, low + 5, size=n) for low, n in AGE_BANDS.items()])
        ages[0], ages[-1] = 20, 59
        if np.median(ages) == 33 and round(ages.mean()) == 33 and ages.min() == 20 and ages.max() == 59:
            return ages
    raise AssertionError("no ages with mean and median 33 in the bands")


def _age_group(age: int) -> str:
    return ("Under 25 år" if age < 25 else "25-35 år" if age <= 35 else "36-45 år" if age <= 45
            else "46-55 år" if age <= 55 else "Over 55 år")


def registrations_and_tool(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The enrolled (registrations.csv) and the registration tool's rows (registration_tool.csv)."""
    starts = {team: start for team, start, *_ in PILOT_TEAMS}
    rows = []
    for team, (size, afmeldt) in TEAM_SIZES.items():
        status = ["afmeldt"] * afmeldt + ["gennemført"] * (size - afmeldt)
        rows += [{"hold": team, "kursusstart": starts[team], "status": s} for s in rng.permutation(status)]
    reg = pd.DataFrame(rows)
    n = len(reg)
    reg.insert(0, "pnr", _pnr(rng, n))
    reg["kommune"] = rng.permutation(np.repeat(list(MUNICIPALITIES), list(MUNICIPALITIES.values())))
    reg["fase"] = "pilot"
    reg["samtykke"] = np.where(rng.random(n) < 0.4, "ja", "nej")
    reg["koen"] = rng.permutation(["kvinde"] * WOMEN + ["mand"] * (n - WOMEN))
    registered = np.zeros(n, dtype=bool)
    registered[rng.choice(n, REGISTERED, replace=False)] = True
    reg["registreret"] = np.where(registered, "ja", "nej")
    ages = np.sort(_ages(rng))
    # Herning's offer was mainly for the young (l.1037): its registered get the youngest ages
    order = np.flatnonzero(registered)
    order = order[np.argsort(~reg.loc[order, "kommune"].eq("Herning").to_numpy(), kind="stable")]
    age = pd.Series(pd.NA, index=reg.index, dtype="Int64")
    age[order] = ages[:len(order)]
    # the young are mostly on uddannelseshjælp (under 30 years), the rest at random
    visit = pd.Series("", index=reg.index, dtype=object)
    by_age = order[np.argsort(age[order].to_numpy(), kind="stable")]
    visit[by_age[:VISITATION["Akt. udd.hjælp"]]] = "Akt. udd.hjælp"
    rest = rng.permutation(by_age[VISITATION["Akt. udd.hjælp"]:])
    visit[rest[:VISITATION["Akt. kontanthjælp"]]] = "Akt. kontanthjælp"
    visit[rest[VISITATION["Akt. kontanthjælp"]:]] = "Ressourceforløb"
    reg["aldersgruppe"] = [(_age_group(int(a)) if r else "") for a, r in zip(age.fillna(0), registered)]
    reg["visitationskategori"] = visit
    reg = reg[["pnr", "hold", "kommune", "fase", "kursusstart", "status", "samtykke", "registreret", "koen",
               "aldersgruppe", "visitationskategori"]]

    tool = pd.DataFrame({"pnr": reg.loc[order, "pnr"].to_numpy(), "alder": age[order].astype(int).to_numpy()})
    status = np.repeat(list(PRAKTIK), list(PRAKTIK.values()))
    tool["praktik_status"] = rng.permutation(np.r_[status, [""] * (len(tool) - len(status))])
    items = yaml.safe_load(TOOL.read_text(encoding="utf-8"))["screening"]
    screened = rng.choice(len(tool), SCREENED, replace=False)
    level = rng.normal(3.6, 1.3, SCREENED)         # 'scorer generelt lavt' (l.231): low self-efficacy
    for item in items:
        column = np.full(len(tool), "", dtype=object)
        column[screened] = [str(int(v)) for v in np.clip(np.round(level + rng.normal(0, 1.2, SCREENED)), 1, 10)]
        tool[item] = column
    tool = tool.sample(frac=1, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    return reg, tool


def choose_respondents(reg: pd.DataFrame, rng: np.random.Generator) -> tuple[dict[int, pd.DataFrame], dict[int, set]]:
    """(invited, respondents) per wave: wave 3's seven are wave 2 respondents on the teams three
    months past the course, 31 answer both of the first two waves, so 60 + 59 - 31 = 88 answer
    at least one; who answers leans on a persistent engagement trait."""
    completed = reg[reg["status"].eq("gennemført")]
    invited = {1: reg, 2: completed, 3: completed[completed["hold"].isin(THREE_MONTHS_PAST)]}
    engagement = pd.Series(rng.normal(0, 1, len(reg)), index=reg["pnr"].to_numpy())

    def draw(pool: pd.Index, k: int) -> list[str]:
        weights = np.exp(engagement[pool].to_numpy())
        return list(rng.choice(pool, size=k, replace=False, p=weights / weights.sum()))

    late = pd.Index(invited[3]["pnr"])
    w3 = draw(late, RESPONDENTS[3])
    w2 = w3 + draw(pd.Index(completed["pnr"]).difference(w3), RESPONDENTS[2] - RESPONDENTS[3])
    both = RESPONDENTS[1] + RESPONDENTS[2] - UNIQUE
    w1 = draw(pd.Index(w2), both) + draw(pd.Index(reg["pnr"]).difference(w2), RESPONDENTS[1] - both)
    return invited, {1: set(w1), 2: set(w2), 3: set(w3)}


def wave_plan(invited: dict, chosen: dict) -> WavePlan:
    """The pilot's survey design for analysis.synthetic.survey.generate_waves."""
    pub = _published(SURVEY_PUBLISHED)
    answering = {(q, 2): int(pub["survey.progression.n.w2"]) for q in PROGRESSION}
    answering[("enhed", 2)] = int(pub["survey.enhed.w2.n"])
    answering[("medkursister", 2)] = int(pub["survey.medkursister.w2.substantive.n"]
                                         + pub["survey.medkursister.w2.6.count"])
    answering[("forberedelse_aarsag", 2)] = int(pub["survey.forberedelse_aarsag.w2.n"])
    changes = {}
    for ref, value in pub.items():
        if ".mean_change.w" in ref:
            qid, wave = ref.split(".")[1], int(ref[-1])
            changes[(qid, wave)] = value
    designs = dict(DESIGNS)
    # the mestring items' neutral shares: the printed ends on two items, the others between
    low, high = pub["survey.udbytte.w2.neutral.min"], pub["survey.udbytte.w2.neutral.max"]
    for item in PILOT_MESTRING_ITEMS:
        agree = pub[f"survey.{item}.w2.1+2.pct"] / 100
        neutral = {"survey.udbytte.w2.neutral.min": low, "survey.udbytte.w2.neutral.max": high}.get(
            NEUTRAL_ENDS.get(item, ""), (low + high) / 2) / 100
        other = max(1 - agree - neutral, 0.0)
        designs[item] = [agree * 0.3, agree * 0.7, neutral, other * 0.6, other * 0.3, other * 0.1]
    return WavePlan(invited=invited, chosen=chosen, answering=answering, designs=designs, floors=(0,),
                    parts=True, mean_changes=changes, errata=_errata())


def neutral_targets(path: Path) -> pd.DataFrame:
    """The survey reference data with the two printed ends of the mestring items' neutral
    shares as targets of the items NEUTRAL_ENDS names (a file for the generator only)."""
    frame = pd.read_csv(path)
    pub = dict(zip(frame["ref"], frame["value"]))
    extra = pd.DataFrame([{"ref": f"survey.{item}.w2.3.pct", "value": pub[ref]} for item, ref in NEUTRAL_ENDS.items()])
    return pd.concat([frame[["ref", "value"]], extra], ignore_index=True)


def generate(out: Path = DATA_DIR, seed: int = 2023) -> dict:
    """Write the synthetic pilot-2023 extract to `out` (same seed, same bytes); returns the
    survey counts solved for, by (question, wave)."""
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    reg, tool = registrations_and_tool(rng)
    reg.to_csv(out / "registrations.csv", index=False, lineterminator="\n")
    tool.to_csv(out / "registration_tool.csv", index=False, lineterminator="\n")
    invited, chosen = choose_respondents(reg, rng)
    targets = out / ".targets.csv"
    neutral_targets(SURVEY_PUBLISHED).to_csv(targets, index=False)
    try:
        summary = generate_waves(reg, out, seed, EDITION.last_week, codebook=load_codebook(EDITION.codebook),
                                 published=targets, plan=wave_plan(invited, chosen))
    finally:
        targets.unlink()
    info = {
        "synthetic": True,
        "description": ("Synthetic extract calibrated to Deloitte's pilot evaluation of Tættere På Job "
                        "(September 2023); registrations, registration tool and surveys, no register data."),
        "generator": "python -m analysis synth --edition pilot-2023",
        "seed": seed,
        "edition": "pilot-2023",
        "calibrated_to": [str(p.relative_to(REPO)) for p in (REGISTER_PUBLISHED, SURVEY_PUBLISHED)],
        "course_weeks": EDITION.course_weeks,
    }
    (out / "extract.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return summary
