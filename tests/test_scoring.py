from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.reference.scoring import EXCLUDED, MAPPING_PATH, load_mapping

ACTIVATION_FAMILIES = ("13", "14", "21", "70", "71", "72", "73", "74", "75", "76", "81", "89")


def test_every_row_has_text_score_and_source():
    table = pd.read_csv(MAPPING_PATH, dtype=str, keep_default_na=False)
    assert table["code"].is_unique
    assert (table["text"] != "").all() and (table["source"] != "").all()
    decided = table[table["rule"] == "decision"]
    assert (decided["decision"] != "").all()


def test_activity_overrides_benefit(mapping):
    for code, score in mapping.scores.items():
        if code.isdigit() and code[:2] in ACTIVATION_FAMILIES and code[2] in "5678":
            assert score == (8 if code[2] in "56" else 7), code


def test_deloitte_coding_exceptions(mapping):
    # seed 004 L857-861: nytteindsats and 6-ugers selvvalgt uddannelse under 7;
    # ikke bosiddende and barselsdagpenge coded out
    for code in ("139", "739", "231", "232"):
        assert mapping.scores[code] == 7
    for code in ("881", "997"):
        assert mapping.scores[code] == EXCLUDED
    assert mapping.blank_employed == 10


def test_scale_anchor_codes(mapping):
    expected = {"771": 9, "740": 6, "111": 5, "760": 4, "720": 3, "730": 2, "785": 2, "810": 1,
                "622": 1, "783": 0, "651": 10, "521": 10}
    for code, score in expected.items():
        assert mapping.scores[code] == score, code


def test_bad_mapping_file_is_rejected(tmp_path):
    table = pd.read_csv(MAPPING_PATH, dtype=str, keep_default_na=False)
    table.loc[5, "score"] = "11"
    bad = tmp_path / "mapping.csv"
    table.to_csv(bad, index=False)
    with pytest.raises(DataError, match="score '11' must be 0-10"):
        load_mapping(bad)
