from datetime import date

import pytest

from analysis import weeks


def test_consecutive_weeks_across_a_53_week_year():
    # 2020 has 53 ISO weeks: W53 sits between 2020-W52 and 2021-W01
    w52 = weeks.week_index(2020, 52)
    assert weeks.week_index(2020, 53) == w52 + 1
    assert weeks.week_index(2021, 1) == w52 + 2
    assert weeks.week_label(w52 + 2) == "2021-W01"


def test_column_round_trip_and_two_digit_years():
    index = weeks.parse_week_column("y_2514")
    assert weeks.iso_year_week(index) == (2025, 14)
    assert weeks.week_column(index) == "y_2514"
    assert weeks.iso_year_week(weeks.parse_week_column("y_9132")) == (1991, 32)


@pytest.mark.parametrize("name", ["y_22W10", "y_221", "y_2254", "y_2200"])
def test_malformed_week_columns(name):
    with pytest.raises(ValueError, match=name):
        weeks.parse_week_column(name)


def test_53rd_week_column_only_in_long_years():
    assert weeks.iso_year_week(weeks.parse_week_column("y_2053")) == (2020, 53)
    with pytest.raises(ValueError, match="no week 53"):
        weeks.parse_week_column("y_2153")


def test_week_belongs_to_the_month_of_its_thursday():
    # ISO 2025-W01 starts Monday 2024-12-30; its Thursday is 2025-01-02
    assert weeks.month_of_week(weeks.week_index(2025, 1)) == (2025, 1)
    # 2024-W05: Monday 29 January, Thursday 1 February
    assert date.fromisocalendar(2024, 5, 4) == date(2024, 2, 1)
    assert weeks.month_of_week(weeks.week_index(2024, 5)) == (2024, 2)


def test_week_labels():
    assert weeks.week_label(weeks.parse_week_label("2024-W07")) == "2024-W07"
    with pytest.raises(ValueError, match="YYYY-Www"):
        weeks.parse_week_label("2024-7")
    with pytest.raises(ValueError, match="no week 53"):
        weeks.parse_week_label("2023-W53")
