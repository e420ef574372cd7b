"""The disclosure audit on constructed tables: each kind of recovery issue 11 found
(test statistics, bands plus means, differencing groups and tables, a column total over
small hidden cells, side channels) is detected, and the protection the build applies
removes it. The expected values are worked out by hand in each docstring."""
from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.disclosure.audit import Cell, Model, Statistic, Universe, audit, audit_statistics
from analysis.disclosure.protect import quiet_solver
from analysis.disclosure.rules import DisclosureError, SUPPRESSED, suppress_counts


def _audit(model: Model, min_cell: int = 3) -> pd.DataFrame:
    with quiet_solver():
        return audit(model, min_cell).set_index("label")


def _chi2(table) -> float:
    """Pearson's chi-square of a two-way table (list of rows)."""
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    n = sum(rows)
    return sum((table[i][j] - rows[i] * cols[j] / n) ** 2 / (rows[i] * cols[j] / n)
               for i in range(len(rows)) for j in range(len(cols)))


# ------------------------------------------------------------------- kind 1: test statistics

def _two_by_two(statistic_of_hidden) -> Model:
    """Groups a, b by sample status in/out: the 'in' cells (10, 12) and the 'out' total (5)
    are printed, the 'out' cells (1 and 4) hidden. The margins leave a_out anywhere in
    1..4; the statistic is printed to two decimals."""
    m = Model()
    m.universe(Universe("u", {"group": ("a", "b"), "status": ("in", "out")}))
    m.count(Cell.of("u", group="a", status="in"), 10)
    m.count(Cell.of("u", group="b", status="in"), 12)
    m.count(Cell.of("u", status="out"), 5)
    hidden = (Cell.of("u", group="a", status="out"), Cell.of("u", group="b", status="out"))
    for cell, name in zip(hidden, ("a_out", "b_out")):
        m.hide(cell, name)
    m.statistics.append(Statistic("chi2", hidden, statistic_of_hidden,
                                  round(statistic_of_hidden((1, 4)), 2), 2))
    return m


def test_margins_alone_leave_the_hidden_cells_open():
    ranges = _audit(_two_by_two(lambda v: 0.0))
    assert ranges.loc["a_out", ["low", "high"]].tolist() == [1, 4]
    assert ranges["ok"].all()


def test_a_chi_square_on_the_full_table_gives_the_hidden_cells_away():
    """Splits (1,4), (2,3), (3,2), (4,1) give chi-square 1.40, 0.12, 0.21, 2.41: only the
    true one reproduces the printed value."""
    with quiet_solver():
        result = audit_statistics(_two_by_two(lambda v: _chi2([[10, v[0]], [12, v[1]]])), 3)
    assert result.loc[0, "matching"] == 1 and not result.loc[0, "ok"]


def test_a_statistic_on_the_table_as_shown_does_not():
    """Computed on the 'in' column and the 'out' total only (the merge the table shows),
    every split reproduces it."""
    with quiet_solver():
        result = audit_statistics(_two_by_two(lambda v: _chi2([[10, 12], [sum(v), 0.5]])), 3)
    assert result.loc[0, "matching"] == 2 and result.loc[0, "ok"]


# ------------------------------------------------------------------- kind 2: bands and means

BANDS = {"8-10": (8, 9, 10), "7": (7,), "3-6": (3, 4, 5, 6), "2": (2,), "1": (1,), "0": (0,)}


def _banded(counts: dict[str, int], scores: dict[str, int], hide: set[str]) -> Model:
    """One week's scores in Tabel 6's bands: the column's N, the shown bands and the mean
    to two decimals (scores: the sum of each band's persons' scores)."""
    n = sum(counts.values())
    mean = sum(scores.values()) / n
    m = Model()
    m.universe(Universe("w0", {"score": tuple(range(11))}, value="score"))
    m.count(Cell.of("w0"), n)
    m.mean(Cell.of("w0"), round(mean, 2), n, 2)
    for band, values in BANDS.items():
        cell = Cell.of("w0", score=values)
        if band in hide:
            m.hide(cell, band)
        else:
            m.count(cell, counts[band])
    return m


def test_bands_plus_the_mean_recover_two_hidden_bands():
    """Bands 8-10 (1 person, score 9) and 3-6 (2 persons, 4 and 5) hidden; 24 persons,
    mean 65/24 = 2,71. The shown bands sum to 47, so the hidden ones to 18 +- 0.12: with
    (2, 1) persons they would sum to at least 19, so only (1, 2) is possible."""
    counts = {"8-10": 1, "7": 5, "3-6": 2, "2": 6, "1": 0, "0": 10}
    scores = {"8-10": 9, "7": 35, "3-6": 9, "2": 12, "1": 0, "0": 0}
    ranges = _audit(_banded(counts, scores, {"8-10", "3-6"}))
    assert not ranges.loc["8-10", "ok"] and not ranges.loc["3-6", "ok"]
    assert ranges.loc["8-10", "low"] == ranges.loc["8-10", "high"] == 1


def test_tabel6_recodes_bands_instead_of_suppressing():
    """The same week through Tabel 6's rule: the bands are merged along the scale until
    none holds 1 or 2 persons, so nothing is hidden and the mean gives nothing away."""
    from analysis.compute.results import tabel6_disclosed
    per_score = {10: 0, 9: 1, 8: 0, 7: 5, 6: 0, 5: 1, 4: 1, 3: 0, 2: 6, 1: 0, 0: 10}
    dist = pd.DataFrame({"w0": [per_score[s] for s in range(10, -1, -1)] + [0, 2.71, 24]},
                        index=[str(s) for s in range(10, -1, -1)] + ["na", "mean", "n_with_data"])
    table = tabel6_disclosed(dist, 3)
    assert not table.suppressed.to_numpy().any()
    shown = table.values["w0"]
    assert not ((shown > 0) & (shown < 3)).any()
    assert shown.sum() == 24


# ------------------------------------------------------------------- kind 3: groups difference out

def _groups(hide: set[str]) -> Model:
    """Week -26 by visitation group: total 20, groups A 10, B 8, 'Andet' 2 (withheld)."""
    m = Model()
    m.universe(Universe("week", {"group": ("A", "B", "Andet")}))
    m.count(Cell.of("week"), 20)
    for group, n in {"A": 10, "B": 8, "Andet": 2}.items():
        cell = Cell.of("week", group=group)
        (m.hide(cell, group) if group in hide else m.count(cell, n))
    return m


def test_the_total_minus_the_shown_groups_gives_the_withheld_group():
    ranges = _audit(_groups({"Andet"}))
    assert ranges.loc["Andet", "reason"].startswith("recoverable: exactly 2")


def test_withholding_a_second_group_protects_it():
    """With B withheld too, Andet can hold 1..9 persons."""
    ranges = _audit(_groups({"Andet", "B"}))
    assert ranges["ok"].all() and ranges.loc["Andet", "high"] == 9


# ------------------------------------------------------------------- kind 4: tables difference each other

def _sample_and_completers(hide_completers: set[str]) -> Model:
    """The sample by age (10, 8, 7) and the completers by age (9, 6, 7; total 22): the
    de-registered by age (1, 2, 0) are printed nowhere but follow by subtraction."""
    m = Model()
    m.universe(Universe("enrolled", {"status": ("done", "left"), "age": ("a1", "a2", "a3")},
                        protect=(("status", "age"),)))
    m.count(Cell.of("enrolled", status="done"), 22)
    for age, (sample, done) in {"a1": (10, 9), "a2": (8, 6), "a3": (7, 7)}.items():
        m.count(Cell.of("enrolled", age=age), sample)
        cell = Cell.of("enrolled", status="done", age=age)
        (m.hide(cell, f"done {age}") if age in hide_completers else m.count(cell, done))
    return m


def test_two_tables_give_the_deregistered_by_age():
    ranges = _audit(_sample_and_completers(set()))
    failing = ranges.index[~ranges["ok"].astype(bool)]
    assert sorted(failing) == ["unpublished: enrolled status=left, age=a1",
                               "unpublished: enrolled status=left, age=a2"]


def test_hiding_completer_cells_protects_the_unpublished_ones():
    """With a1 and a2 hidden among the completers, left x a1 can be 0..3: not known small."""
    assert _audit(_sample_and_completers({"a1", "a2"}))["ok"].all()


# ------------------------------------------------------------------- kind 5: a column total over small hidden cells

def test_two_hidden_cells_of_one_beside_a_shown_total_get_a_third():
    """Bilag 1 with two teams of 1: hidden 1 + 1 under a printed total would both be 1
    (sum 2, each at least 1); the rule hides the next smallest cell too."""
    table = pd.DataFrame({"n": [1, 1, 10, 12]}, index=["Hold 1", "Hold 2", "Hold 3", "Hold 4"])
    hidden = suppress_counts(table, 3).suppressed["n"]
    assert hidden.tolist() == [True, True, True, False]


def _column_model(values: list[int], hidden: list[bool], min_cell: int = 3) -> Model:
    """A column with its total printed (unless the total is itself under the minimum)."""
    m = Model()
    rows = tuple(f"r{i}" for i in range(len(values)))
    m.universe(Universe("col", {"row": rows}))
    if not 0 < sum(values) < min_cell:
        m.count(Cell.of("col"), sum(values))
    for row, value, hide in zip(rows, values, hidden):
        cell = Cell.of("col", row=row)
        (m.hide(cell, row) if hide else m.count(cell, value))
    return m


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=9), min_size=2, max_size=6))
def test_no_cell_a_column_hides_can_be_recovered_from_its_total(values):
    """Property: after `suppress_counts` with the total shown, the audit finds every hidden
    cell open (two or more values possible, some of min_cell or more) — or the rule refuses
    the column because no choice of cells within it could protect it."""
    table = pd.DataFrame({"n": values})
    try:
        hidden = suppress_counts(table, 3).suppressed["n"].tolist()
    except DisclosureError:
        nonzero = [v for v in values if v > 0]
        assert sum(nonzero) >= 3 and (len(nonzero) < 2 or sum(nonzero) - (len(nonzero) - 1) < 3)
        return
    if any(hidden):
        assert _audit(_column_model(values, hidden))["ok"].all()


def test_a_column_that_cannot_be_protected_is_refused():
    """1 + 2 under a printed total of 3: hiding both leaves each at 1..2."""
    with pytest.raises(DisclosureError, match="total"):
        suppress_counts(pd.DataFrame({"n": [1, 2, 0]}), 3)


# ------------------------------------------------------------------- kind 6: side channels

def test_the_reproduction_does_not_print_the_original_beside_a_hidden_cell():
    from analysis.report.reproduction import reproduction
    results = pd.DataFrame({"key": ["a.count", "b.count"], "value": [SUPPRESSED, 12]})
    published = pd.DataFrame({"ref": ["a.count", "b.count"], "value": [2, 12], "printed": ["2", "12"],
                              "stars": [None, None], "seed": ["004", "004"], "source": ["Tabel 1"] * 2,
                              "line": [10, 11], "note": [None, None]})
    repro = reproduction(results, published, {}).set_index("ref")
    assert repro.loc["a.count", "published"] == SUPPRESSED and repro.loc["a.count", "ok"] == "suppressed"
    assert repro.loc["b.count", "published"] == 12 and repro.loc["b.count", "ok"] is True


def test_every_split_is_enumerated_once():
    """Guard on the hand computations above: the four splits of kind 1 give four distinct
    chi-square values at two decimals."""
    values = {round(_chi2([[10, a], [12, 5 - a]]), 2) for a, _ in itertools.product(range(1, 5), [0])}
    assert len(values) == 4


# ------------------------------------------------------------------- the bundles as built

def test_the_certificate_lists_every_published_number(bundles):
    """disclosure.csv has a row per scalar, table cell, plotted point and estimate (and
    per withheld point); no
    shown number rests on 1..min-1 persons; every hidden count the audit knows has a range
    that is neither a single value nor inside 1..min-1."""
    from analysis.bundle.store import Bundle
    for name, directory in bundles.items():
        bundle = Bundle.open(directory, name)
        certificate = pd.read_csv(directory / "disclosure.csv")
        per_file = certificate["file"].value_counts()
        assert per_file["scalars"] == len(bundle.scalars), name
        assert per_file["tables"] == len(bundle.tables), name
        # a hidden plotted point is left out of series.csv (the line has a gap), listed here
        series = certificate[certificate["file"].eq("series")]
        assert series["status"].eq("shown").sum() == len(bundle.series), name
        estimates = certificate[certificate["file"].eq("estimates")]
        assert estimates["kind"].eq("estimate").sum() == len(bundle.estimates), name
        # an estimate's N of persons, where the audit knows its cell, is a row of its own
        assert estimates.loc[estimates["kind"].ne("estimate"), "item"].str.endswith(" persons").all()
        shown = certificate[certificate["status"].eq("shown")]
        assert not shown["persons"].between(1, bundle.min_cell - 1).any(), name
        audited = certificate[certificate["status"].eq("hidden") & certificate["audited_low"].notna()]
        assert len(audited), name
        assert (audited["audited_low"] < audited["audited_high"]).all(), name
        assert (audited["audited_high"] >= bundle.min_cell).all(), name
        assert certificate.loc[certificate["status"].eq("hidden"), "rule"].str.len().gt(0).all()
        checker = (directory / "README.md").read_text(encoding="utf-8")
        assert f"{len(certificate)} published numbers; {int(certificate['status'].eq('hidden').sum())} hidden" \
            in checker


def test_a_consent_change_leaving_two_teams_of_one_is_protected(tmp_path):
    """Issue 11, kind 5, on real data: withdraw consent so that two teams keep 1 person
    each in the register data. Bilag 1 hides both and a third cell; the certificate's
    audited range of each hidden team lets it hold 3 or more persons."""
    import shutil

    from analysis.bundle.store import Bundle
    from analysis.compute.stage import compute_bundle
    from analysis.editions import EDITIONS
    edition = EDITIONS["final-2025"]
    data = tmp_path / "extract"
    shutil.copytree(edition.data_dir, data)
    reg = pd.read_csv(data / "registrations.csv", dtype=str, keep_default_na=False)
    in_register = reg[reg["samtykke"].eq("ja") & reg["registreret"].eq("ja")]
    teams = in_register["hold"].value_counts()
    chosen = teams[teams >= 4].index[-2:]
    for team in chosen:
        keep = in_register.index[in_register["hold"].eq(team)][0]
        reg.loc[reg["hold"].eq(team) & (reg.index != keep), "samtykke"] = "nej"
    reg.to_csv(data / "registrations.csv", index=False)
    out = compute_bundle(edition, data=data, out=tmp_path / "bundle")
    bundle = Bundle.open(out, edition.name)
    register = {team: bundle.value(f"bilag1.register.{team}") for team in teams.index}
    assert all(register[team] == SUPPRESSED for team in chosen)
    assert sum(v == SUPPRESSED for v in register.values()) >= 3
    assert bundle.value("bilag1.register.total") != SUPPRESSED
    certificate = pd.read_csv(out / "disclosure.csv").set_index("item")
    for team in chosen:
        row = certificate.loc[f"bilag1.register.{team}"]
        assert row["status"] == "hidden" and row["audited_high"] >= 3, (team, row.to_dict())
