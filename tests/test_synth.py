"""The synthetic extract is generated deterministically, and the bundled one is exactly
what `python -m analysis synth` produces."""
from __future__ import annotations

import filecmp

import pandas as pd
import pytest

from analysis.build import cli
from analysis.register.panel import build_panel, score_distribution
from analysis.register.extract import load_extract
from analysis.synthetic.final import generate

FILES = ["registrations.csv", "dream.csv", "extract.json", "survey_w1.csv", "survey_w2.csv", "survey_w3.csv",
         "dream_pool.parquet"]


@pytest.fixture(scope="module")
def default_seed_copy(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth2025")
    generate(out, seed=2025)
    return out


def test_bundled_extract_is_reproducible_from_the_generator(default_seed_copy, edition):
    for name in FILES:
        assert filecmp.cmp(default_seed_copy / name, edition.data_dir / name, shallow=False), name


def test_same_seed_same_bytes_other_seed_same_calibration(default_seed_copy, tmp_path, edition, mapping):
    assert cli.main(["synth", "--out", str(tmp_path), "--seed", "7"]) == 0
    for name in ("registrations.csv", "dream.csv"):
        assert not filecmp.cmp(default_seed_copy / name, tmp_path / name, shallow=False)
    other = build_panel(load_extract(tmp_path, edition, mapping), mapping)
    bundled = build_panel(load_extract(edition.data_dir, edition, mapping), mapping)
    pd.testing.assert_frame_equal(score_distribution(other, edition.time_points),
                                  score_distribution(bundled, edition.time_points))


def test_synthetic_extract_says_it_is_synthetic(edition):
    import json
    manifest = json.loads((edition.data_dir / "extract.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and manifest["seed"] == 2025
