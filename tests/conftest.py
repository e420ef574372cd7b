from __future__ import annotations

import os
import tempfile

# every build the tests make (bundles, sites) goes to a temporary folder, not the user's _build/;
# set before analysis.editions is imported (it reads TPJ_BUILD once)
os.environ.setdefault("TPJ_BUILD", tempfile.mkdtemp(prefix="tpj-test-build-"))

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.editions import EDITIONS  # noqa: E402
from analysis.reference.scoring import load_mapping  # noqa: E402
from analysis.register.extract import load_extract  # noqa: E402
from analysis.register.panel import build_panel  # noqa: E402


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


@pytest.fixture(scope="session")
def bundles():
    """Both editions' bundles, computed from the bundled extracts into the default place
    (TPJ_BUILD/<edition>/bundle), where a chapter run on its own looks for them."""
    from analysis.build.driver import compute
    return {name: compute(ed) for name, ed in EDITIONS.items()}
