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


@pytest.fixture(scope="session")
def built_final(bundles):
    """The default edition built once for the session, HTML and PDF, in the default place
    (TPJ_BUILD/final-2025), and a copy of its site and PDF as built (`final_site`: later
    renders of the book tests replace the site)."""
    import shutil

    from analysis.build.driver import build
    out = EDITIONS["final-2025"].out
    assert build(EDITIONS["final-2025"]) == 0
    snapshot = out.parent / "final-2025-as-built"
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(out / "html", snapshot / "html")
    shutil.copytree(out / "pdf", snapshot / "pdf")
    return out


@pytest.fixture(scope="session")
def built_pilot_2023(bundles):
    """The pilot-2023 edition built once for the session, HTML and PDF, in the default place
    (TPJ_BUILD/pilot-2023)."""
    from analysis.build.driver import build
    assert build(EDITIONS["pilot-2023"]) == 0
    return EDITIONS["pilot-2023"].out


@pytest.fixture(scope="session")
def final_site(request):
    """The default edition's site and PDF as the full build made them (html/, pdf/); with
    TPJ_TEST_SITE=<folder holding html/ and pdf/> (e.g. _build/final-2025) the tests of the
    site and the PDF check that build instead of making one."""
    from pathlib import Path
    given = os.environ.get("TPJ_TEST_SITE")
    if given:
        return Path(given)
    return request.getfixturevalue("built_final").parent / "final-2025-as-built"
