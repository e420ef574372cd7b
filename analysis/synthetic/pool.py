"""Synthetic comparison pool: DREAM rows of non-participants (`dream_pool.parquet`).

The layout is `dream.*`'s (PNR, `y_YYWW` weekly codes, `branche_YYYY_MM` months) plus `koen`,
`aldersgruppe` and `kommune` (data/README.md, "dream_pool"). Two kinds of persons:

* **General benefit recipients** (`general_codes`): each person has a home benefit family
  (kontanthjælp, uddannelseshjælp or ressourceforløb, drawn as the participants' families
  are spread) and a latent closeness to work; weeks come in spells (geometric, mean
  `SPELL_WEEKS`) of the family's passive code, an activity code of the family
  (virksomhedspraktik/løntilskud: score 7/8), a blank week with employment (score 10), a blank
  week without (excluded), or another code. A share `dip_share` has a *dip* before a
  pseudo-start: weeks −7..−1 on the family's passive code and, for half of them, weeks
  −20..−9 in virksomhedspraktik, the shape of the participants' pre-course path. A few
  persons die or emigrate (999/997 from a week on). Vectorised, no loop over persons or
  weeks, so it also writes the 1 000 000-person pool of `benchmarks/bench_pool.py`.
* **Twins of the participants** (`twin_states`, bundled pool only): the participants'
  counterfactual. A twin copies a register-sample participant's weekly scores, shifted by
  −2..+2 weeks around the start, with 3 % of its weeks set to the family's passive score;
  after its pseudo-start each week scoring above the family's passive score falls to it
  with probability `r`. `r` is set from the participants' own post-course weeks so
  that the participants' mean score over weeks 1..26 exceeds their twins' by `effect` (the
  *planted effect*); the realised value is computed and written to extract.json.

`simulate_experiment` draws participants and a pool from the general process alone
(participants drawn more often the more their score fell before their team's start, treated
weeks raised by a known effect; `Experiment.participants()` and `write_pool()` give the two
sides): for the simulation tests of the matching (tests/test_effect_matching.py) and of the
estimators.

The bundled pool is written by `python -m analysis synth` (seed 2025, its own random stream,
so the participants' files do not change).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.readers.contracts import AGE_GROUPS, GENDERS
from analysis.weeks import month_column, month_of_week, week_column, week_label

POOL_FILE = "dream_pool.parquet"
SPELL_WEEKS = 10
# The bundled pool: twins per register-sample participant, general persons, planted effect
# (score points, mean over weeks 1..26 after the course start). Twins outnumber general
# persons in every exact cell so that the matched controls are mostly counterfactual twins:
# with 15 twins and 10 000 general persons, general persons whose flat history ties with a
# participant's took many places and the matched difference came out 0.33, not 0.5.
TWINS = 30
GENERAL_PERSONS = 5_000
PLANTED_EFFECT = 0.5
DIP_SHARE = 0.3

# Home benefit families: passive codes (the first is the usual one), virksomhedspraktik
# (score 7) and løntilskud (score 8) codes (../shared/spec/dream.md §2; score_mapping.csv).
FAMILY_KEYS = ("kontanthjælp", "uddannelseshjælp", "ressourceforløb")
FAMILY_SHARE = (0.60, 0.08, 0.32)     # as the bundled participants' families in week 0
PASSIVE = np.array([[730, 731, 733], [720, 723, 724], [810, 813, 814]], dtype=np.int16)
ACTIVITY = np.array([[737, 738, 735, 736], [727, 728, 725, 726], [817, 818, 815, 816]], dtype=np.int16)
PASSIVE_SCORE = {"kontanthjælp": 2, "uddannelseshjælp": 3, "ressourceforløb": 1}
# other codes a spell may take: dagpenge, jobafklaring, ledighedsydelse, fleksjob,
# førtidspension, sygedagpenge (excluded), SU, revalidering
OTHER = np.array([111, 785, 740, 771, 783, 890, 651, 760], dtype=np.int16)
# spell kinds: passive, activity, employed (blank + branche), blank without employment, other
KIND_P = np.array([0.55, 0.12, 0.13, 0.08, 0.12])
P_GONE = 0.003                         # die (999) or emigrate (997) from a week on
BRANCHE = np.array([479100, 561010, 812100, 869900, 881000, 494100, 412000, 841100])
KOMMUNER = ["Aarhus", "Odense", "Aalborg", "Esbjerg", "Randers", "Kolding", "Vejle", "Horsens",
            "Herning", "Silkeborg", "Næstved", "Viborg", "Køge", "Holbæk", "Slagelse", "Hjørring",
            "Frederikshavn", "Svendborg", "Sønderborg", "Holstebro", "Guldborgsund", "Lolland", "Stevns"]


def general_codes(rng: np.random.Generator, n: int, n_weeks: int, pseudo_starts: np.ndarray,
                  dip_share: float = DIP_SHARE) -> dict[str, np.ndarray]:
    """Weekly codes of `n` general benefit recipients over `n_weeks` calendar weeks.

    `pseudo_starts`: column positions a dip person's pseudo-start is drawn from (the course
    start weeks). Returns `codes` (int16, n x n_weeks, 0 = blank), `employed` (bool, same
    shape: the blank week has employment), `family` (int8 index into FAMILY_KEYS), `dip`
    (bool) and `pseudo_start` (column, -1 without a dip). See the module docstring."""
    family = rng.choice(len(FAMILY_KEYS), size=n, p=FAMILY_SHARE).astype(np.int8)
    closeness = rng.normal(0.0, 1.0, n)
    weight = np.tile(KIND_P, (n, 1))
    weight[:, 2] *= np.exp(0.6 * closeness)
    weight /= weight.sum(axis=1, keepdims=True)
    cum = np.cumsum(weight, axis=1)

    new_spell = rng.random((n, n_weeks), dtype=np.float32) < 1.0 / SPELL_WEEKS
    new_spell[:, 0] = True
    spell_start = np.where(new_spell, np.arange(n_weeks, dtype=np.int32), 0).astype(np.int32)
    np.maximum.accumulate(spell_start, axis=1, out=spell_start)
    who = np.nonzero(new_spell)[0]
    kind = (rng.random(len(who))[:, None] > cum[who]).sum(axis=1)
    value = np.select(
        [kind == 0, kind == 1, kind == 4],
        [PASSIVE[family[who], rng.choice(3, size=len(who), p=[0.7, 0.15, 0.15])],
         ACTIVITY[family[who], rng.integers(0, 4, size=len(who))],
         OTHER[rng.integers(0, len(OTHER), size=len(who))]], 0).astype(np.int16)
    state = np.zeros((n, n_weeks), dtype=np.int16)
    state[new_spell] = value
    job = np.zeros((n, n_weeks), dtype=bool)
    job[new_spell] = kind == 2
    del new_spell
    codes = np.take_along_axis(state, spell_start, axis=1)
    employed = np.take_along_axis(job, spell_start, axis=1)
    del state, job, spell_start

    dip = rng.random(n) < dip_share
    start = np.where(dip, rng.choice(pseudo_starts, size=n), -1)
    rel = np.arange(n_weeks)[None, :] - start[:, None]
    fall = dip[:, None] & (rel >= -7) & (rel <= -1)
    codes[fall] = np.broadcast_to(PASSIVE[family, 0][:, None], codes.shape)[fall]
    employed[fall] = False
    active = (dip & (rng.random(n) < 0.5))[:, None] & (rel >= -20) & (rel <= -9)
    codes[active] = np.broadcast_to(ACTIVITY[family, 0][:, None], codes.shape)[active]
    employed[active] = False
    del rel, fall, active

    gone = np.flatnonzero(rng.random(n) < P_GONE)
    from_week = rng.integers(0, n_weeks, size=len(gone))
    gone_code = rng.choice(np.array([999, 997], dtype=np.int16), size=len(gone))
    for p, w, c in zip(gone, from_week, gone_code):
        codes[p, w:] = c
        employed[p, w:] = False
    return {"codes": codes, "employed": employed, "family": family, "dip": dip, "pseudo_start": start}


def calendar(first: int, last: int) -> tuple[list[str], list[str], np.ndarray]:
    """Weekly column names, monthly column names and each week's month position for the
    calendar weeks `first`..`last` (week indices; a week's month is its Thursday's)."""
    weeks = range(first, last + 1)
    months = sorted({month_of_week(w) for w in weeks})
    position = {m: j for j, m in enumerate(months)}
    return ([week_column(w) for w in weeks], [month_column(*m) for m in months],
            np.array([position[month_of_week(w)] for w in weeks]))


def branche_months(rng: np.random.Generator, employed: np.ndarray, week_month: np.ndarray,
                   n_months: int) -> np.ndarray:
    """Industry code (0 = none) per person and month: a month has one when any of its weeks
    is a blank week with employment."""
    present, first_of_month = np.unique(week_month, return_index=True)
    has_job = np.zeros((employed.shape[0], n_months), dtype=bool)
    has_job[:, present] = np.logical_or.reduceat(employed, first_of_month, axis=1)
    industry = BRANCHE[rng.integers(0, len(BRANCHE), size=employed.shape[0])]
    return np.where(has_job, industry[:, None], 0)


def pool_table(pnr: np.ndarray, codes: np.ndarray, week_names: list[str], branche: np.ndarray,
               month_names: list[str], background: pd.DataFrame, typed: bool = False):
    """The pool as an Arrow table in the DREAM layout with `koen`, `aldersgruppe`, `kommune`:
    codes as dictionary-encoded text (null when blank), or with `typed` as SMALLINT codes and
    INTEGER industry codes (null when none), the layout data/README.md recommends at scale."""
    import pyarrow as pa
    from analysis.synthetic.scale import dream_table
    table = dream_table(pnr, codes, week_names, branche, month_names, "csv" if typed else "parquet")
    for column in ("koen", "aldersgruppe", "kommune"):
        table = table.append_column(column, pa.array(background[column].to_numpy(dtype=str)).dictionary_encode())
    return table


def random_background(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """koen, aldersgruppe and kommune of general pool persons."""
    return pd.DataFrame({
        "koen": np.asarray(GENDERS, dtype=object)[rng.choice(2, size=n, p=[0.35, 0.65])],
        "aldersgruppe": np.asarray(AGE_GROUPS, dtype=object)[rng.choice(5, size=n, p=[0.10, 0.42, 0.30, 0.13, 0.05])],
        "kommune": np.asarray(KOMMUNER, dtype=object)[rng.integers(0, len(KOMMUNER), size=n)],
    })


# ---------------------------------------------------------------- twins (bundled pool)

def twin_states(states: np.ndarray, start_col: np.ndarray, home_score: np.ndarray, twins: int,
                effect: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """Counterfactual twins of participants (see the module docstring).

    `states`: participants x calendar weeks, score 0-10 or -1 (excluded); `start_col`: the
    column of each participant's first course week; `home_score`: the score of the family's
    passive code. Returns (twin states, twins x weeks; the participant row of each twin;
    the probability `r` that a post-course week above the passive score falls to it).
    Raises ValueError when `effect` cannot be planted (the post-course weeks are not far
    enough above the passive score)."""
    n, n_weeks = states.shape
    cols = np.arange(n_weeks)
    post = (cols[None, :] >= start_col[:, None]) & (cols[None, :] < start_col[:, None] + 26)
    gain = np.clip(states - home_score[:, None], 0, None)
    valued = post & (states >= 0)
    reachable = float(gain[valued].sum() / valued.sum())
    r = effect / reachable if effect else 0.0
    if r > 1:
        raise ValueError(f"a planted effect of {effect} is more than the participants' post-course weeks "
                         f"above their family's passive score allow (at most {reachable:.2f})")
    source = np.repeat(np.arange(n), twins)
    offset = rng.integers(-2, 3, size=len(source))
    shifted = np.clip(cols[None, :] - offset[:, None], 0, n_weeks - 1)
    out = np.take_along_axis(states[source], shifted, axis=1)
    noise = rng.random(out.shape) < 0.03
    out[noise] = np.broadcast_to(home_score[source][:, None], out.shape)[noise]
    after = cols[None, :] >= (start_col[source] + offset)[:, None]
    lost = after & (out > home_score[source][:, None]) & (rng.random(out.shape) < r)
    out[lost] = np.broadcast_to(home_score[source][:, None], out.shape)[lost]
    return out, source, r


def generate_pool(out: Path, persons: pd.DataFrame, states: np.ndarray, first: int, seed: int,
                  effect: float = PLANTED_EFFECT, twins: int = TWINS,
                  general: int = GENERAL_PERSONS) -> dict:
    """Write `dream_pool.parquet` beside the bundled extract; return its extract.json entry.

    `persons`: the register-sample participants (pnr, start_week, koen, aldersgruppe,
    kommune, visitationskategori) in the row order of `states` (participants x calendar
    weeks from week index `first`: score 0-10, -1 = excluded). Uses its own random stream
    (seed, 13), so the participants' files do not depend on it."""
    from analysis.register.cohort import VISITATION_KEYS
    from analysis.synthetic.final import realise_codes
    rng = np.random.default_rng([seed, 13])
    n_weeks = states.shape[1]
    week_names, month_names, week_month = calendar(first, first + n_weeks - 1)
    family_key = persons["visitationskategori"].map(VISITATION_KEYS).fillna("kontant").to_numpy()
    home = np.array([{"kontant": 2, "udd": 3, "ressource": 1}.get(f, 2) for f in family_key])
    start_col = persons["start_week"].to_numpy() - first
    twin, source, r = twin_states(states, start_col, home, twins, effect, rng)
    twin_codes, twin_branche, _ = realise_codes(twin, family_key[source], first, rng)

    def as_int(values: np.ndarray) -> np.ndarray:
        return np.where(values == "", "0", values).astype(np.int64)

    starts = np.unique(start_col[(start_col >= 0) & (start_col < n_weeks)])
    drawn = general_codes(rng, general, n_weeks, starts)
    codes = np.vstack([as_int(twin_codes).astype(np.int16), drawn["codes"]])
    branche = np.vstack([as_int(twin_branche),
                         branche_months(rng, drawn["employed"], week_month, len(month_names))])
    background = pd.concat([persons[["koen", "aldersgruppe", "kommune"]].iloc[source].reset_index(drop=True),
                            random_background(rng, general)], ignore_index=True)
    pnr = np.array([f"P{n:08d}" for n in rng.choice(10**8, size=len(codes), replace=False)], dtype=object)
    order = rng.permutation(len(codes))
    import pyarrow.parquet as pq
    table = pool_table(pnr[order], codes[order], week_names, branche[order], month_names,
                       background.iloc[order].reset_index(drop=True))
    pq.write_table(table, Path(out) / POOL_FILE, compression="zstd")

    # the effect as planted: participants' minus their twins' mean score, weeks 1..26
    cols = np.arange(n_weeks)
    window = (cols[None, :] >= start_col[source][:, None]) & (cols[None, :] < start_col[source][:, None] + 26)
    own = states[source]
    both = window & (own >= 0) & (twin >= 0)
    realised = float((own[both].mean() - twin[both].mean()))
    return {
        "file": POOL_FILE,
        "description": "Synthetic comparison pool (non-participants): twins of the register-sample "
                       "participants built as their counterfactual, and general benefit recipients; "
                       "not register data.",
        "persons": int(len(codes)),
        "twins_per_participant": twins,
        "general_persons": general,
        "planted_effect": effect,
        "planted_effect_realised": round(realised, 4),
        "fall_probability": round(r, 4),
        "data_window": [week_label(first), week_label(first + n_weeks - 1)],
    }


# ---------------------------------------------------------------- simulation (tests)

@dataclass
class Experiment:
    """A simulated study: participants and a pool from the same process.

    `codes`/`employed`: everybody's weeks (participants first, then the pool), as
    general_codes gives them; `persons`: pnr, participant (bool), team, start_week (week
    index, participants only), koen, aldersgruppe, kommune; `first`: week index of column 0;
    `true_effect`: the participants' mean treated-minus-untreated score over weeks 1..26."""
    codes: np.ndarray
    employed: np.ndarray
    persons: pd.DataFrame
    first: int
    true_effect: float

    def participants(self):
        """The participants' side of the matching (analysis.effect.matching.Participants):
        scores at event weeks −52..+26 (NaN outside the simulated weeks) and the benefit
        family in week 0."""
        from analysis.effect.matching import EVENTS, FAMILIES, Participants, family_codes
        from analysis.reference.scoring import load_mapping, score_codes
        mapping = load_mapping()
        rows = np.flatnonzero(self.persons["participant"].to_numpy())
        people = self.persons.iloc[rows].reset_index(drop=True)
        n_weeks = self.codes.shape[1]
        column = people["start_week"].to_numpy()[:, None] - 1 + EVENTS[None, :] - self.first
        inside = (column >= 0) & (column < n_weeks)
        safe = np.clip(column, 0, n_weeks - 1)
        codes = self.codes[rows[:, None], safe]
        text = np.where(codes == 0, "", codes.astype(str))
        scores = score_codes(text, self.employed[rows[:, None], safe], mapping).astype(np.float32)
        scores[(scores < 0) | ~inside] = np.nan
        week0 = text[:, int(np.flatnonzero(EVENTS == 0)[0])]
        families = family_codes(mapping)
        frame = pd.DataFrame({
            "pid": people["pnr"], "team": people["team"], "start_week": people["start_week"],
            "stack": [week_label(int(w)) for w in people["start_week"]],
            "benefit_family": [families.get(c, "") for c in week0],
            "koen": people["koen"], "aldersgruppe": people["aldersgruppe"],
        })
        assert set(frame["benefit_family"]) <= set(FAMILIES) | {""}
        return Participants(persons=frame, scores=scores)

    def write_pool(self, path: Path) -> Path:
        """The pool (non-participants) as a dream_pool Parquet file at `path`."""
        import pyarrow.parquet as pq
        week_names, month_names, week_month = calendar(self.first, self.first + self.codes.shape[1] - 1)
        rng = np.random.default_rng(0)
        pool = ~self.persons["participant"].to_numpy()
        branche = branche_months(rng, self.employed[pool], week_month, len(month_names))
        table = pool_table(self.persons["pnr"].to_numpy()[pool], self.codes[pool], week_names, branche,
                           month_names, self.persons[pool].reset_index(drop=True))
        pq.write_table(table, path)
        return path


def _scores(codes: np.ndarray, employed: np.ndarray) -> np.ndarray:
    """Scores (float, NaN = excluded) of int codes (0 = blank) with the project's mapping."""
    from analysis.reference.scoring import load_mapping, score_codes
    text = np.where(codes == 0, "", codes.astype(str))
    scores = score_codes(text, employed, load_mapping()).astype(float)
    scores[scores < 0] = np.nan
    return scores


def simulate_experiment(seed: int, effect: float, participants: int = 240, pool: int = 6000,
                        teams: int = 12, first: int = 105_400, n_weeks: int = 150,
                        selection: float = 0.3) -> Experiment:
    """Participants selected on an observed dip, raised by `effect` after their start.

    Everybody is drawn by `general_codes` (no forced dip). For each of `teams` start weeks g,
    participants are drawn without replacement among persons on an eligible benefit family
    in week g − 1, with probability proportional to exp(`selection` x (mean score of weeks
    −20..−9 − mean score of weeks −7..−1)): selection on a fall in the score before the
    start, on what the register shows (so matching on the history can remove it; a
    selection on what it does not show could not be). From the start on a treated week
    becomes a blank week with employment with the probability that raises the participants'
    mean score over weeks 1..26 by `effect` in expectation; `true_effect` is measured on
    their own treated and untreated weeks. The others are the pool."""
    rng = np.random.default_rng(seed)
    start_cols = np.sort(rng.choice(np.arange(60, n_weeks - 30), size=teams, replace=False))
    n = participants + pool
    drawn = general_codes(rng, n, n_weeks, start_cols, dip_share=0.0)
    codes, employed = drawn["codes"], drawn["employed"]
    scores = _scores(codes, employed)
    eligible_codes = np.concatenate([PASSIVE.ravel(), ACTIVITY.ravel()])
    chosen = np.full(n, False)
    start = np.full(n, -1)
    team_of = np.full(n, -1)
    for t, g in enumerate(start_cols):
        size = participants // teams + (1 if t < participants % teams else 0)
        free = np.flatnonzero(~chosen & np.isin(codes[:, g - 1], eligible_codes))
        before = np.nanmean(scores[free, g - 21:g - 9], axis=1)
        recent = np.nanmean(scores[free, g - 8:g - 1], axis=1)
        weight = np.exp(selection * np.nan_to_num(before - recent))
        pick = rng.choice(free, size=size, replace=False, p=weight / weight.sum())
        chosen[pick], start[pick], team_of[pick] = True, g, t
    order = np.concatenate([np.flatnonzero(chosen), np.flatnonzero(~chosen)])
    codes, employed, scores = codes[order], employed[order], scores[order]
    start, team_of = start[order], team_of[order]

    cols = np.arange(n_weeks)
    t_codes, t_employed = codes[:participants], employed[:participants]
    untreated = scores[:participants]
    after = (cols[None, :] >= start[:participants, None]) & (cols[None, :] < start[:participants, None] + 26)
    valued = after & ~np.isnan(untreated) & (t_codes != 999) & (t_codes != 997)
    q = min(1.0, effect / float(np.mean(10 - untreated[valued]))) if effect else 0.0
    lift = valued & (rng.random(after.shape) < q)
    t_codes[lift] = 0
    t_employed[lift] = True
    treated_scores = _scores(t_codes, t_employed)
    both = after & ~np.isnan(untreated) & ~np.isnan(treated_scores)
    true_effect = float(np.mean(treated_scores[both] - untreated[both]))

    background = random_background(rng, n)
    persons = pd.DataFrame({
        "pnr": [f"T{i:06d}" for i in range(participants)] + [f"P{i:07d}" for i in range(pool)],
        "participant": np.arange(n) < participants,
        "team": [f"Hold {t + 1}" for t in team_of[:participants]] + [""] * pool,
        "start_week": np.where(start >= 0, first + start, -1),
    })
    persons = pd.concat([persons, background], axis=1)
    return Experiment(codes=codes, employed=employed, persons=persons, first=first, true_effect=true_effect)


# ---------------------------------------------------------------- a population-size pool

def write_large_pool(path: Path, persons: int, starts, first: int, last: int, seed: int = 1,
                     chunk: int = 100_000) -> Path:
    """Write a pool of `persons` general benefit recipients (no twins) over the weeks
    `first`..`last` (week indices) to the Parquet file `path` (typed: codes SMALLINT),
    `chunk` persons per row group, so memory stays flat. Dips are placed before the course starts `starts` (week
    indices of week 1). For the scale benchmark (benchmarks/bench_pool.py); same arguments,
    same file."""
    import pyarrow.parquet as pq
    rng = np.random.default_rng([seed, 1_000_000])
    week_names, month_names, week_month = calendar(first, last)
    pseudo = np.array(sorted({int(s) - first for s in starts}))
    pnr = np.array([f"P{n:09d}" for n in rng.choice(10**9, size=persons, replace=False)], dtype=object)
    writer = None
    try:
        for lo in range(0, persons, chunk):
            n = min(chunk, persons - lo)
            drawn = general_codes(rng, n, len(week_names), pseudo)
            branche = branche_months(rng, drawn["employed"], week_month, len(month_names))
            table = pool_table(pnr[lo:lo + n], drawn["codes"], week_names, branche, month_names,
                               random_background(rng, n), typed=True)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return Path(path)
