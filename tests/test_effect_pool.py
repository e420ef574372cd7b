"""Reading a comparison pool (analysis/effect/pool.py): pruning, formats, the readers' value
rules and error messages, and agreement with the dream reader."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.effect.matching import EVENTS, FAMILIES, family_codes, participants_from_extract
from analysis.effect.pool import find_pool, pool_window, read_pool
from analysis.errors import DataError
from analysis.weeks import month_of_week, parse_week_column, week_column


@pytest.fixture(scope="module")
def starts(extract):
    return sorted(extract.persons["start_week"].astype(int).unique())


@pytest.fixture(scope="module")
def pool(edition, mapping, starts):
    return read_pool(find_pool(edition.data_dir), mapping, starts)


def test_rows_are_pruned_to_persons_eligible_in_some_start_week(edition, mapping, starts, pool):
    whole = pd.read_parquet(find_pool(edition.data_dir))
    families = family_codes(mapping)
    week0 = [week_column(s - 1) for s in starts]
    eligible = whole[week0].isin(list(families)).any(axis=1)
    assert 0 < eligible.sum() < len(whole)
    assert sorted(pool.persons["pid"]) == sorted(whole.loc[eligible, "PNR"])
    assert pool.rows_in_file == len(whole)
    # the row is the file's: the person id there is the one read
    assert (whole["PNR"].to_numpy()[pool.persons["row"].to_numpy() - 1] == pool.persons["pid"].to_numpy()).all()


def test_columns_are_pruned_to_the_window(edition, mapping, starts, pool):
    first, last = pool_window(starts)
    header = pq.read_schema(find_pool(edition.data_dir)).names
    file_weeks = [parse_week_column(c) for c in header if c.startswith("y_")]
    assert (pool.first_week, pool.last_week) == (first, min(last, max(file_weeks)))
    # weeks before the file's first are absent: read as excluded
    assert first < min(file_weeks)
    assert (pool.scores[:, : min(file_weeks) - first] == -1).all()
    # one late start: only its 52 weeks before and 26 after (and their months) are selected
    late = read_pool(find_pool(edition.data_dir), mapping, starts[-1:])
    selected = late.query.split(" WHERE ")[0]
    weeks = {parse_week_column(c) for c in re.findall(r'"(y_\d{4})"', selected)}
    assert weeks == set(range(starts[-1] - 53, min(starts[-1] + 25, max(file_weeks)) + 1))
    assert len(weeks) < len(file_weeks)
    months = set(re.findall(r'"(branche_\d{4}_\d{2})"', selected))
    assert len(months) == len({month_of_week(w) for w in weeks})


def test_participants_scores_equal_the_dream_readers(extract, mapping, panel):
    participants = participants_from_extract(extract, mapping)
    people = participants.persons
    assert list(people["pid"]) == list(extract.persons["pnr"])
    long = pd.DataFrame(participants.scores, columns=EVENTS)
    long["pnr"] = people["pid"]
    long = long.melt(id_vars="pnr", var_name="week", value_name="mine")
    merged = panel[["pnr", "week", "score"]].astype({"week": int}).merge(long.astype({"week": int}),
                                                                         on=["pnr", "week"])
    assert len(merged) == len(panel)
    theirs = merged["score"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    assert np.array_equal(theirs, merged["mine"].to_numpy(dtype=float), equal_nan=True)
    assert set(people["benefit_family"]) <= set(FAMILIES) | {""}


def _small_pool(edition, tmp_path, n=40):
    """The bundled pool's first `n` rows, every column as text (None when empty)."""
    whole = pd.read_parquet(find_pool(edition.data_dir)).head(n)
    return whole.astype(object).where(whole.notna(), None)


def test_csv_with_semicolons_and_decimal_commas_reads_as_parquet(edition, mapping, starts, tmp_path):
    whole = _small_pool(edition, tmp_path)
    whole.to_parquet(tmp_path / "dream_pool.parquet")
    text = whole.copy()
    for column in [c for c in text.columns if c.startswith("y_")]:
        text[column] = text[column].map(lambda v: "" if v is None or pd.isna(v) else f"{v},0")
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    text.to_csv(csv_dir / "dream_pool.csv", sep=";", index=False)
    a = read_pool(tmp_path / "dream_pool.parquet", mapping, starts)
    b = read_pool(csv_dir / "dream_pool.csv", mapping, starts)
    assert len(a.persons) > 0
    pd.testing.assert_frame_equal(a.persons, b.persons)
    assert np.array_equal(a.scores, b.scores) and np.array_equal(a.family, b.family)


def _write_csv(frame: pd.DataFrame, path):
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("value, reason", [
    ("x7", "is not a DREAM code"),
    ("555,0", "unknown DREAM code '555'"),
])
def test_a_bad_weekly_code_names_file_row_and_column(edition, mapping, starts, tmp_path, value, reason):
    whole = _small_pool(edition, tmp_path)
    week = week_column(starts[0] - 1)
    eligible = whole[week].isin(list(family_codes(mapping)))
    row = int(np.flatnonzero(eligible)[2])
    other = week_column(starts[0] - 5)
    whole.loc[whole.index[row], other] = value
    path = _write_csv(whole, tmp_path / "dream_pool.csv")
    with pytest.raises(DataError) as err:
        read_pool(path, mapping, starts)
    message = str(err.value)
    assert "dream_pool.csv" in message and f"row {row + 1}" in message and repr(other) in message
    assert reason in message
    assert whole.loc[whole.index[row], "PNR"] not in message


def test_a_bad_background_value_names_the_row(edition, mapping, starts, tmp_path):
    whole = _small_pool(edition, tmp_path)
    week = week_column(starts[0] - 1)
    row = int(np.flatnonzero(whole[week].isin(list(family_codes(mapping))))[0])
    whole.loc[whole.index[row], "koen"] = "K"
    path = _write_csv(whole, tmp_path / "dream_pool.csv")
    with pytest.raises(DataError, match=rf"row {row + 1}.*'koen'.*must be one of 'mand', 'kvinde'"):
        read_pool(path, mapping, starts)


def test_numeric_person_ids_are_an_error(edition, mapping, starts, tmp_path):
    whole = _small_pool(edition, tmp_path)
    whole["PNR"] = np.arange(len(whole))
    whole.to_parquet(tmp_path / "dream_pool.parquet")
    with pytest.raises(DataError, match="stored as numbers"):
        read_pool(tmp_path / "dream_pool.parquet", mapping, starts)


def test_a_pool_that_misses_a_start_week_is_an_error(edition, mapping, starts, tmp_path):
    whole = _small_pool(edition, tmp_path)
    path = _write_csv(whole, tmp_path / "dream_pool.csv")
    late = parse_week_column(max(c for c in whole.columns if c.startswith("y_"))) + 10
    with pytest.raises(DataError, match="order the pool for the course's period"):
        read_pool(path, mapping, starts + [late])


def test_missing_background_column_is_an_error(edition, mapping, starts, tmp_path):
    whole = _small_pool(edition, tmp_path).drop(columns="aldersgruppe")
    table = pa.Table.from_pandas(whole, preserve_index=False)
    pq.write_table(table, tmp_path / "dream_pool.parquet")
    with pytest.raises(DataError, match="required column 'aldersgruppe' is missing"):
        read_pool(tmp_path / "dream_pool.parquet", mapping, starts)


def test_validate_reads_the_pool(edition, tmp_path, capsys):
    import shutil
    from analysis.build import cli
    data = tmp_path / "extract"
    shutil.copytree(edition.data_dir, data)
    import json
    persons = json.loads((data / "extract.json").read_text(encoding="utf-8"))["pool"]["persons"]
    assert cli.main(["validate", "--data", str(data)]) == 0
    assert f"comparison pool dream_pool.parquet: {persons} persons" in capsys.readouterr().out
    whole = _small_pool(edition, tmp_path)
    whole["koen"] = "x"
    (data / "dream_pool.parquet").unlink()
    _write_csv(whole, data / "dream_pool.csv")
    assert cli.main(["validate", "--data", str(data)]) == 2
    assert re.search(r"dream_pool.csv, row \d+, line \d+, column 'koen': value 'x' must be one of",
                     capsys.readouterr().err)


def test_a_sas_file_is_named_with_what_to_do(mapping, starts, tmp_path):
    path = tmp_path / "dream.sas7bdat"
    path.write_bytes(b"not read")
    with pytest.raises(DataError, match="convert the file once to Parquet"):
        read_pool(path, mapping, starts)
