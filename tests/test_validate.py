"""Bad extracts stop with the file, row, column and reason; `validate` exits with code 2.

Every test copies the bundled synthetic extract into a temporary directory, breaks one
thing, and checks both the library (`load_extract` raises `DataError`) and the command
line (`python -m analysis validate --data DIR` prints `error: ...` and returns 2).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.build import cli
from analysis.errors import DataError
from analysis.register.panel import build_panel
from analysis.register.extract import load_extract
from analysis.weeks import week_column

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FILES = ("registrations.csv", "dream.csv")
# the synthetic person ids look like S1234567; an error message must never print one
PERSON_ID = re.compile(r"\bS\d{7}\b")
UNKNOWN_CODE = "555"


# --------------------------------------------------------------------------- helpers

@pytest.fixture
def data_dir(tmp_path, edition) -> Path:
    """A fresh copy of the bundled extract (the two CSV files)."""
    out = tmp_path / "extract"
    out.mkdir()
    for name in FILES:
        shutil.copy(edition.data_dir / name, out / name)
    return out


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def rejects(data_dir: Path, edition, mapping, capsys, *fragments: str) -> DataError:
    """Assert that the extract is rejected by the library and by `validate`, with a
    message holding every fragment; return the error for further checks."""
    with pytest.raises(DataError) as info:
        load_extract(data_dir, edition, mapping)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert not PERSON_ID.search(message), f"message prints a person id: {message!r}"

    capsys.readouterr()
    assert cli.main(["validate", "--data", str(data_dir)]) == 2
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: {message}"]
    assert "OK" not in captured.out
    return info.value


def sample_person_week(extract) -> tuple[str, str]:
    """A person of the register sample and a weekly column inside their analysis window."""
    person = extract.persons.iloc[5]
    return person["pnr"], week_column(int(person["start_week"]) + 3)


def sorted_panel(panel: pd.DataFrame) -> pd.DataFrame:
    return panel.sort_values(["pnr", "week"]).reset_index(drop=True)


# --------------------------------------------------------------------------- DREAM codes

def test_unknown_dream_code_names_file_row_column_and_code(data_dir, edition, mapping, extract, capsys):
    assert UNKNOWN_CODE not in mapping.scores
    pnr, column = sample_person_week(extract)
    dream = read(data_dir / "dream.csv")
    index = int(dream.index[dream["PNR"] == pnr][0])
    assert dream.loc[index, column] != ""
    dream.loc[index, column] = UNKNOWN_CODE
    write(dream, data_dir / "dream.csv")

    row = index + 1
    err = rejects(data_dir, edition, mapping, capsys,
                  "dream.csv", f"row {row}, line {row + 1}", f"column {column!r}",
                  f"unknown DREAM code {UNKNOWN_CODE!r}", "score_mapping.csv")
    assert Path(err.file).name == "dream.csv"
    assert (err.row, err.column) == (row, column)


def test_duplicate_pnr_in_dream_names_the_row(data_dir, edition, mapping, capsys):
    dream = read(data_dir / "dream.csv")
    # the copy of data row 8 goes right after it, as data row 9
    dream = pd.concat([dream.iloc[:8], dream.iloc[[7]], dream.iloc[8:]], ignore_index=True)
    write(dream, data_dir / "dream.csv")

    err = rejects(data_dir, edition, mapping, capsys,
                  "dream.csv", "row 9, line 10", "column 'PNR'", "duplicate PNR")
    assert (err.row, err.column) == (9, "PNR")


def test_consenting_participant_without_dream_row_is_set_aside_not_an_error(
        data_dir, edition, mapping, extract, capsys):
    pnr, _ = sample_person_week(extract)
    dream = read(data_dir / "dream.csv")
    write(dream[dream["PNR"] != pnr], data_dir / "dream.csv")

    got = load_extract(data_dir, edition, mapping)
    before = extract.quality.set_index("reason")["persons"]
    after = got.quality.set_index("reason")["persons"]
    assert after["no_dream_row"] == before["no_dream_row"] + 1
    assert after["register_sample"] == before["register_sample"] - 1
    unchanged = [r for r in before.index if r not in ("no_dream_row", "register_sample")]
    assert after[unchanged].equals(before[unchanged])
    person = got.registrations.set_index("pnr").loc[pnr]
    assert (person["samtykke"], person["registreret"], person["set_aside"]) == ("ja", "ja", "no_dream_row")
    assert pnr not in set(got.persons["pnr"])

    capsys.readouterr()
    assert cli.main(["validate", "--data", str(data_dir)]) == 0
    captured = capsys.readouterr()
    assert "OK" in captured.out
    assert re.search(rf"no_dream_row\s+{after['no_dream_row']}\b", captured.out)
    assert "error:" not in captured.err


# --------------------------------------------------------------------------- DREAM header

@pytest.mark.parametrize("bad, reason", [
    ("y_22W10", "is not y_YYWW"),
    ("y_2254", "ISO year 2022 has no week 54"),
    ("y_2253", "ISO year 2022 has no week 53"),   # 2022 has 52 ISO weeks
])
def test_malformed_weekly_column_name(data_dir, edition, mapping, capsys, bad, reason):
    dream = read(data_dir / "dream.csv")
    write(dream.rename(columns={"y_2220": bad}), data_dir / "dream.csv")

    err = rejects(data_dir, edition, mapping, capsys, "dream.csv", f"column {bad!r}", reason)
    assert Path(err.file).name == "dream.csv"
    assert err.column == bad and err.row is None


@pytest.mark.parametrize("drop, fragments", [
    ("all", ["no monthly employment columns branche_YYYY_MM"]),
    ("branche_2023_05", ["monthly employment column branche_2023_05 is missing",
                         "2022-W10"]),
], ids=["no-branche-columns", "one-month-missing"])
def test_dream_without_monthly_employment_columns(data_dir, edition, mapping, capsys, drop, fragments):
    dream = read(data_dir / "dream.csv")
    gone = [c for c in dream.columns if c.startswith("branche_")] if drop == "all" else [drop]
    write(dream.drop(columns=gone), data_dir / "dream.csv")

    err = rejects(data_dir, edition, mapping, capsys, "dream.csv", *fragments)
    assert Path(err.file).name == "dream.csv"


# --------------------------------------------------------------------------- registrations

@pytest.mark.parametrize("start, fragments", [
    ("2022-W20", ["its 26 weeks before need data from 2021-W45",
                  "the DREAM extract begins 2022-W10"]),
    ("2026-W40", ["more than 26 weeks after the DREAM extract ends 2025-W14"]),
], ids=["before-the-extract", "after-the-extract"])
def test_team_start_outside_the_data_window(data_dir, edition, mapping, capsys, start, fragments):
    reg = read(data_dir / "registrations.csv")
    team = reg["hold"] == "Hold 3"
    reg.loc[team, "kursusstart"] = start
    write(reg, data_dir / "registrations.csv")

    row = int(reg.index[team][0]) + 1
    err = rejects(data_dir, edition, mapping, capsys,
                  "registrations.csv", f"row {row}, line {row + 1}", "column 'kursusstart'",
                  f"team 'Hold 3' starts {start}", "outside the data window", *fragments)
    assert Path(err.file).name == "registrations.csv"
    assert (err.row, err.column) == (row, "kursusstart")


def latin1_registrations(data_dir: Path) -> int:
    """Re-encode registrations.csv as latin-1; return the first line with æ, ø or å."""
    path = data_dir / "registrations.csv"
    text = path.read_text(encoding="utf-8")
    line = next(n for n, content in enumerate(text.splitlines(), start=1)
                if any(ch in content for ch in "æøåÆØÅ"))
    path.write_bytes(text.encode("latin-1"))
    return line


def test_latin1_registrations_is_not_utf8(data_dir, edition, mapping, capsys):
    line = latin1_registrations(data_dir)
    err = rejects(data_dir, edition, mapping, capsys,
                  "registrations.csv", "not UTF-8", f"at line {line},", "save the file as UTF-8")
    assert Path(err.file).name == "registrations.csv"
    assert err.row == line - 1


def test_latin1_message_does_not_print_a_person_id(data_dir, edition, mapping):
    latin1_registrations(data_dir)
    with pytest.raises(DataError) as info:
        load_extract(data_dir, edition, mapping)
    assert "not UTF-8" in str(info.value)
    assert not PERSON_ID.search(str(info.value))


@pytest.mark.parametrize("column, value, fragments", [
    ("status", "færdig", ["must be one of 'gennemført', 'afmeldt'"]),
    ("samtykke", "Ja", ["must be one of 'ja', 'nej'"]),
    ("koen", "m", ["must be one of 'mand', 'kvinde', ''"]),
    ("kursusstart", "2024-41", ["must be an ISO week YYYY-Www"]),
])
def test_registrations_value_outside_the_contract(data_dir, edition, mapping, capsys,
                                                  column, value, fragments):
    reg = read(data_dir / "registrations.csv")
    reg.loc[10, column] = value
    write(reg, data_dir / "registrations.csv")

    err = rejects(data_dir, edition, mapping, capsys,
                  "registrations.csv", "row 11, line 12", f"column {column!r}", f"value {value!r}",
                  *fragments)
    assert (err.row, err.column) == (11, column)


# --------------------------------------------------------------------------- empty files

@pytest.mark.parametrize("name", FILES)
def test_empty_file(data_dir, edition, mapping, capsys, name):
    (data_dir / name).write_bytes(b"")
    err = rejects(data_dir, edition, mapping, capsys, name, "the file is empty (0 bytes)")
    assert Path(err.file).name == name


@pytest.mark.parametrize("name", FILES)
def test_header_line_only(data_dir, edition, mapping, capsys, name):
    path = data_dir / name
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(header + "\n", encoding="utf-8")
    err = rejects(data_dir, edition, mapping, capsys, name, "the file has a header but no rows")
    assert Path(err.file).name == name


# --------------------------------------------------------------------------- other formats

def test_parquet_dream_gives_the_same_panel_as_csv(data_dir, edition, mapping, panel):
    dream = read(data_dir / "dream.csv")
    assert all(pd.api.types.is_string_dtype(dream[c]) for c in dream.columns)
    dream.to_parquet(data_dir / "dream.parquet", index=False)
    (data_dir / "dream.csv").unlink()

    got = load_extract(data_dir, edition, mapping)
    assert got.source["dream"].endswith("dream.parquet")
    pd.testing.assert_frame_equal(sorted_panel(build_panel(got, mapping)), sorted_panel(panel))


def test_sas_dream_gives_the_same_panel_as_csv(tmp_path, edition, mapping, panel):
    import pyreadstat

    fixture = FIXTURES / "dream_small.sas7bdat"
    _, meta = pyreadstat.read_sas7bdat(str(fixture), metadataonly=True)
    # the fixture stores codes as SAS numbers, so 730.0 -> '730' and missing -> '' are tested
    assert meta.readstat_variable_types["y_2210"] == "double"
    assert meta.readstat_variable_types["PNR"] == "string"

    sas = tmp_path / "sas"
    sas.mkdir()
    shutil.copy(fixture, sas / "dream.sas7bdat")
    shutil.copy(FIXTURES / "registrations_small.csv", sas / "registrations.csv")

    # the same persons' rows of the bundled CSV extract
    csv = tmp_path / "csv"
    csv.mkdir()
    shutil.copy(FIXTURES / "registrations_small.csv", csv / "registrations.csv")
    persons = set(read(csv / "registrations.csv")["pnr"])
    dream = read(edition.data_dir / "dream.csv")
    write(dream[dream["PNR"].isin(persons)], csv / "dream.csv")

    from_sas = load_extract(sas, edition, mapping)
    from_csv = load_extract(csv, edition, mapping)
    assert from_sas.source["dream"].endswith("dream.sas7bdat")
    assert len(from_sas.persons) == len(persons) == 12
    pd.testing.assert_frame_equal(from_sas.quality, from_csv.quality)
    sas_panel = sorted_panel(build_panel(from_sas, mapping))
    pd.testing.assert_frame_equal(sas_panel, sorted_panel(build_panel(from_csv, mapping)))
    assert (sas_panel["code"] == "").any(), "the fixture should have blank (missing) weeks"
    assert not sas_panel["code"].astype(str).str.contains(r"\.").any()

    # and it is these persons' part of the full panel (categories differ, values do not)
    full = sorted_panel(panel[panel["pnr"].isin(persons)])
    as_text = {c: str for c in ["hold", "fase", "status", "koen", "aldersgruppe",
                                "visitationskategori", "iso_week", "code"]}
    pd.testing.assert_frame_equal(sas_panel.astype(as_text), full.astype(as_text))


def test_repeated_column_name_is_reported_as_such(data_dir, edition, mapping, capsys):
    path = data_dir / "dream.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace("y_2221,", "y_2220,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    rejects(data_dir, edition, mapping, capsys, "dream.csv", "'y_2220' appears more than once")
