"""The pilot's result pages (level-shift design): what analysis.compute.level_shift and
analysis.compute.subgroups publish, and how analysis.report.level_shift reads it back."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.bundle.store import Bundle, BundleWriter
from analysis.compute import level_shift as compute
from analysis.compute import subgroups
from analysis.compute.results import score_table
from analysis.compute.sections import estimates_frame
from analysis.disclosure.rules import SUPPRESSED
from analysis.editions import EDITIONS
from analysis.register.extract import load_extract
from analysis.register.models import run_edition_models, time_point_means
from analysis.register.panel import build_panel
from analysis.report import book
from analysis.report import level_shift as ls
from analysis.report import subgroups as sg

PILOT = EDITIONS["pilot-2024"]


@pytest.fixture(scope="module")
def pilot_extract(mapping):
    return load_extract(PILOT.data_dir, PILOT, mapping)


@pytest.fixture(scope="module")
def pilot_panel(pilot_extract, mapping):
    return build_panel(pilot_extract, mapping)


def rendered(panel: pd.DataFrame, directory, min_cell: int = 3, extract=None) -> book.Context:
    """Compute the pilot's subgroup and level-shift sections into a bundle and open it
    (`extract`: the extract the panel comes from, whose enrolled the disclosure audit knows)."""
    md = SimpleNamespace(edition=PILOT, panel=panel, min_cell=min_cell, inference="iid", extract=extract,
                         models=run_edition_models(panel, PILOT, "iid", min_cell),
                         completers=panel[panel["status"] == "gennemført"])
    w = BundleWriter()
    w.add_estimates(estimates_frame(md.models, md.inference))
    subgroups.publish(md, w)
    compute.publish(md, w)
    w.write(directory, {"edition": PILOT.name, "min_cell": min_cell, "inference": md.inference})
    return book.Context(PILOT, Bundle.open(directory, PILOT.name))


@pytest.fixture(scope="module")
def ctx(pilot_panel, pilot_extract, tmp_path_factory):
    return rendered(pilot_panel, tmp_path_factory.mktemp("pilot"), extract=pilot_extract)


def test_the_groups_are_those_of_the_disclosure_rule(ctx):
    assert ls.published_groups(ctx, "koen") == ["koen_mand", "koen_kvinde"]
    assert ls.published_groups(ctx, "aldersgruppe")[-1] == "alder_46_55+alder_over55"
    assert ls.label(ctx, "alder_46_55+alder_over55") == "46-55 år + Over 55 år"
    assert ls.label(ctx, "moduler") == "Kursusuger (uge 0-8)"
    with pytest.raises(KeyError):
        ls.label(ctx, "fase_pilot")            # the pilot has no phases
    assert "visitation_andet" not in ls.published_groups(ctx, "visitationskategori")
    assert not ctx.bundle.has_table("level_shift.groups")   # one groups table, subgroups.groups


def test_scalars_the_pages_quote(ctx, pilot_panel):
    dist = score_table(pilot_panel, PILOT)
    assert ctx.value("change_pre") == pytest.approx(dist.loc["mean", "w0"] - dist.loc["mean", "w-26"], abs=0.005)
    assert ctx.value("change_pre") < 0 and book.value_text(ctx, "change_pre", "abs") == "0,55"
    assert ctx.value("text.modal_score_w-26") == 2 and ctx.bundle.scalars.loc["text.modal_score_w-26", "kind"] == "number"
    assert ctx.value("after_end") == PILOT.weeks_after - PILOT.course_weeks
    assert ctx.value("n_completers") == pilot_panel.loc[pilot_panel["status"] == "gennemført", "pnr"].nunique()
    coefs = ctx.models[ctx.models["term"] == "coef"]
    for group, estimate in zip(coefs["group"], coefs["estimate"]):
        assert ctx.value(f"model.{group}.coef_abs") == pytest.approx(abs(estimate), abs=0.005)


def test_visitation_means_are_the_time_point_means(ctx, pilot_panel):
    table = ctx.table("level_shift.visitation_means")
    means = time_point_means(pilot_panel, PILOT.time_points, by="visitationskategori")
    assert list(table.index) == ["visitation_kontant", "visitation_udd", "visitation_ressource"]
    assert np.allclose(table.loc["visitation_udd"].astype(float), means.loc["Akt. udd.hjælp"], atol=0.005)
    assert ctx.value("tabel3.mean.visitation_udd.w0") == table.at["visitation_udd", "w0"]
    cells = ctx.bundle.table_cells("level_shift.visitation_means").set_index(["row", "column"])
    assert cells.loc[("visitation_ressource", "w0"), "persons"] == 8


def test_a_time_point_mean_under_the_minimum_is_hidden(pilot_panel, pilot_extract, tmp_path):
    """Ressourceforløb (8 persons) stays a group, but with only 2 of them scored in the week
    before the course its mean of that week is withheld, in the table and in the prose."""
    panel = pilot_panel.copy()
    ressource = panel.loc[(panel["visitationskategori"] == "Ressourceforløb") & (panel["status"] == "gennemført"),
                          "pnr"].unique()
    panel.loc[panel["pnr"].isin(ressource[2:]) & (panel["week"] == 0), "score"] = np.nan
    ctx = rendered(panel, tmp_path, extract=pilot_extract)
    assert ctx.table("level_shift.visitation_means").at["visitation_ressource", "w0"] == SUPPRESSED
    assert ctx.value("tabel3.mean.visitation_ressource.w0") == SUPPRESSED
    assert ctx.value("tabel3.mean.visitation_ressource.w-26") != SUPPRESSED


def test_words_and_figures_follow_the_estimates(ctx):
    coefs = {g: b for g, b in zip(ctx.models.loc[ctx.models["term"] == "coef", "group"],
                                  ctx.models.loc[ctx.models["term"] == "coef", "estimate"])}
    ages = ls.published_groups(ctx, "aldersgruppe")
    # the groups compared are chosen at compute time on the exact estimates, and the
    # comparison's words come from the test of the difference
    assert ctx.value("cmp.alder.coef_top.group") == max(ages, key=coefs.get)
    assert ctx.value("cmp.alder.coef_bottom.group") == min(ages, key=coefs.get)
    assert ctx.value("cmp.koen.coef.finding") in ("rise", "fall", "none")
    assert ls.finding(ctx, "samlet") == ctx.models.query("group == 'samlet' and term == 'coef'")["finding"].iloc[0]
    fig = ls.course_figure(ctx)
    line = fig.axes[0].lines[0]
    weekly = sg.weekly(ctx, "samlet")
    in_course = weekly[(weekly["week"] >= 0) & (weekly["week"] <= PILOT.course_weeks)]
    assert list(line.get_xdata()) == list(in_course["week"]) and list(line.get_ydata()) == list(in_course["mean"])
    a, _, _ = ls.estimate(ctx, "moduler", "intercept")
    b, _, _ = ls.estimate(ctx, "moduler", "coef")
    assert list(fig.axes[0].lines[1].get_ydata()) == pytest.approx([a, a + PILOT.course_weeks * b])
