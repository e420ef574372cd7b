"""Disclosure of the effect chapter's nested person counts (issue 13 review, item 4) and the
shared sample of the matched designs."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.compute.effect import check_nested_counts
from analysis.disclosure.rules import DisclosureError
from analysis.effect.matching import Matching, shared_panels


def test_nested_counts_differing_by_one_or_two_persons_are_refused():
    fine = [("effect.participants", 303, "effect.not_yet_treated.treated", 297),
            ("effect.matched_full.treated", 289, "effect.matched_old.treated", 289)]
    check_nested_counts(fine, 3)                                  # differences 6 and 0
    with pytest.raises(DisclosureError, match="effect.matched_full.treated.*effect.matched_old.treated"):
        check_nested_counts(fine + [("effect.matched_full.treated", 291, "effect.matched_old.treated", 289)], 3)
    with pytest.raises(DisclosureError, match="differ by 1"):
        check_nested_counts([("effect.participants", 300, "effect.matched_full.matched", 299)], 3)
    check_nested_counts([("effect.participants", 300, "effect.matched_full.matched", 297)], 3)
    check_nested_counts([("effect.participants", 300, "effect.matched_full.matched", 299)], 1)


def _matching(participants: list[str], history: str) -> Matching:
    rows = []
    for p in participants:
        rows.append({"pid": p, "treated": 1, "match_set": f"{p}/g"})
        rows.append({"pid": f"c_{p}_{history}", "treated": 0, "match_set": f"{p}/g"})
    return Matching(panel=pd.DataFrame(rows), balance=None, shortfall=None, counts={}, k=1, history=history)


def test_matched_designs_keep_the_participants_matched_in_both():
    panels = shared_panels({"full": _matching(["a", "b", "c"], "full"), "old": _matching(["b", "c", "d"], "old")})
    for history, panel in panels.items():
        assert sorted(panel.loc[panel["treated"] == 1, "pid"]) == ["b", "c"]
        assert sorted(panel.loc[panel["treated"] == 0, "pid"]) == [f"c_b_{history}", f"c_c_{history}"]
