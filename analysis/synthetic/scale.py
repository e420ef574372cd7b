"""A large synthetic extract for performance measurement (not calibrated to anything).

`generate_scaled(out, persons, seed, fmt)` writes `registrations.csv`, `dream.csv` or
`dream.parquet`, and `extract.json` into `out`, in the formats of the bundled extract
(data/README.md), so that `analysis.register.load_extract` accepts it:

* `persons` enrolled citizens in teams of 10-20 (about 15), each team with one start week
  drawn uniformly from 2022-W40 to 2025-W10 and one phase (pilot before 2023-W30);
  about 96 % registered by the municipality and 97 % with consent, so nearly all are in
  the register sample. A few (0.2 %) with consent have no DREAM row, and DREAM has 1 %
  extra rows of persons who are not enrolled, so every set-aside reason occurs.
* DREAM covers every ISO week from 2022-W01 to 2025-W52 (`y_YYWW`, built with
  analysis.weeks, so 52- and 53-week years come out right) and every month
  `branche_2022_01` to `branche_2025_12`.
* Weekly codes are the numeric codes of data/reference/score_mapping.csv, or blank. A
  person keeps a state for a spell of weeks (geometric, mean SPELL_WEEKS): their own
  "home" benefit code, another code, a blank week with employment or a blank week
  without. Spells are made for all persons at once with numpy (no loop over persons or
  weeks). A month's `branche_` is an industry code when any week of the month (by its
  Thursday) is a blank week with employment, plus a few months of part-time work
  alongside a benefit; otherwise empty.

The same (persons, seed, fmt) gives the same files. In CSV the codes are written as
numbers with empty cells for blanks; in Parquet they are text columns with nulls for
blanks (both are allowed by data/README.md).

    python -m analysis.synthetic.scale --out /tmp/big --persons 100000 [--seed 1] [--format parquet]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.readers.contracts import AGE_GROUPS, GENDERS, REGISTRATION_COLUMNS, STATUSES, VISITATION
from analysis.reference.scoring import MAPPING_PATH
from analysis.weeks import month_column, month_of_week, week_column, week_index, week_label

FIRST_WEEK = (2022, 1)           # data window of the scaled extract: the full ISO years
LAST_WEEK = (2025, 52)           # 2022..2025 (2025 has 52 ISO weeks; checked below)
FIRST_MONTH, LAST_MONTH = (2022, 1), (2025, 12)
FIRST_START = (2022, 40)         # team starts are spread over 2022-W40..2025-W10
LAST_START = (2025, 10)
PILOT_UNTIL = (2023, 30)         # teams starting before this week are the pilot phase
TEAM_SIZE = (10, 20)             # inclusive; mean 15

P_REGISTERED = 0.96
P_CONSENT = 0.97
P_COMPLETED = 0.88
P_NO_DREAM_ROW = 0.002           # consent, but no DREAM row
EXTRA_DREAM_ROWS = 0.01          # DREAM rows of persons who are not enrolled
SPELL_WEEKS = 12                 # mean length of a spell of one state
P_SIDE_JOB = 0.03                # months with employment besides a benefit code

# What a spell is: the person's own benefit code, a blank week with employment, a blank
# week without (self-supported), or any other code.
SPELL_KINDS = ("home", "blank_employed", "blank_not_employed", "other")
SPELL_P = (0.55, 0.20, 0.10, 0.15)

# How often a benefit group is a person's home code (the target group is mostly on
# kontanthjælp, ressourceforløb, jobafklaring and uddannelseshjælp); other groups 0.2.
GROUP_WEIGHT = {"Kontanthjælp": 5.0, "Ressourceforløb": 4.0, "Jobafklaring": 3.0,
                "Uddannelseshjælp": 3.0, "Integration": 1.0, "Dagpenge": 1.0,
                "Ledighedsydelse": 1.0, "Fleksjob": 1.0, "Sygedagpenge": 1.0,
                "Revalidering": 0.5, "Forrevalidering": 0.5, "Førtidspension": 0.5}
BRANCHE = np.array([479100, 561010, 812100, 869900, 881000, 494100, 412000, 841100])
MUNICIPALITIES = ["København", "Aarhus", "Odense", "Aalborg", "Esbjerg", "Randers", "Kolding",
                  "Horsens", "Vejle", "Roskilde", "Herning", "Silkeborg", "Næstved", "Viborg",
                  "Køge", "Holbæk", "Slagelse", "Hjørring", "Frederikshavn", "Svendborg",
                  "Sønderborg", "Holstebro", "Guldborgsund", "Lolland", "Stevns"]


def _codes() -> tuple[np.ndarray, np.ndarray]:
    """Numeric DREAM codes of the score mapping and their weights as a home code."""
    table = pd.read_csv(MAPPING_PATH, dtype=str, keep_default_na=False)
    table = table[table["code"].str.fullmatch(r"\d+")]
    codes = table["code"].astype(int).to_numpy()
    group_size = table.groupby("benefit_group")["code"].transform("size").to_numpy()
    weight = table["benefit_group"].map(GROUP_WEIGHT).fillna(0.2).to_numpy() / group_size
    return codes, weight / weight.sum()


def _pnr(rng: np.random.Generator, n: int, prefix: str) -> np.ndarray:
    numbers = rng.choice(10**9, size=n, replace=False)
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), 9)).astype(object)


def _registrations(rng: np.random.Generator, persons: int) -> pd.DataFrame:
    low, high = TEAM_SIZE
    sizes = rng.integers(low, high + 1, size=persons // low + 1)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), persons)) + 1]
    sizes[-1] -= int(sizes.sum()) - persons
    n_teams = len(sizes)
    first, last = week_index(*FIRST_START), week_index(*LAST_START)
    team_start = np.sort(rng.integers(first, last + 1, size=n_teams))
    labels = {w: week_label(int(w)) for w in np.unique(team_start)}
    team_label = np.array([labels[w] for w in team_start], dtype=object)
    team_phase = np.where(team_start < week_index(*PILOT_UNTIL), "pilot", "udbredelse").astype(object)
    team_name = np.array([f"Hold {i}" for i in range(1, n_teams + 1)], dtype=object)
    team_kommune = rng.integers(0, len(MUNICIPALITIES), size=n_teams)

    team = np.repeat(np.arange(n_teams), sizes)
    # most citizens come from the team's own municipality, some from the neighbours
    kommune = np.where(rng.random(persons) < 0.8, team_kommune[team],
                       rng.integers(0, len(MUNICIPALITIES), size=persons))
    registered = rng.random(persons) < P_REGISTERED
    consent = rng.random(persons) < P_CONSENT

    def background(values) -> np.ndarray:
        out = np.asarray(values, dtype=object)[rng.integers(0, len(values), size=persons)]
        return np.where(registered, out, "").astype(object)

    frame = pd.DataFrame({
        "pnr": _pnr(rng, persons, "T"),
        "hold": team_name[team],
        "kommune": np.asarray(MUNICIPALITIES, dtype=object)[kommune],
        "fase": team_phase[team],
        "kursusstart": team_label[team],
        "status": np.where(rng.random(persons) < P_COMPLETED, STATUSES[0], STATUSES[1]).astype(object),
        "samtykke": np.where(consent, "ja", "nej").astype(object),
        "registreret": np.where(registered, "ja", "nej").astype(object),
        "koen": background(GENDERS),
        "aldersgruppe": background(AGE_GROUPS),
        "visitationskategori": background(VISITATION),
    })
    return frame[list(REGISTRATION_COLUMNS)]


def _weekly(rng: np.random.Generator, n: int, n_weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int, 0 = blank) and employment flags, persons x weeks, with persistent spells."""
    codes, weight = _codes()
    new_spell = rng.random((n, n_weeks), dtype=np.float32) < 1.0 / SPELL_WEEKS
    new_spell[:, 0] = True
    # column of the spell's first week, carried forward: every week reads its spell's state
    spell_start = np.where(new_spell, np.arange(n_weeks, dtype=np.int32), 0).astype(np.int32)
    np.maximum.accumulate(spell_start, axis=1, out=spell_start)

    who = np.nonzero(new_spell)[0]                     # person of each spell, row-major order
    k = len(who)
    home = rng.choice(codes, size=n, p=weight)
    kind = rng.choice(len(SPELL_KINDS), size=k, p=SPELL_P)
    value = np.where(kind == SPELL_KINDS.index("home"), home[who],
                     np.where(kind == SPELL_KINDS.index("other"),
                              rng.choice(codes, size=k), 0))
    state_code = np.zeros((n, n_weeks), dtype=np.int16)
    state_code[new_spell] = value
    state_job = np.zeros((n, n_weeks), dtype=bool)
    state_job[new_spell] = kind == SPELL_KINDS.index("blank_employed")
    del new_spell
    weekly = np.take_along_axis(state_code, spell_start, axis=1)
    employed = np.take_along_axis(state_job, spell_start, axis=1)
    return weekly, employed


def _monthly(rng: np.random.Generator, employed_week: np.ndarray, week_month: np.ndarray,
             n_months: int) -> np.ndarray:
    """Industry code (0 = empty) per person and month: employment in any week of the month."""
    n = employed_week.shape[0]
    present, first_of_month = np.unique(week_month, return_index=True)   # weeks are in order
    employed = np.zeros((n, n_months), dtype=bool)
    employed[:, present] = np.logical_or.reduceat(employed_week, first_of_month, axis=1)
    employed |= rng.random((n, n_months), dtype=np.float32) < P_SIDE_JOB
    industry = BRANCHE[rng.integers(0, len(BRANCHE), size=n)]
    return np.where(employed, industry[:, None], 0)


def dream_table(pnr: np.ndarray, weekly: np.ndarray, week_names: list[str],
                branche: np.ndarray, month_names: list[str], fmt: str):
    """An Arrow table in the DREAM layout: PNR, weekly codes (persons x weeks, 0 = blank) and
    industry codes (persons x months, 0 = none); with fmt 'csv' as numbers (SMALLINT codes,
    INTEGER industry codes, null when blank), with 'parquet' as dictionary-encoded text."""
    import pyarrow as pa
    columns = {"PNR": pa.array(pnr.astype(str), type=pa.string())}
    if fmt == "csv":     # numbers, empty when blank (as a CSV export of numeric columns)
        for j, name in enumerate(week_names):
            col = weekly[:, j]
            columns[name] = pa.array(col, mask=col == 0, type=pa.int16())
        for j, name in enumerate(month_names):
            col = branche[:, j]
            columns[name] = pa.array(col, mask=col == 0, type=pa.int32())
    else:                # text, null when blank (dictionary-encoded, as Parquet stores it)
        code_text = {int(c): str(int(c)) for c in np.unique(weekly) if c}
        for j, name in enumerate(week_names):
            col = weekly[:, j]
            uniq = np.unique(col[col != 0])
            dictionary = pa.array([code_text[int(u)] for u in uniq], type=pa.string())
            position = np.minimum(np.searchsorted(uniq, col), max(len(uniq) - 1, 0))
            indices = pa.array(position.astype(np.int32), mask=col == 0)
            columns[name] = pa.DictionaryArray.from_arrays(indices, dictionary)
        for j, name in enumerate(month_names):
            col = branche[:, j]
            columns[name] = pa.array(col.astype(str), mask=col == 0, type=pa.string())
    return pa.table(columns)


def generate_scaled(out: Path, persons: int, seed: int = 1, fmt: str = "csv") -> None:
    """Write a large valid extract of `persons` enrolled citizens to `out` (see the module doc)."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    if persons < TEAM_SIZE[0]:
        raise ValueError(f"persons must be at least {TEAM_SIZE[0]} (one team)")
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("dream.csv", "dream.parquet", "dream.sas7bdat"):
        (out / stale).unlink(missing_ok=True)

    reg = _registrations(rng, persons)
    reg.to_csv(out / "registrations.csv", index=False, lineterminator="\n")

    # DREAM rows: everybody with consent (registered or not) but a few, plus non-enrolled
    has_row = reg["samtykke"].eq("ja").to_numpy() & (rng.random(persons) >= P_NO_DREAM_ROW)
    enrolled = reg["pnr"].to_numpy()[has_row]
    extra = _pnr(rng, int(round(persons * EXTRA_DREAM_ROWS)), "X")
    pnr = np.concatenate([enrolled, extra])[rng.permutation(len(enrolled) + len(extra))]

    first, last = week_index(*FIRST_WEEK), week_index(*LAST_WEEK)
    weeks = np.arange(first, last + 1)
    week_names = [week_column(int(w)) for w in weeks]
    months = [(y, m) for y in range(FIRST_MONTH[0], LAST_MONTH[0] + 1) for m in range(1, 13)
              if FIRST_MONTH <= (y, m) <= LAST_MONTH]
    month_pos = {m: j for j, m in enumerate(months)}
    week_month = np.array([month_pos[month_of_week(int(w))] for w in weeks])
    month_names = [month_column(*m) for m in months]

    weekly, employed = _weekly(rng, len(pnr), len(weeks))
    branche = _monthly(rng, employed, week_month, len(months))
    del employed
    table = dream_table(pnr, weekly, week_names, branche, month_names, fmt)
    del weekly, branche
    if fmt == "csv":
        import pyarrow.csv as pcsv
        path = out / "dream.csv"
        with path.open("wb") as handle:
            handle.write((",".join(table.column_names) + "\n").encode("utf-8"))
            pcsv.write_csv(table, handle, pcsv.WriteOptions(include_header=False, quoting_style="none",
                                                            batch_size=4096))
    else:
        import pyarrow.parquet as pq
        path = out / "dream.parquet"
        pq.write_table(table, path, compression="zstd")

    manifest = {
        "synthetic": True,
        "description": "Scaled synthetic extract for performance measurement; not calibrated, "
                       "not register data.",
        "generator": "analysis.synthetic.scale.generate_scaled",
        "persons": persons,
        "seed": seed,
        "format": fmt,
        "dream_rows": int(len(pnr)),
        "data_window": [week_label(first), week_label(last)],
    }
    (out / "extract.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.synthetic.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", dest="fmt", choices=("csv", "parquet"), default="csv",
                        help="format of the DREAM file (registrations are always CSV)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    generate_scaled(args.out, args.persons, seed=args.seed, fmt=args.fmt)
    print(f"wrote scaled synthetic extract ({args.persons:,} persons, seed {args.seed}, "
          f"dream.{args.fmt}) to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
