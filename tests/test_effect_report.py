"""The effect chapter's words and figures (analysis.report.effect) follow the published findings."""
from __future__ import annotations

import pandas as pd

from analysis.report import effect


def test_words_follow_the_findings():
    assert effect.pretrend_text("none") == "er forskellen før kurset ikke signifikant forskellig fra nul"
    assert "signifikant forskellig" in effect.pretrend_text("rise") and "ikke" not in effect.pretrend_text("rise")
    assert effect.pretrend_text("") == effect.pretrend_text("untested")
    assert "hurtigere" in effect.hazard_text("rise", "en joblignende uge")
    assert "ikke signifikant" in effect.hazard_text("none", "en joblignende uge")
    assert effect.bracket_text(["rise", "rise", "rise"]) == "Det gælder med alle kontrolgrupperne"
    assert effect.bracket_text(["rise", "none", "rise"]).startswith("Resultatet afhænger")
    assert effect.bracket_text(["none", "none"]).startswith("Ingen af")
    assert effect.bracket_text(["rise"]).startswith("Skønnet bygger kun")
    assert effect.sentence("kursisterne ligger") == "Kursisterne ligger"
    # issue 13 review, item 5: the pre-trend test of the design matched on the pre-period is
    # no evidence; the lead's caveat follows the lead design's pre-trend finding
    assert not effect.pretrend_is_evidence("matched_full")
    assert effect.pretrend_is_evidence("matched_old") and effect.pretrend_is_evidence("not_yet_treated")
    assert "forbehold" in effect.lead_caveat("fall") and "forbehold" in effect.lead_caveat("rise")
    assert effect.lead_caveat("none") == effect.lead_caveat("untested") == ""


def test_figures_carry_their_data_and_alt_text():
    rows = [{"series": s, "x": x, "y": y} for x in (-26, -8, 1, 26)
            for s, y in (("estimate", 0.1 * x), ("ci_low", 0.1 * x - 0.2), ("ci_high", 0.1 * x + 0.2))]
    fig = effect.event_study_figure({"senere startende hold": pd.DataFrame(rows)}, 7, 8)
    assert len(fig.tpj_data) == 4 and fig.tpj_alt.startswith("Linjediagram")
    curves = pd.DataFrame([{"series": s, "x": x, "y": y} for x in range(1, 5)
                           for s, y in (("participants", 10 * x), ("controls", 5 * x))])
    fig = effect.survival_figure(curves, "andel")
    assert list(fig.tpj_data.columns) == ["Uger efter kursusstart", "Kursister, procent",
                                         "Matchet kontrolgruppe, procent"]
    assert "40,0" in fig.tpj_alt   # in per cent
