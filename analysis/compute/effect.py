"""Effekt sammenlignet med en kontrolgruppe (issue 13; final edition only): the effect
estimates of analysis.effect for the chapter chapters/effekt.md.

Published (page `effekt`):

* estimates, model `effect` with group = the design (`not_yet_treated`, `matched_full`,
  `matched_old`): term `after` (the pooled effect in the weeks after the course, wild
  cluster bootstrap by team), `course` and `anticipation` (CRV1, t(G - 1)), and
  `pretrend` (the binned joint pre-trend test: its p in `p`, the F statistic in
  `estimate`); model `effect_cox`, group `matched_full`/`matched_old`, terms `job_like`
  and `employed`: the hazard ratio and its interval (normal reference, team-grouped
  sandwich);
* figure `effect.event_study.<design>`: series estimate, ci_low, ci_high by event week
  (weeks with at least min_cell participants);
* figure `effect.km.<outcome>.<history>`: series `participants` and `controls`, the per
  cent with the event by week since start (one decimal), at the weeks where the cumulative events and the
  cumulative censored have changed by 0 or at least min_cell persons since the last shown
  week and at least min_cell persons are still followed (their number is the point's
  persons; analysis.effect.survival.disclosed_points). No count of persons reaching the
  event is published beside the curves: with the group's total it would undo the filter;
* table `effect.balance.<history>`: standardised differences before and after matching;
* scalars `effect.*`: the design's settings and counts.

When the extract has no `dream_pool.*`, only the not-yet-treated design is published and
`effect.has_pool` is 'nej'. Both matched designs use one sample: the participants with a score
in weeks -52..-27 who are matched in both variants (analysis.effect.matching.with_history,
shared_panels); the balance tables are those of each variant's matching before that
intersection. Nested person counts on the page are checked (`check_nested_counts`). The disclosure audit: the number of participants is declared
as the register sample's count; the estimates, curves and balance means rest on a whole
design's persons (hundreds) and are published with their persons for the minimum-cell
check, but the audit does not model the comparison pool as a population (no published
count of pool persons is a cross-classification of it).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute import universes as u
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Count
from analysis.disclosure.rules import DisclosureError
from analysis.effect import estimate as est
from analysis.effect import survival
from analysis.register.inference import BOOT_REPS, INTERVAL_REPS, finding, stars

PAGE = "effekt"
HISTORIES = ("full", "old")
OUTCOMES = {"job_like": lambda s: s >= survival.JOB_LIKE, "employed": lambda s: s == survival.EMPLOYED}


def _row(design: str, model: str, term: str, label: str, estimate: float, se: float, ci: tuple[float, float],
         p: float, method: str, df: float, clusters: int, persons: int, observations: float,
         t_values: tuple[float, float, float] = (np.nan, np.nan, np.nan), direction: float | None = None) -> dict:
    """One estimates row (analysis.bundle.store.ESTIMATE_COLUMNS); the finding is decided on
    the exact p, its direction by the sign of `direction` (default: the estimate; the log
    of a hazard ratio)."""
    return {"model": model, "group": design, "label": label, "period": "", "term": term, "estimate": estimate,
            "se": se, "ci_low": ci[0], "ci_high": ci[1], "p": p, "stars": stars(p),
            "finding": finding(estimate if direction is None else direction, p),
            "method": method, "df": df, "p_t": t_values[0], "ci_low_t": t_values[1], "ci_high_t": t_values[2],
            "persons": persons, "person_weeks": observations, "clusters": clusters, "inference": "team",
            "status": "shown"}


def check_nested_counts(pairs: list[tuple[str, int, str, int]], min_cell: int) -> None:
    """Raise analysis.disclosure.rules.DisclosureError when a published person count and a
    count of a subset of its persons, both on the page, differ by 1..min_cell - 1 persons
    (the difference is a cell of that size: DST's minimum of 3 persons, ../shared/spec/
    dream.md; issue 13 review, item 4). `pairs`: (key of the whole, its count, key of the
    subset, its count). A real extract that hits this must be handled by a person, not
    published."""
    for whole_key, whole, part_key, part in pairs:
        if 0 < whole - part < min_cell:
            raise DisclosureError(f"{whole_key} ({whole}) and {part_key} ({part}) differ by {whole - part} "
                                  f"persons, fewer than the minimum cell of {min_cell}")


def publish_design(md: Microdata, w: BundleWriter, design: str, panel: pd.DataFrame, label: str) -> int:
    """The event study and the pooled effect of one stacked panel (analysis.effect.estimate).
    Returns the design's published count of treated persons (`effect.<design>.treated`)."""
    study = est.event_study(panel)
    pooled = est.pooled_effect(panel)
    df = float(pooled.clusters - 1)
    rows = [_row(design, "effect", "after", label, pooled.estimate, pooled.se, (pooled.ci_low, pooled.ci_high),
                 pooled.p, "wild_bootstrap", df, pooled.clusters, pooled.treated, pooled.observations,
                 (pooled.p_t, pooled.ci_low_t, pooled.ci_high_t))]
    for period in pooled.periods.itertuples():
        if period.period != "after":
            t_values = (period.p_t, period.ci_low_t, period.ci_high_t)
            rows.append(_row(design, "effect", period.period, label, period.estimate, period.se, t_values[1:],
                             period.p_t, "t", df, pooled.clusters, pooled.treated, pooled.observations, t_values))
    rows.append(_row(design, "effect", "pretrend", label, study.pretrend_f, np.nan, (np.nan, np.nan),
                     study.pretrend_p, "hotelling_f", float(study.pretrend_df[1]), study.clusters, study.treated,
                     study.observations))
    w.add_estimates(pd.DataFrame(rows))
    weeks = study.weeks[study.weeks["treated"] >= md.min_cell]
    for column in ("estimate", "ci_low", "ci_high"):
        w.add_series(f"effect.event_study.{design}", column, weeks, x="e", y=column, persons="treated")
    for key, value in (("treated", study.treated), ("stacks", study.stacks)):
        w.scalar(f"effect.{design}.{key}", value, page=PAGE, persons=value if key == "treated" else None,
                 of="persons" if key == "treated" else "stacks")
    w.scalar(f"effect.{design}.pretrend_df1", study.pretrend_df[0], page=PAGE, kind="setting")
    w.scalar(f"effect.{design}.pretrend_df2", study.pretrend_df[1], page=PAGE, kind="setting")
    return study.treated


def publish_survival(md: Microdata, w: BundleWriter, history: str, panel: pd.DataFrame) -> None:
    """Kaplan-Meier curves and the Cox model of both outcomes on one matched panel."""
    rows = []
    for outcome, reached in OUTCOMES.items():
        spells = survival.first_event(panel, reached)
        km = survival.kaplan_meier(spells, range(1, est.WINDOW[1] + 1))
        for treated, name in ((1, "participants"), (0, "controls")):
            curve = survival.disclosed_points(km[km["treated"] == treated], md.min_cell)
            # in per cent at the page's one decimal (the bundle keeps what the page shows)
            curve = curve.assign(percent=100 * curve["share"])
            w.add_series(f"effect.km.{outcome}.{history}", name, curve, x="week", y="percent", persons="followed",
                         decimals=1)
        model = survival.cox(spells)
        rows.append(_row(f"matched_{history}", "effect_cox", outcome, outcome, model.hazard_ratio, model.se,
                         (model.ci_low, model.ci_high), model.p, "normal", np.nan, model.clusters, model.persons,
                         np.nan, direction=model.coefficient))
    w.add_estimates(pd.DataFrame(rows))


def publish_balance(md: Microdata, w: BundleWriter, history: str, balance: pd.DataFrame) -> None:
    """The balance table: per 4-week block of the score history, the means and the
    standardised differences before (participants against the eligible pool of their exact
    cells) and after (against their matched controls)."""
    table = balance.set_index("covariate")[["treated_mean", "pool_mean", "matched_mean", "smd_before",
                                            "smd_after"]].astype(float)
    persons = pd.DataFrame({"treated_mean": balance["treated_n"].to_numpy(), "pool_mean": balance["pool_n"].to_numpy(),
                            "matched_mean": balance["matched_n"].to_numpy(),
                            "smd_before": balance["treated_n"].to_numpy(),
                            "smd_after": balance["treated_n"].to_numpy()}, index=table.index)
    w.table(f"effect.balance.{history}", table, persons=persons, kinds="number", decimals=2)


def publish(md: Microdata, w: BundleWriter) -> None:
    """The section (module docstring), for an edition with a comparison group
    (analysis.compute.sections.with_comparison_group): the not-yet-treated design always;
    the matched designs and the survival analysis when the extract has a dream_pool.*
    (analysis.effect.pool.find_pool)."""
    from analysis.effect.matching import match_comparison, participants_from_extract, shared_panels, with_history
    from analysis.effect.pool import find_pool, read_pool

    for key, value in (("anticipation", est.ANTICIPATION), ("reference", est.REFERENCE),
                       ("window_start", est.WINDOW[0]), ("window_end", est.WINDOW[1]),
                       ("course_weeks", est.COURSE_WEEKS), ("after_start", est.COURSE_WEEKS + 1),
                       ("boot_reps", BOOT_REPS), ("interval_reps", INTERVAL_REPS),
                       ("pretrend_bins", est.PRETREND_BINS), ("job_like", survival.JOB_LIKE),
                       ("employed", survival.EMPLOYED)):
        w.scalar(f"effect.{key}", value, page=PAGE, kind="setting")
    w.universe(u.enrolled(md))
    n = int(len(md.extract.persons))
    w.scalar("effect.participants", n, page=PAGE, define=Count(u.enrolled_cell(md, sample=True)))
    weeks = est.participant_weeks(md.extract, md.mapping)
    treated = {"not_yet_treated": publish_design(md, w, "not_yet_treated", est.not_yet_treated_stacks(weeks),
                                                 "Ikke-endnu-behandlede hold")}
    pool_path = find_pool(md.data_dir)
    w.scalar("effect.has_pool", "ja" if pool_path else "nej", page=PAGE, kind="text")
    pairs = [("effect.participants", n, "effect.not_yet_treated.treated", treated["not_yet_treated"])]
    if pool_path is not None:
        # both matched designs on one sample: the participants with an old history (weeks
        # -52..-27) matched in both variants (analysis.effect.matching.shared_panels)
        participants = with_history(participants_from_extract(md.extract, md.mapping), "old")
        pool = read_pool(pool_path, md.mapping, participants.persons["start_week"].unique())
        matchings = {history: match_comparison(participants, pool, history=history) for history in HISTORIES}
        panels = shared_panels(matchings)
        for history, matching in matchings.items():
            panel = panels[history]
            matched = int(panel.loc[panel["treated"] == 1, "match_set"].nunique())
            controls = int(panel.loc[panel["treated"] == 0, ["match_set", "pid"]].drop_duplicates().shape[0])
            w.scalar(f"effect.matched_{history}.k", matching.k, page=PAGE, kind="setting")
            w.scalar(f"effect.matched_{history}.matched", matched, page=PAGE)
            w.scalar(f"effect.matched_{history}.controls", controls, page=PAGE)
            w.scalar(f"effect.matched_{history}.eligible", int(matching.counts["eligible_pool"]), page=PAGE,
                     of="person-stacks")
            label = "Matchet kontrolgruppe, " + ("hele historikken" if history == "full" else "ældre historik")
            design = f"matched_{history}"
            treated[design] = publish_design(md, w, design, panel, label)
            publish_survival(md, w, history, panel)
            publish_balance(md, w, history, matching.balance)
            pairs += [("effect.participants", n, f"effect.{design}.matched", matched),
                      (f"effect.{design}.matched", matched, f"effect.{design}.treated", treated[design])]
        # one sample: the designs' treated are nested both ways
        pairs += [("effect.matched_full.treated", treated["matched_full"], "effect.matched_old.treated",
                   treated["matched_old"]),
                  ("effect.matched_old.treated", treated["matched_old"], "effect.matched_full.treated",
                   treated["matched_full"])]
    check_nested_counts(pairs, md.min_cell)
