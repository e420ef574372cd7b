from __future__ import annotations

import pandas as pd
import pytest

from analysis.editions import EDITIONS
from analysis.register.panel import build_panel
from analysis.register.extract import load_extract
from analysis.reference.scoring import load_mapping


@pytest.fixture(scope="session")
def edition():
    return EDITIONS["final-2025"]


@pytest.fixture(scope="session")
def mapping():
    return load_mapping()


@pytest.fixture(scope="session")
def published(edition) -> pd.DataFrame:
    return pd.read_csv(edition.published, dtype={"seed": str}).set_index("ref")


@pytest.fixture(scope="session")
def extract(edition, mapping):
    return load_extract(edition.data_dir, edition, mapping)


@pytest.fixture(scope="session")
def panel(extract, mapping):
    return build_panel(extract, mapping)
