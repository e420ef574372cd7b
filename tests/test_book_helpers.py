import re

import numpy as np
import pandas as pd
import pytest

from analysis.report import book


def test_danish_numbers():
    assert book.number(2.8101) == "2,81"
    assert book.number(-0.6742) == "\u22120,67"         # U+2212, not a hyphen
    assert book.number(1.461, sign=True) == "+1,46"
    assert book.number(-0.001) == "0,00"          # no "-0,00"
    assert book.count(12345) == "12.345"
    assert book.pct(88.43) == "88,4\u00a0%"             # a no-break space before %
    assert book.count(303.0) == "303"                    # counts without decimals
    assert book.number("x") == "x"


def test_claims_follow_the_findings_of_tests():
    assert book.claim("rise") == "stiger signifikant" and book.claim("fall") == "falder signifikant"
    assert book.claim("none") == "ændrer sig ikke signifikant" and book.claim("") == book.claim("untested")
    assert book.claim("none", subject="scoren") == "ændrer scoren sig ikke signifikant"
    assert book.claim("rise", "noun") == "en signifikant stigning"


def test_claims_use_the_danish_word_order_of_their_clause():
    """Main clause: verb second, 'ikke' after the verb (and after 'sig'); inverted after an
    adverbial: verb, subject, then 'signifikant'; subordinate clause: 'ikke' before the verb."""
    sentences = {
        ("rise", "main"): "scoren stiger signifikant",
        ("rise", "inverted"): "stiger scoren signifikant",
        ("rise", "sub"): "scoren stiger signifikant",
        ("fall", "inverted"): "falder scoren signifikant",
        ("none", "main"): "scoren ændrer sig ikke signifikant",
        ("none", "inverted"): "ændrer scoren sig ikke signifikant",
        ("none", "sub"): "scoren ikke ændrer sig signifikant",
        ("untested", "inverted"): "ændrer scoren sig, uden at ændringen kan testes",
    }
    for (finding, order), expected in sentences.items():
        assert book.claim(finding, subject="scoren", order=order) == expected
    # what the pages build from them
    assert f"For de samme personer {book.claim('rise', subject='trivselsscoren')} fra før kurset" == \
        "For de samme personer stiger trivselsscoren signifikant fra før kurset"
    assert f"og bagefter {book.claim('none', subject='den')}." == "og bagefter ændrer den sig ikke signifikant."
    assert f"Scoren falder, mens {book.claim('none', subject='den', order='sub')}" == \
        "Scoren falder, mens den ikke ændrer sig signifikant"
    for finding in book.FINDINGS:     # never a verb glued before its subject's adverb
        assert "signifikant scoren" not in book.claim(finding, subject="scoren")
    with pytest.raises(ValueError):
        book.claim("rise", "noun", subject="scoren")
    with pytest.raises(ValueError):
        book.claim("rise", subject="scoren", order="v2")


def test_comparisons_and_p_values():
    assert book.comparison("none", "mænd", "kvinder") == \
        "ændringen for mænd er ikke signifikant forskellig fra ændringen for kvinder"
    assert book.comparison("rise", "mænd", "kvinder", "level") == "mænd ligger signifikant højere end kvinder"
    assert book.p_text(0.0) == "p < 0,001" and book.p_text(0.142) == "p = 0,142" and book.p_text(None) == ""
    assert book.interval(-1.004, 0.5) == "\u22121,00 til 0,50" and book.interval(float("nan"), 1) == "–"


def test_a_half_is_rounded_up_as_the_report_rounds():
    """Tabel 10 of the pilot printed a mean of 1,45 as '1,4' (break test): Python's round()
    sees 1.45 as stored, just below, and sends halves to even (12.5 -> 12); the reports
    round a half up, on the number as written."""
    assert book.number(29 / 20, 1) == "1,5"
    assert book.number(2.675, 2) == "2,68"
    assert book.number(-1.45, 1) == "\u22121,5"
    assert book.pct(12.5, 0) == "13\u00a0%" and book.pct(100 / 8, 0) == "13\u00a0%"
    assert book.count(2.5) == "3" and book.count(303.0) == "303"
    assert book.number(1.4499, 1) == "1,4"


def test_a_figures_numbers_download_with_the_decimal_comma():
    """The front page promises the decimal comma in the tables' and figures' files; a
    figure's numbers (floats) were written with a decimal point (break test)."""
    text = book.csv_text(pd.DataFrame({"runde": ["før", "efter"], "gennemsnit": [2.5, -0.25], "n": [60, 59]}))
    assert text == "runde;gennemsnit;n\nfør;2,5;60\nefter;-0,25;59\n"
    # a column that also holds a hidden 'x' (text) keeps the comma, and a missing value stays empty
    mixed = pd.DataFrame({"runde": ["før", "efter", "3 mdr."], "andel": [45.0, "x", np.nan], 2: [0.5, 1.0, 1.5]})
    assert book.csv_text(mixed) == "runde;andel;2\nfør;45,0;0,5\nefter;x;1,0\n3 mdr.;;1,5\n"


def test_table_markdown_aligns_numbers_right_and_text_left():
    frame = pd.DataFrame({"Gruppe": ["Mænd", "Kvinder"], "Antal": ["91", "x"], "Note": ["a", ""]})
    text = book.table_markdown(frame, "Overskrift", "tabel-test", notes=["Kilde: test."], widths=[4, 2, 3])
    lines = text.splitlines()
    assert lines[0].startswith("```{tabularcolumns} >{\\raggedright")
    # full width, shared by the weights 4 : 2 : 3 (no column is under its minimum here)
    assert "\\raggedleft\\arraybackslash}\\X{1007}{4531}" in lines[0]
    assert ":::{table} Overskrift" in lines and ":name: tabel-test" in lines
    assert "|:---|---:|:---|" in lines
    assert "| Kvinder | x | \u00a0 |" in lines      # an empty cell becomes a no-break space
    assert lines[-1] == "Kilde: test."
    link = book.data_link("tabel-test").splitlines()
    assert link == [":::{only} html", "{download}`Tal bag tabellen (CSV) </_data/tabel-test.csv>`", ":::"]


def test_numbers_line_up_on_the_decimal_comma_without_new_digits():
    F, P = book.FIGURE_SPACE, book.PUNCTUATION_SPACE
    assert book.align_decimals(["12", "5,5\u00a0%", "0,25", "x", "7.215", "***"]) == \
        ["12" + P + F + F, "5,5" + F + "\u00a0%", "0,25", "x", "7.215" + P + F + F, "***"]
    # the last number of an interval is aligned; 'p < 0,001' and 'p = 0,142' already agree
    assert book.align_decimals(["2,48 til 3,1", "\u22121,03 til \u22120,33", "< 0,001"]) == \
        ["2,48 til 3,1" + F + F, "\u22121,03 til \u22120,33" + F, "< 0,001"]
    assert book.align_decimals(["303", "12"]) == ["303", "12"]          # counts: nothing to align
    # a column of integers (not text) is aligned too, and the CSV keeps the values as they are
    frame = pd.DataFrame({"Kilde": ["a", "b"], "Antal": [68, 1], "Andel": ["12,5", "3"]})
    assert f"| b | 1 | 3{P}{F} |" in book.table_markdown(frame, "Overskrift", "tabel-test")
    # an interval column is a number column: right-aligned, on its last number's comma
    frame = pd.DataFrame({"Led": ["a", "b"], "95 %-interval": ["1,08 til 1,84", "\u22121,03 til \u22120,3"]})
    text = book.table_markdown(frame, "Overskrift", "tabel-test")
    assert "|:---|---:|" in text and f"| b | \u22121,03 til \u22120,3{F} |" in text


def test_text_width_uses_the_bold_font_metrics():
    # Helvetica's advance widths (1/1000 em): 'n' 556 regular and 611 bold
    assert book.text_width("n", size=10) == 5.56 and book.text_width("n", bold=True, size=10) == 6.11
    assert book.text_width("Personuger", bold=True) > book.text_width("Personuger")
    assert book.text_width("\u00e6\u00f8\u00e5") > 0
    assert book.text_width("\u2212", size=10) == 7.78       # the math minus LaTeX sets for U+2212


def test_column_widths_fit_every_bold_header_word_and_every_number():
    """The model table (eight columns): each column holds its widest header word in bold
    and its widest number on one line, and the table fills the line."""
    frame = pd.DataFrame({"Samlet": ["**Inden kursus**", "Skæringspunkt", "Koefficient"],
                          "Estimat": ["2,81", "\u22120,67", ""], "95 %-interval": ["2,48 til 3,14", "\u22121,03 til \u22120,33", ""],
                          "p": ["", "< 0,001", ""], "Signifikans": ["", "***", ""], "Personer": ["268", "268", ""],
                          "Personuger": ["523", "7.215", ""], "Hold": ["32", "32", ""]})
    right = tuple(range(1, 8))
    widths = book.column_widths(frame, right)
    assert abs(sum(widths) - book.LINE_WIDTH_PT) <= 0.1 * len(widths)
    room = [w - 2 * book.TABLE_COLSEP_PT for w in widths]
    for i, column in enumerate(frame.columns):
        for word in book.typeset(column).split(" "):
            assert book.text_width(word, bold=True) <= room[i], (column, word, room[i])
    assert book.text_width("Skæringspunkt") <= room[0]
    assert book.text_width(book.typeset("\u22121,03 til \u22120,33")) <= room[2]
    # given weights share the space left over but never take a column under its minimum
    squeezed = book.column_widths(frame, right, weights=[20, 1, 1, 1, 1, 1, 1, 1])
    assert squeezed[0] > widths[0]
    assert all(book.text_width(w, bold=True) <= s - 2 * book.TABLE_COLSEP_PT
               for s, c in zip(squeezed, frame.columns) for w in book.typeset(c).split(" "))


def test_a_short_table_is_kept_whole_and_a_longtable_only_with_its_first_rows():
    def raw(rows: int) -> str:
        frame = pd.DataFrame({"Hold": [f"Hold {i}" for i in range(rows)], "Antal": ["12"] * rows})
        return book.table_markdown(frame, "Overskrift", "tabel-test", notes=["Kilde: test."])

    def needspace(rows: int) -> int:
        return int(re.search(r"\\needspace\{(\d+)\\baselineskip\}", raw(rows)).group(1))
    # a table that cannot break across pages: caption, header, every row and the note
    assert needspace(29) == 3 + 1 + 29 + 1 and "tpjlongtablerows" not in raw(29)
    # a longtable (more than 30 rows with its header, Sphinx's rule) breaks across pages:
    # no \needspace (its break before the table would win over every break inside it);
    # tpj.sty is told the body's rows to keep its first and last rows together
    assert "needspace" not in raw(33) and "\\tpjlongtablerows{33}" in raw(33)


def test_model_table_layout_and_withheld_estimates():
    common = {"ci_low": 1.0, "ci_high": 2.0, "persons": 268, "person_weeks": 523, "clusters": 32}
    estimates = pd.DataFrame([
        {"period": "inden", "term": "intercept", "estimate": 2.81, "p": float("nan"), "stars": "",
         "published": True, **common},
        {"period": "inden", "term": "coef", "estimate": -0.67, "p": 0.0, "stars": "***", "published": True, **common},
        {"period": "efter", "term": "intercept", "estimate": 2.14, "p": float("nan"), "stars": "",
         "published": True, **common},
        {"period": "efter", "term": "coef", "estimate": 1.46, "p": 0.3, "stars": "", "published": False, **common},
    ])
    table = book.model_table(estimates, "Samlet")
    assert list(table["Samlet"]) == ["**Inden kursus**", "Skæringspunkt", "Koefficient",
                                     "**Efter kursus**", "Skæringspunkt", "Koefficient"]
    assert list(table.columns) == ["Samlet", "Estimat", "95 %-interval", "p", "Signifikans", "Personer",
                                   "Personuger", "Hold"]
    assert list(table["Estimat"])[1:3] == ["2,81", "\u22120,67"]
    assert table.loc[1, "Signifikans"] == "" and table.loc[1, "p"] == ""      # no test of an intercept
    assert table.loc[2, "Signifikans"] == "***" and table.loc[2, "p"] == "< 0,001"
    assert table.loc[2, "95 %-interval"] == "1,00 til 2,00" and table.loc[2, "Hold"] == "32"
    assert table["Estimat"].iloc[-1] == "x" and table["Signifikans"].iloc[-1] == ""


def test_typeset_is_danish_typography():
    assert book.typeset("ændringen -0,67 i uge -26") == "ændringen \u22120,67 i uge\u00a0\u221226"
    assert book.typeset("25-35 år og Hold 1-3") == "25\u201335 år og Hold\u00a01\u20133"
    assert book.typeset("88,4 % og 5%") == "88,4\u00a0% og 5\u00a0%"
    assert book.typeset("N = 268, p < 0,001") == "N\u00a0=\u00a0268, p <\u00a00,001"
    # markup and dates are not ranges
    assert book.typeset("tabel-6 fra 2025-04-01") == "tabel-6 fra 2025-04-01"


def test_source_lines_of_data_say_synthetic():
    assert (book.mark_sources("Kilde: DREAM. N = 268.") == "Kilde: DREAM (syntetiske data). N = 268.")
    assert book.mark_sources("Kilde: Kursistspørgeskema.") == "Kilde: Kursistspørgeskema (syntetiske data)."
    # a caption written over two lines (Figur 11) keeps its line break and is marked too
    assert book.mark_sources("Kilde:\nKursistspørgeskema.") == "Kilde:\nKursistspørgeskema (syntetiske data)."
    # a source that is not data is left alone, and a line is marked once
    assert book.mark_sources("Kilde: Deloittes skala; DREAM-koder.") == "Kilde: Deloittes skala; DREAM-koder."
    once = book.mark_sources("Kilde: DREAM.")
    assert book.mark_sources(once) == once


def test_tables_and_figures_carry_their_data():
    import matplotlib
    matplotlib.use("Agg")
    frame = pd.DataFrame({"series": ["A", "A", "B", "B"], "x": [-26, 26, -26, 26], "y": [2.8, 3.6, 1.0, -0.5]})
    meta = book.data_metadata("figur-1", frame, alt="Linjediagram")
    assert meta["tpj"]["csv"]["name"] == "figur-1.csv"
    assert meta["tpj"]["csv"]["text"].splitlines()[0] == "series;x;y"
    assert meta["tpj"]["alt"] == "Linjediagram"
    import pytest
    with pytest.raises(ValueError):
        book.data_metadata("figur-1", frame.iloc[0:0])
    alt = book.alt_series("Score", frame)
    assert "A: 2,80 i uge \u221226, 3,60 i uge 26" in alt and "B:" in alt and "laveste \u22120,50" in alt
    fig = book.weekly_figure([("Samlet", frame[frame.series == "A"].rename(columns={"x": "week", "y": "mean"}),
                               book.COLORS["black"])], 7)
    assert list(fig.tpj_data.columns)[:2] == ["Serie", "Uge ift. kursusstart"] and len(fig.tpj_data) == 2
    assert fig.tpj_alt.startswith("Linjediagram")


def test_palette_is_colour_blind_safe_without_red_green_pairs():
    # Okabe-Ito: the series colours contain neither a pure red nor a pure green
    assert book.COLORS["red"] not in book.SERIES
    assert book.SERIES[0] == book.COLORS["blue"]


def test_the_house_extension_sees_a_source_line_written_over_two_lines():
    """MyST makes each line break a text node of its own; the extension joins them, so the
    synthetic mark reaches 'Kilde:' + line break + 'Kursistspørgeskema.' (Figur 11)."""
    import sys

    from docutils import nodes

    from analysis.editions import REPO
    sys.path.insert(0, str(REPO / "_ext"))
    import tpj_house

    caption = nodes.caption()
    caption += [nodes.Text("»Tror du?« Kilde:"), nodes.Text("\n"), nodes.Text("Kursistspørgeskema. "),
                nodes.strong(text="N = 3")]
    tpj_house._join_text(caption)
    assert [str(c) for c in caption.children[:1]] == ["»Tror du?« Kilde:\nKursistspørgeskema. "]
    assert isinstance(caption.children[1], nodes.strong) and caption.children[0].parent is caption
    assert "(syntetiske data)" in book.mark_sources(str(caption.children[0]))
