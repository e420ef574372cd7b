"""The matched comparison group (analysis/effect/matching.py) on small made-up pools, and
the simulation check that matching + a stacked difference in means recovers a planted
effect (analysis/synthetic/pool.py simulate_experiment)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.effect.matching import (EVENTS, FAMILIES, GONE, PANEL_COLUMNS, Participants,
                                      benefit_family, blocks, match_comparison)
from analysis.effect.pool import Pool
from analysis.weeks import parse_week_label, week_label

START = parse_week_label("2024-W10")
FIRST = START - 1 - 52                     # the pool's first week: week -52 of START
N_WEEKS = 52 + 1 + 26


def make_pool(histories: list[np.ndarray], *, koen=None, age=None, family=None, gone_at=None) -> Pool:
    """A pool whose person i has score histories[i] in weeks -52..-1 and 3 after, on
    `family[i]` (index + 1 into FAMILIES; default kontanthjælp) in every week."""
    n = len(histories)
    scores = np.full((n, N_WEEKS), 3, dtype=np.int8)
    for i, h in enumerate(histories):
        scores[i, :52] = h
    fam = np.full((n, N_WEEKS), 1, dtype=np.int8)
    if family is not None:
        fam[:] = np.asarray(family, dtype=np.int8)[:, None]
    for i, week in (gone_at or {}).items():
        fam[i, week:] = GONE
    persons = pd.DataFrame({"pid": [f"P{i:03d}" for i in range(n)], "row": np.arange(1, n + 1),
                            "koen": koen or ["kvinde"] * n, "aldersgruppe": age or ["25-35 år"] * n,
                            "kommune": ["Aarhus"] * n})
    return Pool(persons=persons, scores=scores, family=fam, first_week=FIRST, data_first=FIRST,
                data_last=FIRST + N_WEEKS - 1, rows_in_file=n, source="made-up")


def make_participants(histories: list[np.ndarray], *, koen=None, age=None, family=None) -> Participants:
    n = len(histories)
    scores = np.full((n, len(EVENTS)), 5, dtype=np.float32)
    for i, h in enumerate(histories):
        scores[i, :52] = h
    persons = pd.DataFrame({"pid": [f"T{i:03d}" for i in range(n)], "team": ["Hold 1"] * n,
                            "start_week": [START] * n, "stack": [week_label(START)] * n,
                            "benefit_family": family or ["kontanthjælp"] * n,
                            "koen": koen or ["kvinde"] * n, "aldersgruppe": age or ["25-35 år"] * n})
    return Participants(persons=persons, scores=scores)


def flat(level: float) -> np.ndarray:
    return np.full(52, level, dtype=float)


def test_nearest_history_is_chosen_without_replacement_and_k_controls_each():
    rng = np.random.default_rng(0)
    treated = [flat(2), flat(6)]
    # pool: 5 persons near each participant's history, 10 far away
    histories = [flat(2) + rng.normal(0, 0.1, 52) for _ in range(5)] + \
                [flat(6) + rng.normal(0, 0.1, 52) for _ in range(5)] + [flat(9)] * 10
    result = match_comparison(make_participants(treated), make_pool(histories), k=5)
    controls = result.controls
    assert len(controls) == 10 and not controls["pid"].duplicated().any()
    by_set = controls.groupby("match_set")["pid"].apply(set)
    assert by_set[f"T000/{week_label(START)}"] == {f"P{i:03d}" for i in range(5)}
    assert by_set[f"T001/{week_label(START)}"] == {f"P{i:03d}" for i in range(5, 10)}
    assert result.counts["fully_matched"] == 2 and result.shortfall.empty
    panel = result.panel
    assert list(panel.columns) == PANEL_COLUMNS
    assert panel.groupby("match_set")["pid"].nunique().eq(6).all()
    weights = panel[panel["treated"].eq(0)].groupby("pid")["w"].first()
    assert np.allclose(weights, 1 / 5)
    assert panel["e"].min() == -52 and panel["e"].max() == 26


def test_controls_come_from_the_exact_cell_only():
    treated = [flat(2), flat(2)]
    histories = [flat(2)] * 6 + [flat(2)] * 6
    koen = ["kvinde"] * 6 + ["mand"] * 6
    result = match_comparison(make_participants(treated, koen=["kvinde", "mand"]),
                              make_pool(histories, koen=koen), k=3)
    panel = result.panel[result.panel["treated"].eq(0)]
    pool_koen = dict(zip([f"P{i:03d}" for i in range(12)], koen))
    for match_set, rows in panel.groupby("match_set"):
        participant = result.panel[(result.panel["match_set"] == match_set) & result.panel["treated"].eq(1)]
        assert {pool_koen[p] for p in rows["pid"]} == set(participant["koen"])


def test_a_cell_with_too_few_controls_gives_fewer_and_says_so():
    treated = [flat(2), flat(3)]
    result = match_comparison(make_participants(treated), make_pool([flat(2)] * 7), k=5)
    assert result.counts["controls"] == 7                    # all of the cell, none twice
    assert not result.controls["pid"].duplicated().any()
    short = result.shortfall
    assert len(short) == 2 and sorted(short["controls"]) == [3, 4]
    assert short["reason"].str.contains("7 eligible pool persons in the cell for 2 participants").all()
    # each participant got its controls in rounds: 4 and 3, not 5 and 2
    sizes = result.controls.groupby("match_set").size()
    assert sorted(sizes) == [3, 4]
    w = result.panel[result.panel["treated"].eq(0)].groupby("match_set")["w"].first()
    assert np.allclose(sorted(w), [1 / 4, 1 / 3])


def test_ineligible_pool_persons_are_never_controls():
    # P000: other family in week 0; P001: died in week -10; P002: emigrated after week 0 (eligible)
    family = [2, 1, 1, 1, 1]
    gone_at = {1: 52 - 10, 2: 53}
    result = match_comparison(make_participants([flat(2)]),
                              make_pool([flat(2)] * 5, family=family, gone_at=gone_at), k=5)
    assert set(result.controls["pid"]) == {"P002", "P003", "P004"}


def test_participant_without_eligible_family_is_reported_not_matched():
    result = match_comparison(make_participants([flat(2)], family=[""]), make_pool([flat(2)] * 5))
    assert result.counts["matched"] == 0 and result.panel.empty
    assert result.shortfall["reason"].tolist() == ["not on an eligible benefit family in week 0"]


def test_old_history_variant_ignores_the_last_26_weeks():
    dip = flat(5)
    dip[-8:] = 1                                    # a fall in the last 8 weeks before start
    same_old_no_dip = flat(5)                        # same old history, no dip
    dip_other_old = dip.copy()
    dip_other_old[:4] = 1                            # the same but for weeks -52..-49
    pool = make_pool([same_old_no_dip, dip_other_old])
    full = match_comparison(make_participants([dip]), pool, k=1, history="full")
    old = match_comparison(make_participants([dip]), pool, k=1, history="old")
    assert full.controls["pid"].tolist() == ["P001"]
    assert old.controls["pid"].tolist() == ["P000"]
    assert len(blocks("full")) == 13 and blocks("old")[-1] == (-28, -27)


def test_balance_before_and_after():
    treated = [flat(2)] * 3
    result = match_comparison(make_participants(treated), make_pool([flat(2)] * 15 + [flat(8)] * 30), k=5)
    balance = result.balance
    assert len(balance) == 13
    assert (balance["smd_before"] < -0.5).all() and np.allclose(balance["smd_after"], 0)
    assert (balance["pool_n"] == 45).all() and (balance["matched_n"] == 15).all()


def test_unknown_history_variant_is_an_error():
    with pytest.raises(ValueError, match="history must be one of"):
        match_comparison(make_participants([flat(2)]), make_pool([flat(2)]), history="recent")


def test_benefit_family_follows_dream_md(mapping):
    codes = np.array(["730", "135", "720", "143", "810", "818", "111", "", "999"])
    assert benefit_family(codes, mapping).tolist() == [
        "kontanthjælp", "kontanthjælp", "uddannelseshjælp", "uddannelseshjælp",
        "ressourceforløb", "ressourceforløb", "", "", ""]
    assert set(FAMILIES) == {"kontanthjælp", "uddannelseshjælp", "ressourceforløb"}


# ---------------------------------------------------------------- simulation (issue 13, item 4)

def _post_difference(panel: pd.DataFrame) -> float:
    """The stacked difference in mean score over weeks 1..26, controls weighted by w."""
    post = panel[panel["e"].between(1, 26) & panel["score"].notna()]
    treated, controls = post[post["treated"].eq(1)], post[post["treated"].eq(0)]
    return float(treated["score"].mean() - np.average(controls["score"], weights=controls["w"]))


@pytest.mark.parametrize("effect", [0.0, 0.6])
def test_matching_recovers_the_planted_effect(effect, tmp_path, mapping):
    from analysis.effect.pool import read_pool
    from analysis.synthetic.pool import simulate_experiment
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        experiment = simulate_experiment(seed=1, effect=effect)
    participants = experiment.participants()
    pool = read_pool(experiment.write_pool(tmp_path / "dream_pool.parquet"), mapping,
                     participants.persons["start_week"].unique())
    result = match_comparison(participants, pool)
    assert result.counts["matched"] == len(participants.persons)
    estimate = _post_difference(result.panel)
    assert abs(experiment.true_effect - effect) < 0.1
    assert abs(estimate - experiment.true_effect) < 0.1, (estimate, experiment.true_effect)
    # without the nearest-neighbour step (exact cells only) the selection on the dip biases it
    cells_only = match_comparison(participants, pool, k=10_000)
    assert abs(_post_difference(cells_only.panel) - experiment.true_effect) > 0.1
