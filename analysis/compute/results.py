"""Every number the report quotes (register data and surveys), keyed like
data/reference/published/, after disclosure control, and the comparison with the
published numbers."""
from __future__ import annotations

import pandas as pd

from analysis.register.cohort import (AGE_KEYS, VISITATION_KEYS, completion_by_phase, per_team, sample_vs_registered)
from analysis.disclosure.rules import (SUPPRESSED, Disclosed, merge_small_groups, suppress_counts, suppress_nested)
from analysis.register.models import (ESTIMATE_FIELDS, GROUPS, run_edition_models, stars, time_point_means,
                                      time_point_panel, time_point_persons)
from analysis.register.extract import Extract
from analysis.register.panel import score_distribution
from analysis.survey.waves import Survey
from analysis.survey.stats import survey_results
from analysis.reference.published import published_numbers


TABEL3_BLOCKS = [["completed", "afmeldt"], ["mand", "kvinde"],
                 [f"alder_{k}" for k in ("under25", "25_35", "36_45", "46_55", "over55")],
                 [f"visitation_{k}" for k in ("kontant", "udd", "ressource", "andet")]]


# Tabel 6 is published with the score values in bands (global recoding). A hidden cell of
# one or two persons cannot be protected by suppression: the column's total and its mean,
# printed to two decimals, pin the hidden bands down (the disclosure audit finds them). So
# the values are merged along the scale until no band holds 1 or 2 persons in any column:
# the finest of these bandings that does (the excluded weeks, 'na', stay a row of their own).
TABEL6_BANDINGS = [
    [("10", "9", "8"), ("7",), ("6", "5", "4", "3"), ("2",), ("1",), ("0",)],
    [("10", "9", "8", "7"), ("6", "5", "4", "3"), ("2",), ("1",), ("0",)],
    [("10", "9", "8", "7", "6", "5", "4", "3"), ("2",), ("1",), ("0",)],
    [("10", "9", "8", "7", "6", "5", "4", "3", "2"), ("1",), ("0",)],
    [("10", "9", "8", "7", "6", "5", "4", "3", "2", "1", "0")],
]
TABEL6_BANDS = TABEL6_BANDINGS[0] + [("na",)]   # the finest banding, as the book shows it by default


def band_key(band: tuple[str, ...]) -> str:
    return band[0] if len(band) == 1 else f"{band[-1]}-{band[0]}"


def tabel6_bands(dist: pd.DataFrame, min_cell: int) -> list[tuple[str, ...]]:
    """The finest banding of TABEL6_BANDINGS in which no band holds 1..min_cell-1 persons
    at any time point (`dist` from `score_distribution`), with the 'na' row."""
    counts = dist.drop(index=["mean", "n_with_data"])
    for banding in TABEL6_BANDINGS:
        sums = pd.DataFrame({band_key(b): counts.loc[list(b)].sum() for b in banding}).T
        if not ((sums > 0) & (sums < min_cell)).any().any():
            return banding + [("na",)]
    return TABEL6_BANDINGS[-1] + [("na",)]


def tabel6_disclosed(dist: pd.DataFrame, min_cell: int) -> Disclosed:
    """Tabel 6 counts (from `score_distribution`) in the bands of `tabel6_bands`, with
    suppression for what recoding cannot help (a small 'na' cell, or a column with fewer
    than min_cell persons in all)."""
    counts = dist.drop(index=["mean", "n_with_data"])
    bands = tabel6_bands(dist, min_cell)
    banded = pd.DataFrame({band_key(b): counts.loc[list(b)].sum() for b in bands}).T
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
    if ed.design == "level_shift":
        return level_shift_results(extract, panel, inference, min_cell)
    dist = score_table(panel, ed)
    rows = score_rows(dist, min_cell, "beskaeftigelsesscore")

    models = run_edition_models(panel, ed, inference, min_cell)
    printed = reproduction_stars(panel, ed, inference, min_cell, models)
    for key, (_, m), star in zip(results_keys(models), models.iterrows(), printed):
        value = float(m["estimate"]) if m["published"] else SUPPRESSED
        rows.append((key, value, "undergrupper" if m["group"] != "samlet" else "beskaeftigelsesscore"))
        rows.append((key + ".stars", star if m["published"] else SUPPRESSED, "beskaeftigelsesscore"))

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
    rows += last_week_rows(extract, teams)

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


def reproduction_stars(panel: pd.DataFrame, edition, inference: str, min_cell: int,
                       models: pd.DataFrame) -> list[str]:
    """The stars of each row of `models` under the edition's `reproduction_inference`: the
    variant that reproduces the printed stars, which the `.stars` result keys (and so the
    reproduction appendix) compare with the report. Intercepts keep their stars there,
    as the report printed them. The book's own tables use `inference`."""
    variant = edition.reproduction_inference
    if variant == inference:
        other = models
    else:
        other = run_edition_models(panel, edition, variant, min_cell)
    if len(other) != len(models) or not (other[["group", "term"]].to_numpy() == models[["group", "term"]].to_numpy()).all():
        raise RuntimeError("the reproduction variant's models do not line up with the book's")
    # an intercept's p is left out of the book's rows; the printed tables starred it
    return [stars(p) for p in other["p_t"]]


def score_table(panel: pd.DataFrame, edition) -> pd.DataFrame:
    """The distribution of scores at the edition's time points (`score_distribution`), with
    the edition's rule for a time point a team's data do not reach."""
    points = time_point_panel(panel, edition.time_points) if edition.last_available else panel
    return score_distribution(points, edition.time_points)


def last_week_rows(extract: Extract, teams: pd.DataFrame) -> list[tuple[str, object, str]]:
    """Tabel 1: the last week with data after course start, for teams whose data end
    inside the analysis window (`teams` from cohort.per_team)."""
    last = extract.last_week - teams["start_week"] + 1
    return [(f"tabel1.last_week.{team}", int(weeks), "fremgangsmaade")
            for team, weeks in zip(teams["hold"], last) if 0 < weeks <= extract.edition.weeks_after]


def score_rows(dist: pd.DataFrame, min_cell: int, page: str) -> list[tuple[str, object, str]]:
    """Result rows of the score table: counts per band (hidden as the table hides them),
    persons with data and the mean, per time point."""
    rows: list[tuple[str, object, str]] = []
    disclosed = tabel6_disclosed(dist, min_cell)
    for tp in disclosed.values.columns:
        for band in disclosed.values.index:
            value = SUPPRESSED if disclosed.suppressed.loc[band, tp] else int(disclosed.values.loc[band, tp])
            rows.append((f"tabel6.count.{tp}.{band}", value, page))
        rows.append((f"tabel6.n_with_data.{tp}", int(dist.loc["n_with_data", tp]), page))
        rows.append((f"tabel6.mean.{tp}", float(dist.loc["mean", tp]), page))
    return rows


def modal_score(dist: pd.DataFrame, time_point: str) -> int:
    """The most frequent score (0-10) at a time point of a `score_table` distribution
    (persons without a score left out; on a tie the higher score, the first row)."""
    counts = dist.drop(index=["mean", "n_with_data", "na"])[time_point].astype(int)
    return int(counts.idxmax())


def team_blocks(teams: pd.DataFrame, column: str, min_cell: int) -> dict[str, str]:
    """Each team's published block: teams under the minimum merged with a neighbour in
    order of course start (the pilot's Hold 1 + Hold 3 and Hold 5 + Hold 6)."""
    return merge_small_groups(teams.set_index("hold")[column], min_cell)


def visitation_time_points(panel: pd.DataFrame, edition, models: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pilot's Tabel 3: (means, persons) at the edition's time points for each
    visitation category the models publish (a group of `models`), indexed by group key in
    the order of GROUPS, columns the time-point keys. Means are over the completers with a
    score (with the edition's rule for a time point a team's data do not reach); persons
    are those completers."""
    options = {"by": "visitationskategori", "last_available": edition.last_available}
    means = time_point_means(panel, edition.time_points, **options)
    persons = time_point_persons(panel, edition.time_points, **options)
    groups = [g for g in GROUPS if g.column == "visitationskategori" and g.key in set(models["group"])]
    keys, values = [g.key for g in groups], [g.value for g in groups]
    return means.loc[values].set_axis(keys), persons.loc[values].set_axis(keys)


def level_shift_results(extract: Extract, panel: pd.DataFrame, inference: str,
                        min_cell: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The numbers of the level-shift design (the pilot evaluation), after disclosure."""
    ed = extract.edition
    dist = score_table(panel, ed)
    rows = score_rows(dist, min_cell, "niveauskift")
    tps = list(ed.time_points)
    rows.append(("text.change", float(dist.loc["mean", tps[-1]] - dist.loc["mean", tps[1]]), "niveauskift"))
    rows.append(("text.modal_score_w-26", modal_score(dist, tps[0]), "niveauskift"))

    models = run_edition_models(panel, ed, inference, min_cell)
    printed = reproduction_stars(panel, ed, inference, min_cell, models)
    for (_, m), star in zip(models.iterrows(), printed):
        key = f"model.{m['group']}.{m['term']}"
        rows.append((key, float(m["estimate"]) if m["published"] else SUPPRESSED, "niveauskift"))
        rows.append((key + ".stars", star if m["published"] else SUPPRESSED, "niveauskift"))
        if m["term"] == "intercept":
            rows.append((f"caption.n.{m['group']}", int(m["n_persons"]), "niveauskift"))
    by_visitation, _ = visitation_time_points(panel, ed, models)
    for key in by_visitation.index:
        for tp in tps:
            rows.append((f"tabel3.mean.{key}.{tp}", float(by_visitation.loc[key, tp]), "niveauskift"))

    # the sample (consent and register data) against all participants of the period
    reg = extract.registrations
    sample = reg[reg["set_aside"].eq("")]
    completers = sample[sample["status"].eq("gennemført")]
    rows += [("design.sample_n", len(sample), "fremgangsmaade"),
             ("design.completed", len(completers), "fremgangsmaade"),
             ("design.afmeldt", int(sample["status"].eq("afmeldt").sum()), "fremgangsmaade")]
    for name, frame, base in (("sample", sample, completers), ("pilot", reg, reg)):
        rows.append((f"repr.{name}.n.count", len(frame), "repraesentativitet"))
        rows.append((f"repr.{name}.n.pct", 100.0, "repraesentativitet"))
        for status, key in (("gennemført", "completed"), ("afmeldt", "afmeldt")):
            n = int(frame["status"].eq(status).sum())
            rows.append((f"repr.{name}.{key}.count", n if n == 0 or n >= min_cell else SUPPRESSED,
                         "repraesentativitet"))
            rows.append((f"repr.{name}.{key}.pct", 100 * n / len(frame) if n == 0 or n >= min_cell
                         else SUPPRESSED, "repraesentativitet"))
        # gender and age: of the completers in the sample (as printed), of everybody in the period
        for column, values in (("koen", {"mand": "mand", "kvinde": "kvinde"}),
                               ("aldersgruppe", {key: label for label, key in AGE_KEYS.items()})):
            block = pd.DataFrame({"n": [int(base[column].eq(v).sum()) for v in values.values()]},
                                 index=list(values))
            hidden = suppress_counts(block, min_cell).suppressed["n"]
            for key in values:
                n = int(block.loc[key, "n"])
                rows.append((f"repr.{name}.{key if column == 'koen' else 'alder_' + key}.count",
                             SUPPRESSED if hidden[key] else n, "repraesentativitet"))
                rows.append((f"repr.{name}.{key if column == 'koen' else 'alder_' + key}.pct",
                             SUPPRESSED if hidden[key] else 100 * n / len(base), "repraesentativitet"))
    for label, key in VISITATION_KEYS.items():
        n = int(completers["visitationskategori"].eq(label).sum())
        if n:
            shown = n >= min_cell
            rows.append((f"visitation.{key}.count", n if shown else SUPPRESSED, "fremgangsmaade"))
            rows.append((f"visitation.{key}.pct", 100 * n / len(completers) if shown else SUPPRESSED,
                         "fremgangsmaade"))
    rows.append(("visitation.total.count", len(completers), "fremgangsmaade"))
    rows.append(("visitation.total.pct", 100.0, "fremgangsmaade"))
    # completers per team, small teams merged with a neighbour
    teams = per_team(reg)
    teams["completed"] = [int(completers["hold"].eq(t).sum()) for t in teams["hold"]]
    blocks = team_blocks(teams, "completed", min_cell)
    for team, count in zip(teams["hold"], teams["completed"]):
        merged = blocks[team] != team
        rows.append((f"hold.{team}.count", SUPPRESSED if merged else count, "fremgangsmaade"))
    for block in dict.fromkeys(blocks.values()):
        if " + " in block:
            members = block.split(" + ")
            rows.append((f"hold.{block}.count", int(teams.set_index("hold").loc[members, "completed"].sum()),
                         "fremgangsmaade"))
    rows.append(("hold.total.count", len(completers), "fremgangsmaade"))
    rows += last_week_rows(extract, teams)
    rows.append(("caption.n.afmeldte", int(sample["status"].eq("afmeldt").sum()), "niveauskift"))
    return pd.DataFrame(rows, columns=["key", "value", "page"]), models


# the columns of the models frame (analysis.register.models), for an edition without models
MODEL_COLUMNS = ["group", "label", "model", "period", "term", *ESTIMATE_FIELDS, "published"]


def edition_results(extract: Extract, panel: pd.DataFrame, survey: Survey | None, inference: str,
                    min_cell: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results, models): the register results plus, when the extract has surveys, the
    survey results (the published survey keys tell which sets of options to add up)."""
    if not extract.edition.register_data:   # pilot-2023: registrations, registration tool, surveys
        from analysis.compute.pilot2023 import pilot_results
        return pilot_results(extract, survey, min_cell), pd.DataFrame(columns=MODEL_COLUMNS)
    results, models = register_results(extract, panel, inference, min_cell)
    if survey is not None and survey.waves:
        extra = published_numbers(extract.edition)["ref"].tolist()
        results = pd.concat([results, survey_results(survey, min_cell, extra)], ignore_index=True)
    return results, models
