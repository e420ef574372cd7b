import pandas as pd

from analysis.report import book


def test_danish_numbers():
    assert book.number(2.8101) == "2,81"
    assert book.number(-0.6742) == "-0,67"
    assert book.number(1.461, sign=True) == "+1,46"
    assert book.number(-0.001) == "0,00"          # no "-0,00"
    assert book.count(12345) == "12.345"
    assert book.pct(88.43) == "88,4 %"
    assert book.number("x") == "x"


def test_direction_follows_the_printed_sign():
    assert book.direction(0.3) == "stiger" and book.direction(-0.3) == "falder"
    assert book.direction(0.004) == "er uændret"


def test_table_markdown_aligns_numbers_right_and_text_left():
    frame = pd.DataFrame({"Gruppe": ["Mænd", "Kvinder"], "Antal": ["91", "x"], "Note": ["a", ""]})
    text = book.table_markdown(frame, "Overskrift", "tabel-test", notes=["Kilde: test."], widths=[4, 2, 3])
    lines = text.splitlines()
    assert lines[0].startswith("```{tabularcolumns} >{\\raggedright")
    assert "\\raggedleft\\arraybackslash}\\X{2}{9}" in lines[0]
    assert ":::{table} Overskrift" in lines and ":name: tabel-test" in lines
    assert "|:---|---:|:---|" in lines
    assert "| Kvinder | x | \u00a0 |" in lines      # an empty cell becomes a no-break space
    assert lines[-1] == "Kilde: test."


def test_model_table_layout_and_withheld_estimates():
    estimates = pd.DataFrame([
        {"period": "inden", "term": "intercept", "estimate": 2.81, "stars": "***", "published": True},
        {"period": "inden", "term": "coef", "estimate": -0.67, "stars": "***", "published": True},
        {"period": "efter", "term": "intercept", "estimate": 2.14, "stars": "***", "published": True},
        {"period": "efter", "term": "coef", "estimate": 1.46, "stars": "", "published": False},
    ])
    table = book.model_table(estimates, "Samlet")
    assert list(table["Samlet"]) == ["**Inden kursus**", "Skæringspunkt", "Koefficient",
                                     "**Efter kursus**", "Skæringspunkt", "Koefficient"]
    assert list(table["Estimat"])[1:3] == ["2,81", "-0,67"]
    assert table["Estimat"].iloc[-1] == "x" and table["Signifikans"].iloc[-1] == ""
