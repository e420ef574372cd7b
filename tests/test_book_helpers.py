import pandas as pd
import pytest

from analysis.report import book


def test_danish_numbers():
    assert book.number(2.8101) == "2,81"
    assert book.number(-0.6742) == "-0,67"
    assert book.number(1.461, sign=True) == "+1,46"
    assert book.number(-0.001) == "0,00"          # no "-0,00"
    assert book.count(12345) == "12.345"
    assert book.pct(88.43) == "88,4 %"
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
    assert book.interval(-1.004, 0.5) == "-1,00 til 0,50" and book.interval(float("nan"), 1) == "–"


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
    assert list(table.columns) == ["Samlet", "Estimat", "95 %-konfidensinterval", "p", "Signifikans", "Personer",
                                   "Personuger", "Hold"]
    assert list(table["Estimat"])[1:3] == ["2,81", "-0,67"]
    assert table.loc[1, "Signifikans"] == "" and table.loc[1, "p"] == ""      # no test of an intercept
    assert table.loc[2, "Signifikans"] == "***" and table.loc[2, "p"] == "< 0,001"
    assert table.loc[2, "95 %-konfidensinterval"] == "1,00 til 2,00" and table.loc[2, "Hold"] == "32"
    assert table["Estimat"].iloc[-1] == "x" and table["Signifikans"].iloc[-1] == ""
