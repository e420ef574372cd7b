"""The third edition: the pilot evaluation of September 2023 (seed 001), built from the
registrations, the registration tool's data and three survey waves, with no DREAM data."""
from __future__ import annotations

import shutil

import pytest

from analysis.build import cli
from analysis.editions import EDITIONS, toc_entries
from analysis.errors import DataError
from analysis.register.extract import load_extract

P23 = EDITIONS["pilot-2023"]


def test_settings_follow_seed_001():
    assert P23.register_data is False
    assert all(ed.register_data for name, ed in EDITIONS.items() if name != "pilot-2023")
    assert P23.course_weeks == 8 and P23.phases == ("pilot",) and P23.cancelled_teams == ("Hold 2",)
    assert P23.last_week == "2023-W39"


def test_table_of_contents_in_seed_001s_order():
    entries = toc_entries(P23.toc)
    order = ["chapters/baggrund", "chapters/forandringsteori", "chapters/hovedkonklusioner",
             "chapters/fremgangsmaade", "chapters/maalgruppe", "chapters/aktivitetsopgoerelse",
             "chapters/resultatmaal1", "chapters/resultatmaal2", "chapters/cases", "chapters/bilag15_16"]
    assert [e for e in entries if e in order] == order


@pytest.fixture
def registrations_only(tmp_path):
    """An extract of the pilot teams' registrations and no dream.* file."""
    out = tmp_path / "extract"
    out.mkdir()
    shutil.copy(EDITIONS["pilot-2024"].data_dir / "registrations.csv", out / "registrations.csv")
    return out


def test_an_extract_without_dream_is_valid_for_pilot_2023(registrations_only, mapping, capsys):
    extract = load_extract(registrations_only, P23, mapping)
    assert extract.persons.empty and extract.codes.size == 0
    assert len(extract.registrations) > 0
    assert set(extract.registrations["fase"]) == {"pilot"}
    assert "dream" not in extract.source
    assert cli.main(["validate", "--edition", "pilot-2023", "--data", str(registrations_only)]) == 0


@pytest.mark.parametrize("name", ["final-2025", "pilot-2024"])
def test_an_extract_without_dream_is_an_error_for_the_register_editions(registrations_only, mapping, capsys,
                                                                       name):
    with pytest.raises(DataError, match=r"no dream\.csv, dream\.parquet or dream\.sas7bdat"):
        load_extract(registrations_only, EDITIONS[name], mapping)
    capsys.readouterr()
    assert cli.main(["validate", "--edition", name, "--data", str(registrations_only)]) == 2
    assert "dream" in capsys.readouterr().err
