"""Deterministic synthetic extract calibrated to the published final evaluation (seed 004).

`generate(out, seed)` writes `registrations.csv`, `dream.csv` (DREAM layout: PNR, y_YYWW,
branche_YYYY_MM) and `extract.json` into `out`. Every calibration target is read from
data/reference/published/ (never typed here); what the seed does not print is a documented
design choice below. The same seed gives byte-identical files.

How it works:
1. The cohort: 524 enrolled in the 33 teams of Bilag 1, split into the register sample
   (Bilag 1 per team, Tabel 3 composition), registered citizens outside the sample and
   citizens the municipality never registered (Tabel 3 and Tabel 4 margins).
2. Scores of the completers at the four time points of Tabel 6: the column counts are
   dealt out exactly, then values are swapped between persons until every subgroup's
   mean hits the endpoint means of the models in seed004-part2 §2.8.
3. Weekly paths between those anchors: each change of score happens in a week chosen by a
   local search so that the weekly models of Figur 2 come as close as possible.
4. Each week's score is written as a real DREAM code consistent with it (see CODES).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.register.cohort import AGE_KEYS as AGE_LABEL_KEYS, VISITATION_KEYS
from analysis.readers.contracts import AGE_GROUPS
from analysis.editions import EDITIONS, REPO
from analysis.register.models import GROUPS
from analysis.weeks import month_column, month_of_week, parse_week_label, week_column, week_label

EDITION = EDITIONS["final-2025"]

# Data window of the DREAM extract: seed 004 L652 and part 2 §2 ("uge 10/2022 til uge 14/2025").
DATA_FIRST = "2022-W10"
DATA_LAST = "2025-W14"

# Team labels in Bilag 1 order. The seed prints no header row for Bilag 1: the pilot teams
# are labelled by us, rollout positions 25-33 are Hold 18..29 (Tabel 1; 19, 21, 25 were
# cancelled), and positions 10-24 are numbered back from Hold 17 (seed004-part2 §6).
PILOT_TEAMS = [f"Pilothold {i}" for i in range(1, 10)]
ROLLOUT_TEAMS = [f"Hold {i}" for i in range(3, 18)] + [f"Hold {i}" for i in (18, 20, 22, 23, 24, 26, 27, 28, 29)]
NO_POST_DATA_TEAM = "Hold 29"

# Start weeks of teams not fixed by Tabel 1 (our choice: the pilot from autumn 2022, the
# rollout from late summer 2023 until Hold 18). Tabel 1 teams get theirs from the table.
PILOT_STARTS = ["2022-W37", "2022-W41", "2022-W45", "2023-W02", "2023-W06", "2023-W10",
                "2023-W15", "2023-W19", "2023-W23"]
ROLLOUT_EARLY_STARTS = ["2023-W35", "2023-W38", "2023-W41", "2023-W44", "2023-W47", "2024-W02",
                        "2024-W05", "2024-W08", "2024-W11", "2024-W15", "2024-W18", "2024-W21",
                        "2024-W24", "2024-W33", "2024-W37"]
NO_POST_DATA_START = "2025-W16"

# Design choices for what the seed does not print (all margins below add up to Tabel 3/4):
PILOT_SAMPLE_COMPLETED = 44          # of the 50 pilot persons in the register sample
REGISTERED_OUTSIDE = {"pilot": 25, "udbredelse": 25}   # registered, not in the sample
REGISTERED_OUTSIDE_COMPLETED = {"pilot": 18, "udbredelse": 14}
ROLLOUT_COMPLETED_NO_CONSENT = 5     # so 329 - 5 = 324 completers get the later surveys (Tabel 2)
NO_DREAM_ROW = {"pilot": ("gennemført", 1), "udbredelse": ("afmeldt", 1)}

MUNICIPALITIES_PILOT = ["Køge", "Herning", "Aalborg", "Frederikshavn", "Viborg", "Stevns",
                        "Holbæk", "Horsens", "Silkeborg"]
MUNICIPALITIES_ROLLOUT = ["Aarhus", "Odense", "Esbjerg", "Randers", "Kolding", "Vejle", "Roskilde",
                          "Næstved", "Slagelse", "Hjørring", "Holstebro", "Skive", "Svendborg",
                          "Sønderborg", "Aabenraa", "Haderslev", "Guldborgsund", "Lolland", "Faxe",
                          "Ringsted", "Kalundborg", "Thisted", "Brønderslev", "Ikast-Brande",
                          "Favrskov"]

TIME_POINTS = EDITION.time_points            # w-26, w0, w8, w26
NA = -1                                      # an excluded week (Tabel 6 "NA")
WEEKS = np.arange(-EDITION.weeks_before, EDITION.weeks_after + 1)

AGE_KEYS = list(AGE_LABEL_KEYS.values())   # under25, 25_35, ... as in the published refs
SCORE_ROWS = [str(s) for s in range(10, -1, -1)] + ["na"]


def load_published(path: Path = EDITION.published) -> dict[str, float]:
    table = pd.read_csv(path, dtype={"ref": str})
    return dict(zip(table["ref"], table["value"].astype(float)))


def _int(pub: dict[str, float], ref: str) -> int:
    return int(round(pub[ref]))


def _labels(counts: dict[str, int], rng: np.random.Generator) -> np.ndarray:
    out = np.array([label for label, n in counts.items() for _ in range(n)], dtype=object)
    rng.shuffle(out)
    return out


# ---------------------------------------------------------------- 1. the cohort

def team_table(pub: dict[str, float]) -> pd.DataFrame:
    last = parse_week_label(DATA_LAST)
    rows = []
    for pos, label in enumerate(PILOT_TEAMS + ROLLOUT_TEAMS, start=1):
        phase = "pilot" if pos <= len(PILOT_TEAMS) else "udbredelse"
        number = label.split()[-1]
        if phase == "pilot":
            start = parse_week_label(PILOT_STARTS[pos - 1])
        elif label == NO_POST_DATA_TEAM:
            start = parse_week_label(NO_POST_DATA_START)
        elif f"tabel1.last_week.hold_{number}" in pub:
            start = last - _int(pub, f"tabel1.last_week.hold_{number}") + 1
        else:
            start = parse_week_label(ROLLOUT_EARLY_STARTS[pos - len(PILOT_TEAMS) - 1])
        rows.append({"hold": label, "fase": phase, "start_week": start,
                     "enrolled": _int(pub, f"bilag1.enrolled.pos{pos:02d}"),
                     "register": _int(pub, f"bilag1.register.pos{pos:02d}")})
    teams = pd.DataFrame(rows)
    teams["last_rel"] = last - teams["start_week"] + 1
    return teams


def plan_cohort(pub: dict[str, float], rng: np.random.Generator) -> pd.DataFrame:
    """Every enrolled citizen with team, phase, status, consent, registration and background."""
    teams = team_table(pub)
    # sample slots per team; completion status in the sample (Tabel 6 n's fix the late teams)
    sample = teams.loc[teams.index.repeat(teams["register"]), ["hold", "fase", "start_week", "last_rel"]]
    sample = sample.reset_index(drop=True)
    n_completed = _int(pub, "tabel3.sample.completed.count")
    tp = TIME_POINTS
    completers_at = {k: _int(pub, f"tabel6.n_with_data.{k}") for k in tp}
    status = np.full(len(sample), "", dtype=object)
    pilot = sample["fase"].eq("pilot").to_numpy()
    rel = sample["last_rel"].to_numpy()
    pools = [  # (rows, number of completers among them)
        (pilot, PILOT_SAMPLE_COMPLETED),
        (~pilot & (rel < tp["w8"]), completers_at["w-26"] - completers_at["w8"]),
        (~pilot & (rel >= tp["w8"]) & (rel < tp["w26"]), completers_at["w8"] - completers_at["w26"]),
    ]
    pools.append((~pilot & (rel >= tp["w26"]), n_completed - sum(n for _, n in pools)))
    for rows, n in pools:
        idx = np.flatnonzero(rows)
        chosen = rng.choice(idx, size=n, replace=False)
        status[idx] = "afmeldt"
        status[chosen] = "gennemført"
    sample["status"] = status

    # background of the sample: Tabel 3 margins; the three "Andet" are completers of the
    # team whose data end at week 10 (seed 004 L2384-2393: data to week 10 after start)
    def margins(col: str) -> dict:
        return {
            "koen": {"mand": _int(pub, f"tabel3.{col}.mand.count"),
                     "kvinde": _int(pub, f"tabel3.{col}.kvinde.count")},
            "aldersgruppe": {label: _int(pub, f"tabel3.{col}.alder_{key}.count")
                             for label, key in zip(AGE_GROUPS, AGE_KEYS)},
            "visitationskategori": {label: _int(pub, f"tabel3.{col}.visitation_{key}.count")
                                    for label, key in VISITATION_KEYS.items()},
        }
    sample_margins, registered_margins = margins("sample"), margins("registered")
    for column in ("koen", "aldersgruppe"):
        sample[column] = _labels(sample_margins[column], rng)
    visit = dict(sample_margins["visitationskategori"])
    andet_rows = rng.choice(np.flatnonzero((status == "gennemført") & (rel == 10)),
                            size=visit.pop("Andet"), replace=False)
    sample["visitationskategori"] = ""
    sample.loc[andet_rows, "visitationskategori"] = "Andet"
    rest = sample.index[sample["visitationskategori"].eq("")]
    sample.loc[rest, "visitationskategori"] = _labels(visit, rng)
    sample["registreret"], sample["samtykke"], sample["role"] = "ja", "ja", "sample"

    # everybody else, team by team
    others = []
    for _, team in teams.iterrows():
        for _ in range(team["enrolled"] - team["register"]):
            others.append({"hold": team["hold"], "fase": team["fase"], "start_week": team["start_week"],
                           "last_rel": team["last_rel"]})
    others = pd.DataFrame(others)
    others["role"] = "unregistered"
    for phase in ("pilot", "udbredelse"):
        idx = others.index[others["fase"].eq(phase)]
        if phase == "udbredelse":
            fixed = others.index[others["hold"].eq(NO_POST_DATA_TEAM)]
            others.loc[fixed, "role"] = "registered"
            idx = idx.difference(fixed)
            n = REGISTERED_OUTSIDE[phase] - len(fixed)
        else:
            n = REGISTERED_OUTSIDE[phase]
        others.loc[rng.choice(idx, size=n, replace=False), "role"] = "registered"
    others["status"] = ""
    for phase in ("pilot", "udbredelse"):
        total_completed = _int(pub, f"tabel4.{phase}.completed.count")
        in_sample = int(((sample["fase"] == phase) & (sample["status"] == "gennemført")).sum())
        for role, n in (("registered", REGISTERED_OUTSIDE_COMPLETED[phase]),
                        ("unregistered", total_completed - in_sample - REGISTERED_OUTSIDE_COMPLETED[phase])):
            idx = others.index[others["fase"].eq(phase) & others["role"].eq(role)]
            others.loc[idx, "status"] = "afmeldt"
            if role == "registered" and phase == "udbredelse":
                # Hold 29's registered citizens are all but one completers
                team29 = idx[others.loc[idx, "hold"].eq(NO_POST_DATA_TEAM)]
                chosen = list(team29[:-1])
                chosen += list(rng.choice(idx.difference(team29), size=n - len(chosen), replace=False))
            else:
                chosen = rng.choice(idx, size=n, replace=False)
            others.loc[chosen, "status"] = "gennemført"
    registered = others.index[others["role"].eq("registered")]
    others["registreret"] = np.where(others["role"].eq("registered"), "ja", "nej")
    others["samtykke"] = "ja"
    # background of the registered outside the sample = registered margins - sample margins
    for column in ("koen", "aldersgruppe", "visitationskategori"):
        diff = {k: registered_margins[column][k] - sample_margins[column][k]
                for k in registered_margins[column]}
        others[column] = ""
        others.loc[registered, column] = _labels(diff, rng)
    # reasons outside the sample: no consent for all registered but Hold 29 and the
    # no-DREAM-row cases; five rollout completers without consent
    others["role_detail"] = np.where(others["role"].eq("registered"), "no_consent", "not_registered")
    others.loc[others["hold"].eq(NO_POST_DATA_TEAM), "role_detail"] = "no_post_course_data"
    for phase, (st, n) in NO_DREAM_ROW.items():
        idx = others.index[others["fase"].eq(phase) & others["role_detail"].eq("no_consent")
                           & others["status"].eq(st)]
        others.loc[rng.choice(idx, size=n, replace=False), "role_detail"] = "no_dream_row"
    others.loc[others["role_detail"].eq("no_consent"), "samtykke"] = "nej"
    completers_no_consent = others["samtykke"].eq("nej") & others["fase"].eq("udbredelse") & others["status"].eq("gennemført")
    if int(completers_no_consent.sum()) != ROLLOUT_COMPLETED_NO_CONSENT:
        raise AssertionError(f"{int(completers_no_consent.sum())} rollout completers without consent")
    sample["role_detail"] = "sample"

    cohort = pd.concat([sample, others], ignore_index=True)
    cohort["kommune"] = _municipalities(cohort, rng)
    order = rng.permutation(len(cohort))
    cohort = cohort.iloc[order].reset_index(drop=True)
    cohort["pnr"] = [f"S{n:07d}" for n in rng.choice(np.arange(1, 10**7), size=len(cohort), replace=False)]
    cohort["kursusstart"] = [week_label(int(w)) for w in cohort["start_week"]]
    team_order = {t: i for i, t in enumerate(PILOT_TEAMS + ROLLOUT_TEAMS)}
    cohort = cohort.sort_values(["hold"], key=lambda s: s.map(team_order), kind="stable").reset_index(drop=True)
    return cohort


def _municipalities(cohort: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Teams mix municipalities; pilot teams draw on the 9 pilot municipalities only."""
    everyone = MUNICIPALITIES_PILOT + MUNICIPALITIES_ROLLOUT
    weights = np.array([3.0 if m in ("Aalborg", "Frederikshavn", "Stevns", "Viborg", "Køge", "Herning")
                        else 1.0 for m in everyone])
    out = np.empty(len(cohort), dtype=object)
    pilot = cohort["fase"].eq("pilot").to_numpy()
    w_pilot = weights[:len(MUNICIPALITIES_PILOT)] / weights[:len(MUNICIPALITIES_PILOT)].sum()
    out[pilot] = rng.choice(MUNICIPALITIES_PILOT, size=int(pilot.sum()), p=w_pilot)
    out[~pilot] = rng.choice(everyone, size=int((~pilot).sum()), p=weights / weights.sum())
    return out


# ---------------------------------------------------------------- 2. scores at the time points

def model_targets(pub: dict[str, float]) -> dict[str, dict[str, float]]:
    """Mean score per group at weeks -26, 0 and +26 implied by the published models."""
    out = {}
    for group in GROUPS:
        key = f"model.{group.key}"
        if f"{key}.inden.intercept" not in pub:
            continue
        out[group.key] = {
            "w-26": pub[f"{key}.inden.intercept"],
            "w0": pub[f"{key}.efter.intercept"],
            "w26": pub[f"{key}.efter.intercept"] + pub[f"{key}.efter.coef"],
        }
    return out


def _column_values(pub: dict[str, float], tp: str) -> np.ndarray:
    values = []
    for row in SCORE_ROWS:
        n = _int(pub, f"tabel6.count.{tp}.{row}")
        values += [NA if row == "na" else int(row)] * n
    return np.array(values, dtype=np.int64)


@dataclass
class _Partition:
    member: np.ndarray   # group index per person, -1 = no target
    target: np.ndarray   # target mean per group


def _deal(values: np.ndarray, latent: np.ndarray, partitions: list[_Partition],
          rng: np.random.Generator, iterations: int = 200_000, tolerance: float = 0.003) -> np.ndarray:
    """Deal `values` to persons (ordered by latent level) and swap until group means fit."""
    order = np.argsort(-(latent + rng.normal(0, 0.8, len(latent))), kind="stable")
    dealt = np.empty(len(values), dtype=np.int64)
    dealt[order] = np.sort(values)[::-1]
    if not partitions:
        return dealt
    valued = dealt != NA
    sums = [np.bincount(p.member[p.member >= 0], weights=(dealt * valued)[p.member >= 0],
                        minlength=len(p.target)) for p in partitions]
    counts = [np.bincount(p.member[p.member >= 0], weights=valued[p.member >= 0].astype(float),
                          minlength=len(p.target)) for p in partitions]

    def group_error(s, c, t):
        return (s / c - t) ** 2 if c > 0 and not np.isnan(t) else 0.0

    def worst():
        return max(abs(s[g] / c[g] - p.target[g]) for p, s, c in zip(partitions, sums, counts)
                   for g in range(len(p.target)) if c[g] > 0 and not np.isnan(p.target[g]))

    n = len(values)
    for it in range(iterations):
        if it % 2000 == 0 and worst() < tolerance:
            break
        i, j = rng.integers(0, n, size=2)
        vi, vj = int(dealt[i]), int(dealt[j])
        if vi == vj:
            continue
        delta = 0.0
        changes = []
        for k, p in enumerate(partitions):
            gi, gj = p.member[i], p.member[j]
            if gi == gj:
                continue
            for g, old, new in ((gi, vi, vj), (gj, vj, vi)):
                if g < 0:
                    continue
                s, c = sums[k][g], counts[k][g]
                ds = (new if new != NA else 0) - (old if old != NA else 0)
                dc = int(new != NA) - int(old != NA)
                before = group_error(s, c, p.target[g])
                after = group_error(s + ds, c + dc, p.target[g])
                delta += after - before
                changes.append((k, g, ds, dc))
        if delta < 0:
            dealt[i], dealt[j] = vj, vi
            for k, g, ds, dc in changes:
                sums[k][g] += ds
                counts[k][g] += dc
    return dealt


def _adjust_to_mean(values: np.ndarray, target: float, rng: np.random.Generator) -> np.ndarray:
    """Nudge single scores along the scale until the mean of the valued entries is closest to target."""
    values = values.copy()
    valued = np.flatnonzero(values != NA)
    goal = int(round(target * len(valued)))
    steps = {2: 3, 3: 7, 1: 2, 7: 10}   # moves up the scale
    down = {v: k for k, v in steps.items()}
    while True:
        total = int(values[valued].sum())
        if total == goal:
            return values
        move = steps if total < goal else down
        candidates = [i for i in valued if values[i] in move and abs(move[values[i]] - values[i]) <= abs(goal - total)]
        if not candidates:
            return values
        i = rng.choice(candidates)
        values[i] = move[values[i]]


PARTITIONS = (("koen", ["koen_mand", "koen_kvinde"]),
              ("aldersgruppe", [f"alder_{a}" for a in AGE_KEYS]),
              ("visitationskategori", ["visitation_kontant", "visitation_udd", "visitation_ressource",
                                       "visitation_andet"]),
              ("fase", ["fase_pilot", "fase_udbredelse"]))
GROUP_VALUE = {g.key: g.value for g in GROUPS}


def _balance_composition(sample: pd.DataFrame, targets: dict, overall: dict[str, float],
                         rng: np.random.Generator, iterations: int = 30_000) -> None:
    """Swap background values between sample persons (margins stay exact) so that, at every
    time point, the subgroup target means average to the overall mean over the persons
    present then. Without this the late teams' random make-up can make the targets at
    week +26 impossible to meet together."""
    swappable = [(c, keys) for c, keys in PARTITIONS if c != "fase"]
    completers = sample["status"].eq("gennemført").to_numpy()
    present = {tp: completers & (sample["last_rel"].to_numpy() >= TIME_POINTS[tp]) for tp in overall}
    columns = {c: sample[c].to_numpy(dtype=object).copy() for c, _ in swappable}
    target_of = {c: {GROUP_VALUE[k]: targets.get(k, {}) for k in keys} for c, keys in swappable}

    def error(c):
        total = 0.0
        for tp, mask in present.items():
            values = columns[c][mask]
            implied = np.mean([target_of[c][v].get(tp, overall[tp]) for v in values])
            total += (implied - overall[tp]) ** 2
        return total

    current = {c: error(c) for c, _ in swappable}
    movable = {c: np.flatnonzero(columns[c] != "Andet") for c, _ in swappable}
    for _ in range(iterations):
        c, _ = swappable[int(rng.integers(0, len(swappable)))]
        i, j = rng.choice(movable[c], size=2, replace=False)
        if columns[c][i] == columns[c][j]:
            continue
        columns[c][i], columns[c][j] = columns[c][j], columns[c][i]
        proposed = error(c)
        if proposed < current[c]:
            current[c] = proposed
        else:
            columns[c][i], columns[c][j] = columns[c][j], columns[c][i]
    for c, _ in swappable:
        sample[c] = columns[c]


# ---------------------------------------------------------------- 3. weekly paths

def _paths(anchors: np.ndarray, last_rel: np.ndarray, rng: np.random.Generator):
    """Weekly scores from anchors (persons x 4 time points, NA = excluded, None via last_rel).

    Returns the path matrix (persons x WEEKS, NaN where censored) and the list of movable
    switches (person, first week, last week, from, to, chosen week).
    """
    tps = np.array(list(TIME_POINTS.values()))
    n = anchors.shape[0]
    path = np.full((n, len(WEEKS)), np.nan)
    switches = []
    for p in range(n):
        base = anchors[p].astype(float)
        # an excluded anchor takes its neighbour's value for the path; the week itself is NA
        for k in range(len(base)):
            if base[k] == NA:
                nearest = [base[m] for m in sorted(range(len(base)), key=lambda m: abs(m - k)) if base[m] != NA]
                base[k] = nearest[0]
        for k in range(len(tps) - 1):
            t0, t1 = tps[k], tps[k + 1]
            u, v = base[k], base[k + 1]
            i0, i1 = t0 - WEEKS[0], t1 - WEEKS[0]
            if u == v:
                path[p, i0:i1 + 1] = u
            else:
                s = int(rng.integers(t0 + 1, t1 + 1))
                path[p, i0:s - WEEKS[0]] = u
                path[p, s - WEEKS[0]:i1 + 1] = v
                switches.append([p, t0, t1, u, v, s])
        for k, t in enumerate(tps):
            if anchors[p, k] == NA:
                lo = t - int(rng.integers(0, 2))
                hi = t + int(rng.integers(0, 2))
                lo = max(lo, (tps[k - 1] + 1) if k > 0 else WEEKS[0])
                hi = min(hi, (tps[k + 1] - 1) if k + 1 < len(tps) else WEEKS[-1])
                path[p, lo - WEEKS[0]:hi - WEEKS[0] + 1] = NA
        path[p, WEEKS > last_rel[p]] = np.nan
    return path, switches


class _WeeklyFit:
    """Running sums of the two weekly OLS fits (weeks -26..0 and 1..26) for fast updates."""

    def __init__(self, path: np.ndarray):
        self.pre = WEEKS <= 0
        self.sums = {}
        for name, cols in (("pre", self.pre), ("post", ~self.pre)):
            y = path[:, cols]
            w = np.broadcast_to(WEEKS[cols], y.shape)
            ok = ~np.isnan(y) & (y != NA)
            self.sums[name] = np.array([ok.sum(), w[ok].sum(), (w[ok] ** 2).sum(), y[ok].sum(), (w[ok] * y[ok]).sum()],
                                       dtype=float)

    @staticmethod
    def fit(s):
        n, sw, sww, sy, swy = s
        b = (n * swy - sw * sy) / (n * sww - sw ** 2)
        return (sy - b * sw) / n, b

    def estimates(self):
        a0, b0 = self.fit(self.sums["pre"])
        a1, b1 = self.fit(self.sums["post"])
        return {"inden.intercept": a0, "inden.coef": b0, "efter.intercept": a1, "efter.coef": b1}

    def update(self, weeks: np.ndarray, dy: np.ndarray):
        for name, mask in (("pre", weeks <= 0), ("post", weeks > 0)):
            if mask.any():
                self.sums[name][3] += dy[mask].sum()
                self.sums[name][4] += (weeks[mask] * dy[mask]).sum()


def _tune_weekly(path: np.ndarray, switches: list, targets: dict[str, float],
                 rng: np.random.Generator, iterations: int = 60_000) -> dict[str, float]:
    """Move switch weeks so that the weekly fits approach the published Figur 2 estimates."""
    fit = _WeeklyFit(path)
    weight = {"inden.intercept": 1.0, "inden.coef": 100.0, "efter.intercept": 1.0, "efter.coef": 100.0}

    def error(est):
        return sum(weight[k] * (est[k] - targets[k]) ** 2 for k in weight)

    current = error(fit.estimates())
    for _ in range(iterations):
        if not switches:
            break
        sw = switches[int(rng.integers(0, len(switches)))]
        p, t0, t1, u, v, s = sw
        s_new = int(rng.integers(t0 + 1, t1 + 1))
        if s_new == s:
            continue
        lo, hi = min(s, s_new), max(s, s_new)
        cols = np.arange(lo, hi) - WEEKS[0]
        old = path[p, cols].copy()
        new = np.where((old == NA) | np.isnan(old), old, u if s_new > s else v)
        ok = ~np.isnan(old) & (old != NA)
        dy = np.where(ok, new - old, 0.0)
        fit.update(WEEKS[cols], dy)
        proposed = error(fit.estimates())
        if proposed < current:
            path[p, cols] = new
            sw[5] = s_new
            current = proposed
        else:
            fit.update(WEEKS[cols], -dy)
    return fit.estimates()


# ---------------------------------------------------------------- 4. DREAM codes

# Codes per score and visitation family; the first of each list is the usual one.
CODES = {
    "kontant": {1: ["810", "813"], 2: ["730", "731", "733"], 3: ["720", "723"], 7: ["737", "738", "739"],
                8: ["735", "736"]},
    "udd": {1: ["810", "813"], 2: ["730", "731"], 3: ["720", "723", "724"], 7: ["727", "728", "729"],
            8: ["725", "726"]},
    "ressource": {1: ["810", "813", "814"], 2: ["730", "785"], 3: ["720", "723"], 7: ["817", "818"],
                  8: ["815", "816"]},
    "andet": {1: ["810", "813"], 2: ["785", "700", "730"], 3: ["720", "723"], 7: ["737", "738"], 8: ["735"]},
}
COMMON = {0: ["783"], 4: ["760", "763"], 5: ["111", "211"], 6: ["740", "743"], 9: ["771"]}
EMPLOYED = ""          # score 10 as a blank week with employment in the month
SCORE10 = [EMPLOYED, EMPLOYED, EMPLOYED, "651", "521"]
BRANCHE = ["479100", "561010", "812100", "869900", "881000", "494100"]


def _code_for(score: int, family: str, rng: np.random.Generator) -> str:
    if score == 10:
        return SCORE10[int(rng.integers(0, len(SCORE10)))]
    options = CODES[family].get(score) or COMMON[score]
    return options[0] if rng.random() < 0.7 else options[int(rng.integers(0, len(options)))]


def realise_codes(states: np.ndarray, family: np.ndarray, first: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Codes (persons x weeks) and branche values (persons x months) for weekly states."""
    n, n_weeks = states.shape
    months = sorted({month_of_week(first + j) for j in range(n_weeks)})
    month_idx = np.array([months.index(month_of_week(first + j)) for j in range(n_weeks)])
    codes = np.full((n, n_weeks), "", dtype=object)
    for p in range(n):
        current, code = None, ""
        for j in range(n_weeks):
            state = int(states[p, j])
            if state != current:
                current = state
                code = "" if state == NA else _code_for(state, family[p], rng)
            codes[p, j] = code
    employed_blank = (codes == EMPLOYED) & (states == 10)
    branche = np.full((n, len(months)), "", dtype=object)
    for p in range(n):
        employed_months = np.unique(month_idx[employed_blank[p]])
        if len(employed_months):
            branche[p, employed_months] = BRANCHE[int(rng.integers(0, len(BRANCHE)))]
        # a blank excluded week must not fall in a month with employment: code it as barsel
        clash = (states[p] == NA) & np.isin(month_idx, employed_months)
        codes[p, clash] = "881"
    return codes, branche, months


# ---------------------------------------------------------------- putting it together

def generate(out: Path, seed: int = 2025, published: Path = EDITION.published) -> dict:
    """Write the synthetic extract to `out`; return the calibration figures of the weekly fit."""
    rng = np.random.default_rng(seed)
    pub = load_published(published)
    cohort = plan_cohort(pub, rng)
    targets = model_targets(pub)
    overall = {tp: pub[f"tabel6.mean.{tp}"] for tp in ("w-26", "w0", "w26")}
    in_sample = cohort["role"].eq("sample")
    sample = cohort[in_sample].reset_index(drop=True)
    _balance_composition(sample, targets, overall, rng)
    for column in ("koen", "aldersgruppe", "visitationskategori"):
        cohort.loc[in_sample, column] = sample[column].to_numpy()
    latent = rng.normal(0, 1, len(sample))
    tps = list(TIME_POINTS)

    anchors = np.full((len(sample), len(tps)), NA, dtype=np.int64)
    present = np.array([[sample.loc[p, "last_rel"] >= TIME_POINTS[tp] for tp in tps] for p in range(len(sample))])
    completers = sample["status"].eq("gennemført").to_numpy()
    for k, tp in enumerate(tps):
        rows = np.flatnonzero(completers & present[:, k])
        partitions = []
        if tp != "w8":
            for column, keys in PARTITIONS:
                labels = [GROUP_VALUE[key] for key in keys]
                member = np.array([labels.index(v) for v in sample.loc[rows, column]])
                target = np.array([targets.get(key, {}).get(tp, np.nan) for key in keys])
                partitions.append(_Partition(member, target))
        values = _column_values(pub, tp)
        if len(values) != len(rows):
            raise AssertionError(f"{tp}: {len(values)} Tabel 6 values for {len(rows)} completers with data")
        anchors[rows, k] = _deal(values, latent[rows], partitions, rng)
    # the afmeldte: the completers' distribution at each time point, nudged to their means
    dropped = np.flatnonzero(~completers)
    for k, tp in enumerate(tps):
        rows = dropped[present[dropped, k]]
        pool = _column_values(pub, tp)
        pool = pool[pool != NA]
        drawn = np.sort(rng.choice(pool, size=len(rows), replace=True))[::-1]
        dealt = np.empty(len(rows), dtype=np.int64)
        dealt[np.argsort(-(latent[rows] + rng.normal(0, 0.8, len(rows))), kind="stable")] = drawn
        if tp in targets["afmeldte"]:
            dealt = _adjust_to_mean(dealt, targets["afmeldte"][tp], rng)
        anchors[rows, k] = dealt

    last_rel = sample["last_rel"].to_numpy()
    path, switches = _paths(anchors, last_rel, rng)
    weekly_targets = {k: pub[f"weekly.{k}"] for k in ("inden.intercept", "inden.coef", "efter.intercept", "efter.coef")}
    comp_rows = np.flatnonzero(completers)
    comp_switches = [s for s in switches if completers[s[0]]]
    remap = {p: i for i, p in enumerate(comp_rows)}
    sub = path[comp_rows]
    local = [[remap[s[0]]] + s[1:] for s in comp_switches]
    reached = _tune_weekly(sub, local, weekly_targets, rng)
    path[comp_rows] = sub

    # calendar weeks of the whole extract for everybody with a DREAM row
    first, last = parse_week_label(DATA_FIRST), parse_week_label(DATA_LAST)
    in_dream = cohort["role_detail"].isin(["sample", "no_post_course_data"])
    dream_people = cohort[in_dream].reset_index(drop=True)
    sample_pos = {pnr: i for i, pnr in enumerate(sample["pnr"])}
    states = np.zeros((len(dream_people), last - first + 1), dtype=np.int64)
    for i, person in dream_people.iterrows():
        offset = person["start_week"] - 1  # calendar week of relative week 0
        if person["pnr"] in sample_pos:
            p = sample_pos[person["pnr"]]
            row = path[p]
            known = ~np.isnan(row)
            rel_weeks = WEEKS[known]
            values = row[known].astype(np.int64)
            before = values[0] if values[0] != NA else 2
            after = values[-1] if values[-1] != NA else 2
        else:
            rel_weeks, values = np.array([], dtype=int), np.array([], dtype=np.int64)
            before = after = int(rng.choice([1, 2, 2, 3]))
        calendar = np.arange(first, last + 1)
        rel = calendar - offset
        states[i] = np.where(rel < WEEKS[0], before, after)
        if len(rel_weeks):
            lookup = dict(zip(rel_weeks.tolist(), values.tolist()))
            for j, r in enumerate(rel):
                if r in lookup:
                    states[i, j] = lookup[r]
    family = dream_people["visitationskategori"].map(VISITATION_KEYS).fillna("kontant").to_numpy()
    codes, branche, months = realise_codes(states, family, first, rng)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    registrations = cohort[["pnr", "hold", "kommune", "fase", "kursusstart", "status", "samtykke",
                            "registreret", "koen", "aldersgruppe", "visitationskategori"]]
    registrations.to_csv(out / "registrations.csv", index=False, lineterminator="\n")
    dream = pd.DataFrame(codes, columns=[week_column(w) for w in range(first, last + 1)])
    dream.insert(0, "PNR", dream_people["pnr"].to_numpy())
    branche_frame = pd.DataFrame(branche, columns=[month_column(*m) for m in months])
    dream = pd.concat([dream, branche_frame], axis=1)
    order = rng.permutation(len(dream))
    dream.iloc[order].to_csv(out / "dream.csv", index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    # the survey waves use their own random stream, so the register files do not depend on them
    from analysis.synthetic.survey import PUBLISHED as SURVEY_PUBLISHED, generate_waves
    generate_waves(registrations, out, seed, last_week=DATA_LAST)
    manifest = {
        "synthetic": True,
        "description": "Synthetic extract calibrated to Deloitte's final evaluation of Tættere På Job "
                       "(2025); not register data.",
        "generator": "python -m analysis synth",
        "seed": seed,
        "calibrated_to": str(Path(published).resolve().relative_to(REPO)),
        "survey_calibrated_to": str(SURVEY_PUBLISHED.resolve().relative_to(REPO)),
        "data_window": [DATA_FIRST, DATA_LAST],
    }
    # the comparison pool: its own random stream, so the files above do not depend on it
    from analysis.synthetic.pool import generate_pool
    sample_rows = dream_people["role_detail"].eq("sample").to_numpy()
    manifest["pool"] = generate_pool(out, dream_people[sample_rows].reset_index(drop=True),
                                     states[sample_rows], first, seed)
    (out / "extract.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"weekly_fit": reached, "weekly_targets": weekly_targets}
