"""Inputs as analysts really make them (issue 16): each kind of fault is read right or
stops with the file, row, line (or Excel row), column and reason, never a person id.

The small extracts live in tests/fixtures/extracts/ (README.md there says where each kind
of file comes from; make_extracts.py writes them). A case directory holds the files that
differ from `base/`; `extract_dir` lays it over a copy of `base/`.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from analysis.build import cli
from analysis.editions import EDITIONS
from analysis.errors import DataError
from analysis.readers import values
from analysis.register.extract import load_extract
from analysis.register.panel import build_panel
from analysis.survey.waves import load_survey

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = FIXTURES / "extracts"
REPO = FIXTURES.parent.parent


# --------------------------------------------------------------------------- helpers

def extract_dir(tmp_path: Path, case: str | None = None, drop: tuple[str, ...] = ()) -> Path:
    """A copy of base/ with the files of `case` laid over it (a file of the same stem
    replaces base's, e.g. dream.parquet replaces dream.csv)."""
    out = tmp_path / (case or "base")
    shutil.copytree(CASES / "base", out)
    for name in drop:
        (out / name).unlink()
    if case:
        for path in (CASES / case).iterdir():
            stem = path.name.split(".")[0]
            for old in out.glob(f"{stem}.*"):
                old.unlink()
            shutil.copy(path, out / path.name)
    return out


def ids_of(data_dir: Path) -> set[str]:
    """The person ids of a case's registrations.csv, however it is written."""
    path = data_dir / "registrations.csv"
    if not path.exists():
        return set()
    reg = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python",
                      encoding="latin-1", on_bad_lines="skip")
    return {p.lstrip("\ufeffï»¿") for p in reg.iloc[:, 0]}


def rejects(data_dir: Path, edition, mapping, capsys, *fragments: str) -> DataError:
    """The extract is rejected by the library and by `validate` (exit 2) with a message
    holding every fragment and no person id of the extract."""
    with pytest.raises(DataError) as info:
        load_extract(data_dir, edition, mapping)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    for pnr in ids_of(CASES / "base") | ids_of(data_dir):
        assert pnr not in message and pnr.lower() not in message and pnr.lstrip("0") not in message
    capsys.readouterr()
    assert cli.main(["validate", "--edition", edition.name, "--data", str(data_dir)]) == 2
    assert f"error: {message}" in capsys.readouterr().err
    return info.value


def sorted_panel(extract, mapping) -> pd.DataFrame:
    return build_panel(extract, mapping).sort_values(["pnr", "week"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def base_panel(edition, mapping, tmp_path_factory):
    return sorted_panel(load_extract(CASES / "base", edition, mapping), mapping)


def same_panel(data_dir: Path, edition, mapping, base_panel) -> None:
    got = load_extract(data_dir, edition, mapping)
    pd.testing.assert_frame_equal(sorted_panel(got, mapping), base_panel)


# --------------------------------------------------------------------------- "none" values

def test_pandas_resaved_dream_reads_like_the_original(tmp_path, edition, mapping, base_panel):
    """Case 1: 730.0 codes and 0.0 for a month without employment (pandas re-save)."""
    same_panel(extract_dir(tmp_path, "pandas-floats"), edition, mapping, base_panel)


def test_sas_missing_values_in_a_csv_are_blank_weeks(tmp_path, edition, mapping, base_panel):
    """Case 6: '.', '.A', '._', '.z' written by SAS for a missing value."""
    same_panel(extract_dir(tmp_path, "sas-missing-csv"), edition, mapping, base_panel)


@pytest.mark.parametrize("column_kind, value, fragments, not_in", [
    ("y_", "x7", ["value 'x7' is not a DREAM code", "empty, 0, SAS '.'"], "score_mapping"),
    ("y_", "-1", ["value '-1' is not a DREAM code"], "score_mapping"),
    ("branche_", "ja", ["value 'ja' is neither an industry code", "'no employment'"], None),
], ids=["letters-in-a-week", "negative-week", "text-in-a-month"])
def test_a_value_that_is_neither_code_nor_none_names_row_and_column(
        tmp_path, edition, mapping, capsys, column_kind, value, fragments, not_in):
    data = extract_dir(tmp_path)
    dream = pd.read_csv(data / "dream.csv", dtype=str, keep_default_na=False)
    column = [c for c in dream.columns if c.startswith(column_kind)][20]
    dream.loc[4, column] = value
    dream.to_csv(data / "dream.csv", index=False)
    err = rejects(data, edition, mapping, capsys, "dream.csv", "row 5, line 6", f"column {column!r}", *fragments)
    if not_in:
        assert not_in not in str(err)


def test_none_values_per_column_type():
    for text in ["", " ", ".", "._", ".A", ".z", "NA", "NaN", "nan", "<NA>"]:
        assert values.weekly_code(text) == "" and values.employment(text) is False
    for text in ["0", "0.0", "00", "0,0"]:
        assert values.weekly_code(text) == "" and values.employment(text) is False
    assert [values.weekly_code(t) for t in ["730", " 730", "730.0", "730,0"]] == ["730"] * 4
    assert values.employment("479100") and values.employment("479100.0") and values.employment("47.91.00")
    survey = pd.Series(["", ".", ".B", "NA", "0", "3"])
    assert values.blank_missing(survey).tolist() == ["", "", "", "", "0", "3"]


# --------------------------------------------------------------------------- identifiers

def test_ids_that_lost_their_leading_zero_stop_validate(tmp_path, edition, mapping, capsys):
    """Case 2: text ids '0123456789' in registrations, '123456789' in DREAM."""
    rejects(extract_dir(tmp_path, "ids-leading-zeros"), edition, mapping, capsys,
            "dream.csv, column 'PNR': 6 enrolled citizens of registrations.csv have no DREAM row under "
            "their id, but would match one if leading zeros were ignored",
            "keep ids as text in every file")


def test_numeric_id_column_is_an_error(tmp_path, edition, mapping, capsys):
    rejects(extract_dir(tmp_path, "ids-numeric-parquet"), edition, mapping, capsys,
            "dream.parquet, column 'PNR': person ids are stored as numbers, which loses leading zeros",
            "Parquet type int64")


def test_ids_differing_in_case_stop_validate(tmp_path, edition, mapping, capsys):
    """Case 3: the same ids in lower case in DREAM."""
    rejects(extract_dir(tmp_path, "ids-case"), edition, mapping, capsys,
            "12 enrolled citizens of registrations.csv have no DREAM row under their id, but would "
            "match one if case were ignored")


def test_ids_differing_in_white_space_stop_validate(tmp_path, edition, mapping, capsys):
    data = extract_dir(tmp_path)
    dream = pd.read_csv(data / "dream.csv", dtype=str, keep_default_na=False)
    dream["PNR"] = dream["PNR"].str[:3] + " " + dream["PNR"].str[3:]
    dream.to_csv(data / "dream.csv", index=False)
    rejects(data, edition, mapping, capsys, "12 enrolled citizens", "if white space were ignored")


def test_survey_respondent_near_match_is_explained(tmp_path, extract):
    out = tmp_path / "survey"
    out.mkdir()
    wave = pd.read_csv(EDITIONS["final-2025"].data_dir / "survey_w1.csv", dtype=str, keep_default_na=False)
    wave.loc[3, "pnr"] = wave.loc[3, "pnr"].lower()
    wave.to_csv(out / "survey_w1.csv", index=False)
    with pytest.raises(DataError) as info:
        load_survey(out, extract.registrations)
    assert "survey_w1.csv, row 4, line 5, column 'pnr': respondent is not among the enrolled" in str(info.value)
    assert "1 such respondents would match an enrolled id if case were ignored" in str(info.value)


# --------------------------------------------------------------------------- formats

def test_danish_excel_csv_with_semicolons_and_decimal_commas(tmp_path, edition, mapping, base_panel):
    """Case 4: 'CSV UTF-8' from Danish Excel: ';', decimal comma, byte-order mark."""
    same_panel(extract_dir(tmp_path, "danish-excel-csv"), edition, mapping, base_panel)


def test_tab_separated_file_names_the_separator(tmp_path, edition, mapping, capsys):
    rejects(extract_dir(tmp_path, "tab-separated"), edition, mapping, capsys,
            "registrations.csv: the header line is separated by tab; save the file as CSV with ',' or ';'")


def test_registrations_as_excel_workbook(tmp_path, edition, mapping, base_panel):
    """Case 5: the municipality's .xlsx."""
    same_panel(extract_dir(tmp_path, "registrations-xlsx"), edition, mapping, base_panel)


def test_excel_errors_name_the_excel_row(tmp_path, edition, mapping, capsys):
    import openpyxl
    data = extract_dir(tmp_path, "registrations-xlsx")
    book = openpyxl.load_workbook(data / "registrations.xlsx")
    sheet = book.active
    status = [c.value for c in sheet[1]].index("status") + 1
    sheet.cell(row=4, column=status, value="færdig")          # data row 3
    book.save(data / "registrations.xlsx")
    err = rejects(data, edition, mapping, capsys,
                  "registrations.xlsx, row 3, Excel row 4, column 'status': value 'færdig' must be one of")
    assert (err.row, err.column) == (3, "status")


def test_excel_id_typed_as_a_number_names_the_excel_row(tmp_path, edition, mapping, capsys):
    import openpyxl
    data = extract_dir(tmp_path, "registrations-xlsx")
    book = openpyxl.load_workbook(data / "registrations.xlsx")
    book.active.cell(row=6, column=1, value=123456789)          # data row 5
    book.save(data / "registrations.xlsx")
    rejects(data, edition, mapping, capsys,
            "registrations.xlsx, row 5, Excel row 6, column 'pnr': person ids are stored as numbers",
            "format the column as Text")


def test_unsupported_neighbour_file_is_named(tmp_path, edition, mapping, capsys):
    data = extract_dir(tmp_path, "registrations-xls", drop=("registrations.csv",))
    rejects(data, edition, mapping, capsys,
            "no registrations.csv, registrations.xlsx, registrations.parquet or registrations.sas7bdat",
            "found registrations.xls, which cannot be read")


def test_dream_as_excel_is_named_as_unsupported(tmp_path, edition, mapping, capsys):
    data = extract_dir(tmp_path)
    (data / "dream.csv").rename(data / "dream.xlsx")
    rejects(data, edition, mapping, capsys, "no dream.csv, dream.parquet or dream.sas7bdat",
            "found dream.xlsx, which cannot be read")


def test_every_format_gives_the_same_panel(tmp_path, edition, mapping, base_panel):
    """One extract as CSV (',' and Danish ';'), Excel, Parquet (nulls and float zeros) and
    SAS (numbers with SAS missing values; tests/fixtures/dream_small.sas7bdat, same persons)."""
    dream = pd.read_csv(CASES / "base" / "dream.csv", dtype=str, keep_default_na=False)
    typed = dream.copy()
    for column in typed.columns[1:]:
        typed[column] = pd.to_numeric(typed[column].replace("", None)).astype("float64")
        if column.startswith("branche_"):
            typed[column] = typed[column].fillna(0.0)
    made = {"parquet": ("dream.parquet", lambda p: typed.to_parquet(p, index=False)),
            "sas": ("dream.sas7bdat", lambda p: shutil.copy(FIXTURES / "dream_small.sas7bdat", p))}
    for name, (file, write) in made.items():
        data = extract_dir(tmp_path / name, "registrations-xlsx", drop=("dream.csv",))
        write(data / file)
        same_panel(data, edition, mapping, base_panel)
    same_panel(extract_dir(tmp_path, "danish-excel-csv"), edition, mapping, base_panel)


def test_unicode_is_compared_in_composed_form(tmp_path, edition, mapping):
    data = extract_dir(tmp_path)
    reg = pd.read_csv(data / "registrations.csv", dtype=str, keep_default_na=False)
    decomposed = unicodedata.normalize("NFD", "Århus")
    reg["kommune"] = [decomposed if i % 2 else "Århus" for i in range(len(reg))]
    reg.to_csv(data / "registrations.csv", index=False)
    got = load_extract(data, edition, mapping)
    assert set(got.registrations["kommune"]) == {"Århus"}


def test_row_with_too_many_fields_names_its_line(tmp_path, edition, mapping, capsys):
    data = extract_dir(tmp_path)
    lines = (data / "registrations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace("Akt. kontanthjælp", "Akt. kontanthjælp,ekstra", 1).replace(
        "Ressourceforløb", "Ressourceforløb,ekstra", 1).replace("Andet", "Andet,ekstra", 1)
    (data / "registrations.csv").write_text("".join(lines), encoding="utf-8")
    rejects(data, edition, mapping, capsys, "registrations.csv, row 4, line 5",
            "the row has 12 fields, the header 11")


def test_latin1_semicolon_file_does_not_print_the_id(tmp_path, edition, mapping, capsys):
    data = extract_dir(tmp_path, "danish-excel-csv")
    text = (data / "registrations.csv").read_text(encoding="utf-8-sig")
    (data / "registrations.csv").write_bytes(text.encode("cp1252"))
    rejects(data, edition, mapping, capsys, "registrations.csv, row 1, line 2", "not UTF-8",
            "save the file as UTF-8")


# --------------------------------------------------------------------------- surveys

def test_survey_line_numbers_count_line_breaks_in_quoted_answers(tmp_path, extract):
    """Case 9: a free-text answer with a line break above the bad row."""
    with pytest.raises(DataError) as info:
        load_survey(CASES / "survey-line-break", extract.registrations)
    raw = (CASES / "survey-line-break" / "survey_w2.csv").read_text(encoding="utf-8")
    line = next(n for n, text in enumerate(raw.splitlines(), start=1) if ",9," in text)
    row = len(pd.read_csv(CASES / "survey-line-break" / "survey_w2.csv")) - 1
    assert f"survey_w2.csv, row {row}, line {line}, column 'tilfreds_samlet'" in str(info.value)
    assert line == row + 2


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """As a survey tool's Excel export: numbers as numbers, ids as text, blanks empty."""
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if v == "" else int(v) if (v.isdigit() and i) else v for i, v in enumerate(row)])
    book.save(path)


@pytest.mark.parametrize("form", ["csv-semicolon", "xlsx", "sas-missing"])
def test_survey_in_other_forms_reads_the_same(tmp_path, extract, form):
    bundled = EDITIONS["final-2025"].data_dir
    wave = pd.read_csv(bundled / "survey_w1.csv", dtype=str, keep_default_na=False)
    out = tmp_path / form
    out.mkdir()
    if form == "csv-semicolon":
        wave.to_csv(out / "survey_w1.csv", sep=";", index=False, encoding="utf-8-sig")
    elif form == "xlsx":
        write_xlsx(wave, out / "survey_w1.xlsx")
    else:
        answers = wave.columns[2:]
        wave[answers] = wave[answers].replace("", ".")
        wave.to_csv(out / "survey_w1.csv", index=False)
    got = load_survey(out, extract.registrations)
    want = load_survey(bundled, extract.registrations)
    assert got.available == [1]
    pd.testing.assert_frame_equal(got.waves[1], want.waves[1])


# --------------------------------------------------------------------------- editions

def population_of(data_dir: Path, name: str, mapping):
    return load_extract(data_dir, EDITIONS[name], mapping)


def test_pilot_edition_from_the_final_extract_keeps_pilot_teams_and_weeks(mapping):
    """Case 10: pilot-2024 built from data/synthetic/final-2025."""
    got = population_of(EDITIONS["final-2025"].data_dir, "pilot-2024", mapping)
    population = got.population
    assert population.selected and population.cut
    assert population.last_week == "2023-W39" and population.extract_last_week == "2025-W14"
    assert len(population.teams_kept) == 9 and len(population.teams_dropped) == 24
    assert (population.enrolled, population.enrolled_dropped) == (131, 393)
    assert set(got.registrations["fase"]) == {"pilot"} and len(got.registrations) == 131
    panel = build_panel(got, mapping)
    assert panel["iso_week"].astype(str).max() <= "2023-W39"
    assert set(panel["fase"].astype(str)) == {"pilot"}
    assert got.quality.set_index("reason").loc["dream_row_not_enrolled", "persons"] == 0
    assert population.as_dict()["teams_dropped"][0].startswith("Hold")


def test_edition_that_the_extract_cannot_serve(tmp_path, mapping, capsys):
    rejects(EDITIONS["pilot-2024"].data_dir, EDITIONS["final-2025"], mapping, capsys,
            "the DREAM extract ends 2023-W39, before 2025-W14, the last week of edition final-2025")
    data = extract_dir(tmp_path)
    reg = pd.read_csv(data / "registrations.csv", dtype=str, keep_default_na=False)
    reg[reg["fase"] == "udbredelse"].to_csv(data / "registrations.csv", index=False)
    rejects(data, EDITIONS["pilot-2024"], mapping, capsys, "column 'fase': no team is of the phase "
            "edition pilot-2024 reports on ('pilot'); the teams here are of phase 'udbredelse'")


# sha256 of the sorted panel as CSV and of the quality table as CSV, computed with the code
# before issue 16 (commit ff9fb07) on the bundled extracts: an edition built from its own
# extract must not change
OWN_EXTRACT = {
    "final-2025": ("504ae055d0f705ae52ce25e806a30ed7739e1f086c56e2c102aee5ffd9d67f06",
                   "8d2032433f048e780e8cc4c12df21570a843504e163168607e859b39fb65a28e"),
    "pilot-2024": ("5e151d700a858cadefa8dcd1d45c2fac6f95f75705ec18cb386b80c2eb9e70e9",
                   "718d5ccb9562a8f1d850c9f7e13261f00d081ce6f13dc8a3f30d64bd37c8d570"),
}


@pytest.mark.parametrize("name", sorted(OWN_EXTRACT))
def test_edition_from_its_own_extract_is_unchanged(name, mapping):
    got = population_of(EDITIONS[name].data_dir, name, mapping)
    panel = sorted_panel(got, mapping)
    digest = hashlib.sha256(panel.to_csv(index=False).encode()).hexdigest()
    quality = hashlib.sha256(got.quality.to_csv(index=False).encode()).hexdigest()
    assert (digest, quality) == OWN_EXTRACT[name]
    assert not got.population.selected and got.population.teams_dropped == ()


# --------------------------------------------------------------------------- the PDF

def test_team_name_the_pdf_cannot_print(tmp_path, edition, mapping, capsys):
    """Case 8: '≥' in a team name passes the HTML but kills pdflatex."""
    err = rejects(extract_dir(tmp_path, "unprintable-team"), edition, mapping, capsys,
                  "column 'hold': value 'Hold ≥ 18' has the character '≥' (U+2265, GREATER-THAN OR EQUAL TO), "
                  "which the report's PDF cannot print")
    assert err.row is not None


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_printable_character_list_matches_the_latex_setup():
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "latex_characters.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
