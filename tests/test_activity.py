"""Rammer for indsatsen (analysis.compute.activity): enrolment per municipality and Tabel 4
after disclosure control, and what the section publishes."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.bundle.store import BundleWriter
from analysis.compute.activity import (OTHER_MUNICIPALITIES, municipality_counts, publish_municipalities,
                                       publish_tabel4, tabel4_hidden)
from analysis.compute.stage import load_microdata
from analysis.disclosure.rules import DisclosureError
from analysis.editions import get_edition


def test_small_municipalities_are_merged_and_no_bar_is_small():
    reg = pd.DataFrame({"kommune": ["A"] * 10 + ["B"] * 5 + ["C"] * 2 + ["D"] * 1 + ["E"] * 3})
    counts = municipality_counts(reg, min_cell=3)
    assert list(counts["kommune"]) == ["A", "B", "E", OTHER_MUNICIPALITIES]
    assert counts.set_index("kommune").loc[OTHER_MUNICIPALITIES, "members"] == ("C", "D")
    assert counts["n"].sum() == len(reg) and counts["n"].min() >= 3


def test_a_small_merged_bar_takes_the_smallest_shown_municipality():
    reg = pd.DataFrame({"kommune": ["A"] * 10 + ["B"] * 4 + ["C"] * 3 + ["D"] * 2})
    counts = municipality_counts(reg, min_cell=3)
    merged = counts.set_index("kommune").loc[OTHER_MUNICIPALITIES]
    assert merged["members"] == ("C", "D") and merged["n"] == 5
    assert list(counts["kommune"]) == ["A", "B", OTHER_MUNICIPALITIES]
    assert counts["n"].min() >= 3


def test_too_few_enrolled_in_all_is_an_error():
    with pytest.raises(DisclosureError):
        municipality_counts(pd.DataFrame({"kommune": ["A", "B"]}), min_cell=3)


def test_municipalities_of_the_bundled_extract(extract):
    counts = municipality_counts(extract.registrations, min_cell=3)
    assert counts["n"].min() >= 3
    assert counts["n"].sum() == len(extract.registrations)
    shown = set(counts["kommune"]) - {OTHER_MUNICIPALITIES}
    merged = counts.loc[counts["kommune"] == OTHER_MUNICIPALITIES, "members"]
    assert len(shown) + sum(len(m) for m in merged) == extract.registrations["kommune"].nunique()


def tabel4(pilot: tuple[int, int], rollout: tuple[int, int]) -> pd.DataFrame:
    """Shaped like cohort.completion_by_phase: (completed, afmeldt) per phase."""
    frame = pd.DataFrame({"pilot": [1, sum(pilot), *pilot], "udbredelse": [2, sum(rollout), *rollout]},
                         index=["hold", "enrolled", "completed", "afmeldt"])
    frame["total"] = frame["pilot"] + frame["udbredelse"]
    return frame


def test_tabel4_hides_the_phases_when_one_count_is_small():
    assert tabel4_hidden(tabel4((3, 2), (18, 2)), min_cell=3)
    assert not tabel4_hidden(tabel4((3, 0), (18, 4)), min_cell=3)        # a zero is not a small cell
    assert not tabel4_hidden(tabel4((30, 5), (180, 40)), min_cell=3)


def test_what_the_section_publishes_on_the_bundled_extract():
    md = load_microdata(get_edition("final-2025"))
    w = BundleWriter()
    publish_tabel4(md, w, "rammer")
    publish_municipalities(md, w, "rammer")
    value = {row["key"]: row["value"] for row in w.scalars}
    assert value["tabel4.total.enrolled.count"] == len(md.extract.registrations)
    assert value["tabel4.total.completed.pct"] == round(100 * value["tabel4.total.completed.count"]
                                                        / value["tabel4.total.enrolled.count"])
    series = w.frames()["series"]
    assert series["y"].sum() == len(md.extract.registrations)
    assert (series["y"] >= md.min_cell).all() and (series["persons"] == series["y"]).all()
    assert value["rammer.kommune_max.count"] == series["y"].max()
