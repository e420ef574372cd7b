"""Every number the report quotes (register data and surveys), keyed like
data/reference/published/, after disclosure control, and the comparison with the
published numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .cohort import completion_by_phase, per_team, sample_vs_registered
from .disclosure import SUPPRESSED, Disclosed, suppress_counts, suppress_nested
from .models import run_models
from .register import Extract, score_distribution
from .survey import Survey, survey_results


TABEL3_BLOCKS = [["completed", "afmeldt"], ["mand", "kvinde"],
                 [f"alder_{k}" for k in ("under25", "25_35", "36_45", "46_55", "over55")],
                 [f"visitation_{k}" for k in ("kontant", "udd", "ressource", "andet")]]


# Tabel 6 is published with the sparse score values in bands. Single cells of one or two
# persons cannot be hidden by suppression alone: the table's mean and the column total
# would give them back. Within a band the mix of scores is unknown, so they cannot.
TABEL6_BANDS = [("10", "9", "8"), ("7",), ("6", "5", "4", "3"), ("2",), ("1",), ("0",), ("na",)]


def band_key(band: tuple[str, ...]) -> str:
    return band[0] if len(band) == 1 else f"{band[-1]}-{band[0]}"


def tabel6_disclosed(dist: pd.DataFrame, min_cell: int) -> Disclosed:
    """Tabel 6 counts (from `score_distribution`) in TABEL6_BANDS, with suppression."""
    counts = dist.drop(index=["mean", "n_with_data"])
    banded = pd.DataFrame({band_key(b): counts.loc[list(b)].sum() for b in TABEL6_BANDS}).T
    return suppress_counts(banded.astype(int), min_cell)


def bilag1_disclosed(teams: pd.DataFrame, min_cell: int) -> Disclosed:
    """Bilag 1 (enrolled and in the register data per team, `cohort.per_team`) with suppression."""
    return suppress_counts(teams.set_index("hold")[["enrolled", "register"]], min_cell)


def results_keys(models: pd.DataFrame) -> list[str]:
    """Result key of each model estimate, as in data/reference/published/."""
    keys = []
    for _, m in models.iterrows():
        prefix = "" if m["group"] == "samlet" else f".{m['group']}"
        if m["model"] == "two_point":
            keys.append(f"model.{m['group']}.{m['period']}.{m['term']}")
        elif m["period"] == "interaction":
            keys.append(f"weekly{prefix}.interaction")
        else:
            keys.append(f"weekly{prefix}.{m['period']}.{m['term']}")
    return keys


def register_results(extract: Extract, panel: pd.DataFrame, inference: str,
                     min_cell: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results, models): results has key, value (number or 'x'), page."""
    ed = extract.edition
    rows: list[tuple[str, object, str]] = []

    dist = score_distribution(panel, ed.time_points)
    disclosed = tabel6_disclosed(dist, min_cell)
    for tp in disclosed.values.columns:
        for band in disclosed.values.index:
            value = SUPPRESSED if disclosed.suppressed.loc[band, tp] else int(disclosed.values.loc[band, tp])
            rows.append((f"tabel6.count.{tp}.{band}", value, "beskaeftigelsesscore"))
        rows.append((f"tabel6.n_with_data.{tp}", int(dist.loc["n_with_data", tp]), "beskaeftigelsesscore"))
        rows.append((f"tabel6.mean.{tp}", float(dist.loc["mean", tp]), "beskaeftigelsesscore"))

    models = run_models(panel, ed.weeks_before, ed.weeks_after, inference, min_cell=min_cell)
    for key, (_, m) in zip(results_keys(models), models.iterrows()):
        value = float(m["estimate"]) if m["published"] else SUPPRESSED
        rows.append((key, value, "undergrupper" if m["group"] != "samlet" else "beskaeftigelsesscore"))
        rows.append((key + ".stars", m["stars"] if m["published"] else SUPPRESSED, "beskaeftigelsesscore"))

    reg = extract.registrations
    table3 = sample_vs_registered(reg)
    hidden3 = pd.DataFrame(False, index=table3.index, columns=table3.columns)
    for block in TABEL3_BLOCKS:
        disclosed = suppress_nested(table3.loc[block], "sample", "registered", min_cell)
        hidden3.loc[block] = disclosed.suppressed.to_numpy()
    for col in table3.columns:
        n = table3.loc["n", col]
        for row in table3.index:
            count = int(table3.loc[row, col])
            hidden = bool(hidden3.loc[row, col])
            rows.append((f"tabel3.{col}.{row}.count", SUPPRESSED if hidden else count, "repraesentativitet"))
            rows.append((f"tabel3.{col}.{row}.pct", SUPPRESSED if hidden else 100 * count / n,
                         "repraesentativitet"))
    table4 = completion_by_phase(reg)
    for phase in table4.columns:
        for row in table4.index:
            rows.append((f"tabel4.{phase}.{row}.count", int(table4.loc[row, phase]), "aktivitet"))
        for row in ("enrolled", "completed", "afmeldt"):
            rows.append((f"tabel4.{phase}.{row}.pct",
                         100 * table4.loc[row, phase] / table4.loc["enrolled", phase], "aktivitet"))
    teams = per_team(reg)
    bilag1 = bilag1_disclosed(teams, min_cell)
    for team in teams["hold"]:
        for what in ("enrolled", "register"):
            hidden = bool(bilag1.suppressed.loc[team, what])
            rows.append((f"bilag1.{what}.{team}", SUPPRESSED if hidden else int(bilag1.values.loc[team, what]),
                         "bilag1"))
    for what in ("enrolled", "register"):
        rows.append((f"bilag1.{what}.total", int(teams[what].sum()), "bilag1"))
    last = extract.last_week - teams["start_week"] + 1
    for team, weeks in zip(teams["hold"], last):
        if 0 < weeks <= ed.weeks_after:
            rows.append((f"tabel1.last_week.{team}", int(weeks), "fremgangsmaade"))

    # numbers quoted in the text and figure captions of the result pages
    completers = panel[panel["status"].eq("gennemført")]
    n_completers = int(completers["pnr"].nunique())
    n_afmeldte = int(panel.loc[panel["status"].eq("afmeldt"), "pnr"].nunique())
    for figure in range(1, 7):
        rows.append((f"caption.figur{figure}.n", n_completers, "beskaeftigelsesscore"))
    rows.append(("caption.figur7.n", n_afmeldte, "bilag13"))
    rows.append(("tabel6.caption_n", n_completers, "beskaeftigelsesscore"))
    means = dist.loc["mean"]
    rows.append(("text.p47.change_after_course", float(means["w8"] - means["w0"]), "beskaeftigelsesscore"))
    estimate = {k: (e if ok else SUPPRESSED)
                for k, e, ok in zip(results_keys(models), models["estimate"], models["published"])}
    for key, source in (("text.p47.change_w26", "model.samlet.efter.coef"),
                        ("text.p51.alder_25_35_fall", "model.alder_25_35.inden.coef")):
        if source in estimate:   # absent when the group was merged or dropped by disclosure
            rows.append((key, estimate[source], "beskaeftigelsesscore"))
    andet = completers[completers["visitationskategori"].eq("Andet")]
    n_andet = int(andet["pnr"].nunique())
    rows.append(("text.p52.andet_n", n_andet if n_andet >= min_cell or n_andet == 0 else SUPPRESSED,
                 "undergrupper"))
    if n_andet >= min_cell:
        rows.append(("text.p52.andet_last_week", int(andet.groupby("pnr")["week"].max().min()), "undergrupper"))
    return pd.DataFrame(rows, columns=["key", "value", "page"]), models


# How far a computed number may be from the printed one and still count as reproduced.
# Counts must match exactly; means as printed (to two decimals); model estimates within the
# synthetic extract's calibration tolerance (endpoint means within 0.02, so a change, the
# difference of two means, within 0.04).
def printed_precision(printed: str) -> float:
    """Half a unit of the last printed digit: '2,81' -> 0.005, '88,4%' -> 0.05, '83%' -> 0.5."""
    number = str(printed).strip().rstrip("%").strip()
    decimals = len(number.split(",")[1]) if "," in number else 0
    return 0.5 * 10 ** -decimals


def tolerance(ref: str, printed: str) -> float:
    if ref.startswith("model.") and ref.endswith(".intercept"):
        return 0.02
    if ref.startswith("model.") and ref.endswith(".coef") or ref in ("text.p47.change_w26",
                                                                     "text.p51.alder_25_35_fall"):
        return 0.04
    if printed_precision(printed) == 0.5 and "%" not in str(printed):
        return 0.0   # a count
    return printed_precision(printed)


def published_numbers(edition) -> pd.DataFrame:
    """Every number the edition's original report prints (register data and surveys)."""
    files = [edition.published] + ([edition.survey_published] if edition.survey_published else [])
    return pd.concat([pd.read_csv(f, dtype={"seed": str}) for f in files], ignore_index=True)


def edition_results(extract: Extract, panel: pd.DataFrame, survey: Survey | None, inference: str,
                    min_cell: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results, models): the register results plus, when the extract has surveys, the
    survey results (the published survey keys tell which sets of options to add up)."""
    results, models = register_results(extract, panel, inference, min_cell)
    if survey is not None and survey.waves:
        extra = published_numbers(extract.edition)["ref"].tolist()
        results = pd.concat([results, survey_results(survey, min_cell, extra)], ignore_index=True)
    return results, models


def reproduction(results: pd.DataFrame, published: pd.DataFrame, key_map: dict[str, str]) -> pd.DataFrame:
    """ref, published, computed, tolerance, ok (True/False, or 'suppressed'), stars."""
    computed = dict(zip(results["key"], results["value"]))
    rows = []
    for _, p in published.iterrows():
        key = key_map.get(p["ref"], p["ref"])
        if key not in computed and key.startswith("tabel6.count."):
            # a score value published only inside a band of Tabel 6 (disclosure control)
            score = key.rsplit(".", 1)[1]
            if any(score in band and len(band) > 1 for band in TABEL6_BANDS):
                computed[key] = SUPPRESSED
        if key not in computed:
            continue
        value = computed[key]
        tol = tolerance(p["ref"], p["printed"])
        if value == SUPPRESSED:
            ok = "suppressed"
        else:
            ok = bool(abs(float(value) - float(p["value"])) <= tol + 1e-9)
        stars = computed.get(key + ".stars", "")
        published_stars = "" if pd.isna(p.get("stars")) else p.get("stars")
        is_model = key.startswith(("model.", "weekly."))
        rows.append({"ref": p["ref"], "source": f"seed {p['seed']}, {p['source']}, L{p['line']}",
                     "published": p["value"], "computed": value, "tolerance": tol, "ok": ok,
                     "published_stars": published_stars if is_model else "",
                     "computed_stars": stars if is_model else "",
                     "stars_ok": (stars == published_stars) if is_model and stars != SUPPRESSED else "",
                     "note": "" if pd.isna(p.get("note")) else p.get("note")})
    return pd.DataFrame(rows)


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
