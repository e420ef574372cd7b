"""The comparison of every number the original report prints with the one computed here:
one computation (`compare`, from the statistics bundle and the published reference data)
behind both reproduction.csv (analysis.build.driver.write_results) and the Reproduktion
appendix (chapters/reproduktion.md), which also shows `summary` and the tables below."""
from __future__ import annotations

import re

import pandas as pd

from analysis.bundle.store import Bundle
from analysis.disclosure.rules import ROUNDED_TOTAL, SUPPRESSED
from analysis.reference.published import published_numbers
from analysis.report.book import number

BAND_KEY = re.compile(r"^tabel6\.count\.(?P<tp>[^.]+)\.(?P<low>\d+)-(?P<high>\d+)$")
TEAMS_TABLE = "bilag1.teams"
VERDICT = {True: "ja", False: "nej", "suppressed": "skjult"}


def _in_band(key: str, computed: dict) -> bool:
    """A printed Tabel 6 count of one score value that the book publishes only inside a
    band of score values (tabel6.count.<time point>.<low>-<high>), by disclosure control."""
    tp, score = key[len("tabel6.count."):].rsplit(".", 1)
    if not score.isdigit():
        return False
    for other in computed:
        match = BAND_KEY.match(other)
        if match and match["tp"] == tp and int(match["low"]) <= int(score) <= int(match["high"]):
            return True
    return False


# How far a computed number may be from the printed one and still count as reproduced.
# Counts must match exactly; means as printed (to two decimals); model estimates within the
# synthetic extract's calibration tolerance (endpoint means within 0.02, so a change, the
# difference of two means, within 0.04).
def printed_precision(printed: str) -> float:
    """Half a unit of the last printed digit: '2,81' -> 0.005, '88,4%' -> 0.05, '83%' -> 0.5."""
    text = str(printed).strip().rstrip("%").strip()
    decimals = len(text.split(",")[1]) if "," in text else 0
    return 0.5 * 10 ** -decimals


def tolerance(ref: str, printed: str, model_tolerance: tuple[float, float] = (0.02, 0.04)) -> float:
    """How far the computed number may lie from the printed one `printed` (as the report
    prints it, decimal comma): a model intercept `model_tolerance[0]`, a model coefficient
    or a change of two means quoted in the text `model_tolerance[1]`, a count 0, anything
    else half a unit of its last printed digit."""
    if ref.startswith("model.") and ref.endswith(".intercept"):
        return model_tolerance[0]
    if ref.startswith("model.") and ref.endswith(".coef") or ref in ("text.p47.change_w26",
                                                                     "text.p51.alder_25_35_fall"):
        return model_tolerance[1]
    if printed_precision(printed) == 0.5 and "%" not in str(printed):
        return 0.0   # a count
    return printed_precision(printed)


def reproduction(results: pd.DataFrame, published: pd.DataFrame, key_map: dict[str, str],
                 model_tolerance: tuple[float, float] = (0.02, 0.04), withheld: set[str] = frozenset()
                 ) -> pd.DataFrame:
    """Each printed number (`published`: ref, value, printed, stars, seed, source, line,
    note) beside the computed one (`results`: key, value; the ref's key through
    `key_map`), in the order of `published`; a printed number without a computed one is
    left out. Columns: ref, source, published, computed, tolerance, ok (True/False, or
    'suppressed' when the book hides the number), published_stars, computed_stars,
    stars_ok (models only), note. Beside a hidden number the printed one is not repeated
    either (published 'x', and no note, which quotes the printed text), nor a note that
    names the printed number of a hidden one: the book reproduces the report, so the
    report's number would give the hidden one away. The same for a
    number in `withheld` (result keys): shown under another rule than the report's because
    the report's would give a hidden cell away (a share shown as the rounded total where
    the report sums rounded parts, ROUNDED_TOTAL): not compared, ok 'suppressed'."""
    computed = dict(zip(results["key"], results["value"]))
    rows = []
    for _, p in published.iterrows():
        key = key_map.get(p["ref"], p["ref"])
        if key not in computed and key.startswith("tabel6.count.") and _in_band(key, computed):
            computed[key] = SUPPRESSED
        if key not in computed:
            continue
        value = computed[key]
        tol = tolerance(p["ref"], p["printed"], model_tolerance)
        if value == SUPPRESSED or key in withheld:
            ok = "suppressed"
        else:
            ok = bool(abs(float(value) - float(p["value"])) <= tol + 1e-9)
        stars = computed.get(key + ".stars", "")
        published_stars = "" if pd.isna(p.get("stars")) else p.get("stars")
        is_model = key.startswith(("model.", "weekly."))
        hidden = ok == "suppressed"
        rows.append({"ref": p["ref"], "source": f"seed {p['seed']}, {p['source']}, L{p['line']}",
                     "published": SUPPRESSED if hidden else p["value"], "computed": value, "tolerance": tol,
                     "ok": ok, "published_stars": (SUPPRESSED if hidden else published_stars) if is_model else "",
                     "computed_stars": stars if is_model else "",
                     "stars_ok": (stars == published_stars) if is_model and stars != SUPPRESSED else "",
                     # the extraction note quotes the printed text: not beside a hidden number
                     "note": "" if hidden or pd.isna(p.get("note")) else p.get("note"),
                     "_printed": float(p["value"]) if hidden else None})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    # a note may quote other printed numbers too (the preparation reasons' note quotes the
    # report's '38 mentions', which the book hides): a note that names a hidden printed
    # number is left out as well
    secret = set(out["_printed"].dropna())
    out["note"] = [note if not secret & _numbers(note) else "" for note in out["note"]]
    return out.drop(columns="_printed")


def _numbers(text: str) -> set[float]:
    """The numbers written in a text ('38 mentions', '2,81', '0.5'), as floats."""
    return {float(n.replace(",", ".")) for n in re.findall(r"(?<![\w.,])\d+(?:[.,]\d+)?(?![\w])", str(text))}


def published_key_map(teams: list[str], edition=None) -> dict[str, str]:
    """Published refs that name teams by position or number -> our result keys, plus the
    edition's own map (`edition.key_map`). `teams`: the team names in order of course start
    (as Bilag 1 lists them)."""
    out = {}
    for pos, team in enumerate(teams, start=1):
        for what in ("enrolled", "register"):
            out[f"bilag1.{what}.pos{pos:02d}"] = f"bilag1.{what}.{team}"
        out[f"tabel1.last_week.hold_{team.split()[-1]}"] = f"tabel1.last_week.{team}"
    for period in ("inden", "efter"):   # Over 55 is printed on p. 51 and in Bilag 14
        for term in ("intercept", "coef"):
            out[f"model.alder_over55_p51.{period}.{term}"] = f"model.alder_over55.{period}.{term}"
    if edition is not None and edition.key_map is not None:
        extra = pd.read_csv(edition.key_map, comment="#")
        out.update(dict(zip(extra["ref"], extra["key"])))
    return out


def team_order(bundle: Bundle) -> list[str]:
    """The team names in order of course start, as Bilag 1 lists them (the bundle's table
    `bilag1.teams`); [] when the bundle has no such table."""
    return list(bundle.table(TEAMS_TABLE).index) if bundle.has_table(TEAMS_TABLE) else []


def compare(bundle: Bundle, edition) -> pd.DataFrame:
    """`reproduction` of the edition's printed numbers (analysis.reference.published)
    against the bundle's scalars as printed (hidden 'x'), the teams in Bilag 1's order and
    the edition's model tolerance: the rows of reproduction.csv and of the appendix."""
    certificate = bundle.certificate()
    withheld = set(certificate.loc[(certificate["file"] == "scalars") & (certificate["rule"] == ROUNDED_TOTAL),
                                   "item"])
    published, key_map = published_numbers(edition), published_key_map(team_order(bundle), edition)
    repro = reproduction(bundle.results(), published, key_map, edition.model_tolerance, withheld)
    # a printed number whose erratum rests on a printed number the book hides is not repeated
    # either (the report's 16 % of its 38 mentions, a total the book hides, would give the
    # total, and with the shown options the hidden one)
    hidden = suppressed(repro)
    tied = {ref for ref, quoted in errata_quotes(edition).items() if quoted & hidden}
    if tied - hidden:
        repro = reproduction(bundle.results(), published, key_map, edition.model_tolerance,
                             withheld | {key_map.get(ref, ref) for ref in tied})
    return repro


def suppressed(repro: pd.DataFrame) -> set[str]:
    """The refs of the comparisons the book hides (`reproduction`'s ok 'suppressed')."""
    return set(repro.loc[repro["ok"] == "suppressed", "ref"]) if len(repro) else set()


def summary(repro: pd.DataFrame, published: pd.DataFrame, explained: dict[str, str] | None = None
            ) -> dict[str, float | int]:
    """What the appendix says of a comparison (`reproduction`'s frame; `published`: every
    printed number; `explained`: the edition's errata, `explanations`): n_published,
    n_compared (not hidden), n_ok (within tolerance), share_ok (per cent of n_compared),
    n_errata (compared, not reproduced, and explained as a number no data can give),
    share_feasible (n_ok in per cent of n_compared - n_errata: the issue's measure),
    n_suppressed, n_not_compared (printed, no computed counterpart), n_stars (model
    estimates with stars to compare), n_stars_ok."""
    compared = repro[repro["ok"] != "suppressed"]
    n_ok = int((compared["ok"] == True).sum())  # noqa: E712
    n_errata = int(((compared["ok"] == False) & compared["ref"].isin(list(explained or {}))).sum())  # noqa: E712
    feasible = len(compared) - n_errata
    starred = repro[repro["stars_ok"] != ""]
    return {"n_published": len(published), "n_compared": len(compared), "n_ok": n_ok,
            "share_ok": 100 * n_ok / len(compared) if len(compared) else float("nan"),
            "n_errata": n_errata, "share_feasible": 100 * n_ok / feasible if feasible else float("nan"),
            "n_suppressed": int((repro["ok"] == "suppressed").sum()),
            "n_not_compared": len(published) - len(repro),
            "n_stars": len(starred), "n_stars_ok": int(starred["stars_ok"].astype(bool).sum())}


# ---------------------------------------------------------------- the appendix's tables

WITHHELD_EXPLANATION = ("Forklaringen gengiver trykte tal, som bogen skjuler af hensyn til diskretionen, "
                        "og vises derfor ikke.")


def explanations(edition, hidden: set[str] = frozenset()) -> dict[str, str]:
    """ref -> the Danish explanation of a printed number not reproduced or not computed
    (the edition's errata file: ref, forklaring and optionally quotes, the refs of the other
    printed numbers the explanation repeats, space-separated); {} when the edition has none.
    An explanation that repeats a printed number whose ref is in `hidden` (the comparisons
    the book hides, `reproduction`'s ok 'suppressed') is replaced by WITHHELD_EXPLANATION,
    as the printed number beside a hidden one is (found by a break test: the pilot's '38
    angivelser', the report's total of mentions, beside the shown options gave the hidden
    one). Raises ValueError for a quoted ref that is not a printed number of the edition."""
    errata = _errata(edition)
    return {ref: WITHHELD_EXPLANATION if quoted & set(hidden) else text
            for ref, text, quoted in zip(errata["ref"], errata["forklaring"], errata["quotes"])}


def errata_quotes(edition) -> dict[str, set[str]]:
    """ref -> the refs of the other printed numbers its erratum's explanation repeats (the
    errata file's optional `quotes`); {} for an edition without errata. Raises ValueError
    as `_errata`."""
    errata = _errata(edition)
    return dict(zip(errata["ref"], errata["quotes"]))


def _errata(edition) -> pd.DataFrame:
    """The edition's errata file (ref, forklaring, quotes: a set of refs, from the optional
    space-separated column); empty for an edition without one. Raises ValueError for a
    quoted ref that is not a printed number of the edition."""
    if edition.errata is None:
        return pd.DataFrame(columns=["ref", "forklaring", "quotes"])
    errata = pd.read_csv(edition.errata, dtype=str, keep_default_na=False)
    quotes = errata["quotes"] if "quotes" in errata else pd.Series("", index=errata.index)
    errata["quotes"] = [set(q.split()) for q in quotes]
    printed = set(published_numbers(edition)["ref"])
    for ref, quoted in zip(errata["ref"], errata["quotes"]):
        if quoted - printed:
            raise ValueError(f"{edition.errata}: the explanation of {ref} quotes {sorted(quoted - printed)}, "
                             "which the edition's reference data do not print")
    return errata


# the words of a reference key in Danish (the key's parts, analysis/reference/published)
WORDS = {
    "model": "regressionsmodel", "weekly": "ugentlig model", "survey": "spørgeskema", "caption": "figurtekst",
    "text": "teksten", "ref": "henvisning", "register": "registerdata", "enrolled": "tilmeldte",
    "sample": "stikprøven", "registered": "registrerede", "completed": "gennemført", "afmeldt": "afmeldt",
    "afmeldte": "afmeldte", "pct": "andel (%)", "count": "antal", "n": "antal", "mean": "gennemsnit",
    "total": "i alt", "samlet": "samlet", "pilot": "pilotfasen", "udbredelse": "udbredelsesfasen",
    "fase_pilot": "pilotfasen", "fase_udbredelse": "udbredelsesfasen", "mand": "mænd", "kvinde": "kvinder",
    "koen_mand": "mænd", "koen_kvinde": "kvinder", "intercept": "skæringspunkt", "coef": "koefficient",
    "interaction": "før-efter-forskel", "inden": "inden kursus", "efter": "efter kursus",
    "last_week": "sidste uge med data", "invited": "inviterede", "answered": "besvarede", "missing": "mangler",
    "w1": "før kurset", "w2": "lige efter kurset", "w3": "tre måneder efter", "na": "ingen score",
    "n_with_data": "antal med data", "alder_under25": "under 25 år", "alder_25_35": "25–35 år",
    "alder_36_45": "36–45 år", "alder_46_55": "46–55 år", "alder_over55": "over 55 år",
    "visitation_kontant": "kontanthjælp", "visitation_udd": "uddannelseshjælp",
    "visitation_ressource": "ressourceforløb", "visitation_andet": "anden visitation", "diff": "forskel",
    "change_w26": "ændring til uge 26", "change_after_course": "ændring efter kurset",
    "answers_total": "svar i alt", "enhed": "enhed", "hold": "hold",
    # parts of the text's, the captions' and the design's numbers (final-2025 and pilot-2024)
    "caption_n": "N i billedteksten", "alder_over55_p51": "over 55 år (figuren s. 51)",
    "alder_25_35_fall": "fald for 25–35 år", "alder_over55_signif_level": "signifikansniveau for over 55 år",
    "andet_n": "anden visitation, antal", "andet_last_week": "anden visitation, sidste uge med data",
    "who5_score": "trivselsscore (WHO-5)", "w3_vs_w2": "tre måneder efter mod lige efter kurset",
    "population": "befolkningen", "repr": "repræsentativitet", "visitation": "visitation",
    "kontant": "kontanthjælp", "udd": "uddannelseshjælp", "ressource": "ressourceforløb",
    "change": "ændring", "mean_change": "forskel mellem rundernes gennemsnit (alle svar)",
    "modal_score_w-26": "hyppigste score i uge \u221226", "alder_over45": "over 45 år",
    "moduler": "kursusugerne", "alder_25_35_signif_level": "signifikansniveau for 25–35 år",
    "moduler_signif_level": "signifikansniveau for kursusugerne", "design": "design",
    "sample_n": "antal i stikprøven", "afmeldt_fewer_than_modules": "afmeldte med færre moduler",
    "course_weeks": "kursets længde i uger", "data_first_week": "første uge med data",
    "data_last_week": "sidste uge med data", "window_weeks": "uger før og efter kurset",
    "n_holds": "antal hold", "holds_full_window": "hold med data et halvt år efter",
    "hold10_weeks_after_end": "Hold 10, uger efter kurset med data", "min_cell": "mindste antal personer",
    # the pilot evaluation's (seed 001)
    "response_rate": "svarprocent", "unique": "forskellige besvarere", "koen": "køn", "summary": "opsummering",
    "progression": "spørgsmålene om progression", "mentions": "angivelser i alt", "min": "mindste",
    "max": "største", "substantive": "uden »Ved ikke«", "neutral": "»Hverken enig eller uenig«",
    "udbytte": "udbytte (mestringsspørgsmålene)",
}
SOURCE_NAMES = {"004": "Slutevalueringen (2025)", "000": "Den supplerende pilotevaluering (2024)",
                "001": "Pilotevalueringen (2023)"}


def _question(qid: str, edition=None):
    """The survey question `qid` of the edition's codebook (analysis.report.surveys.codebook:
    None, the final evaluation's), or None."""
    from analysis.report.surveys import codebook
    return codebook(edition).questions.get(qid)


def label(ref: str, edition=None) -> str:
    """A reference key in Danish for the reader: 'tabel4.pilot.completed.pct' -> 'Tabel 4:
    pilotfasen, gennemført, andel (%)'; 'model.koen_mand.inden.coef' -> 'Regressionsmodel:
    mænd, inden kursus, koefficient'; 'text.p47.change_after_course' -> 'Teksten s. 47:
    ændring efter kurset'; a survey key names the question and its answers as the
    questionnaire prints them ('survey.helbred.w1.5.pct' -> 'Spørgeskema: »Hvordan synes
    du, at dit helbred er alt i alt?«, før kurset, »Dårligt«, andel (%)'); 'caption.figur1.n'
    -> 'Billedtekst til Figur 1: antal'. A part without a
    Danish word keeps its text (with spaces for '_'); a word said twice in a row is said once.
    `edition`: whose questionnaire names the questions (None: the final evaluation's)."""
    head, *parts = ref.split(".")
    match = re.fullmatch(r"(tabel|bilag|figur)(\d+)", head)
    title = f"{match.group(1).capitalize()} {int(match.group(2))}" if match else WORDS.get(head, head).capitalize()
    if parts and re.fullmatch(r"p\d+", parts[0]):          # the page of the original's text
        title, parts = f"{title} s. {parts[0][1:]}", parts[1:]
    elif head == "caption" and parts and re.fullmatch(r"(tabel|figur)\d+", parts[0]):
        title, parts = "Billedtekst til " + label(parts[0], edition), parts[1:]
    elif head == "hold" and parts and parts[0].isdigit():
        title, parts = f"Hold {parts[0]}", parts[1:]
    question = _question(parts[0], edition) if head == "survey" and parts else None

    def word(i: int, part: str) -> str:
        if question is not None and i == 0:
            return f"»{question.full_text.rstrip(':')}«"
        if (question is not None and re.fullmatch(r"\d+(\+\d+)*", part) and question.options
                and all(int(c) in question.codes for c in part.split("+"))):
            return " eller ".join(f"»{question.label(int(c))}«" for c in part.split("+"))
        if part in WORDS:
            return WORDS[part]
        if re.fullmatch(r"hold_\d+", part):
            return f"Hold {part[5:]}"
        if re.fullmatch(r"w-?\d+", part):
            return f"uge {part[1:]}".replace("-", "\u2212")
        if re.fullmatch(r"pos\d+", part):
            return f"række {int(part[3:])}"
        if re.fullmatch(r"\d+(\+\d+)*", part):
            return f"{'score' if head == 'tabel6' else 'svar'} {part}"
        return part.replace("_", " ")
    words = [word(i, p) for i, p in enumerate(parts)]
    words = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]
    return title + (": " + ", ".join(words) if words else "")


def source_text(source: str) -> str:
    """'seed 004, Tabel 1, L759' -> 'Slutevalueringen (2025), Tabel 1': the report and its
    table, without the line of the text extract (an internal reference)."""
    parts = [p.strip() for p in str(source).split(",")]
    parts = [p for p in parts if not re.fullmatch(r"L\d+(-\d+)?", p)]
    if parts and parts[0].startswith("seed "):
        parts[0] = SOURCE_NAMES.get(parts[0][5:], "Den publicerede rapport")
    return ", ".join(parts)


def _shown(value) -> str:
    """A compared value as printed: a whole number without decimals, otherwise up to three
    decimals, trailing zeros dropped ('x' stays)."""
    return value if isinstance(value, str) else number(float(value), 3).rstrip("0").rstrip(",")


def misses_frame(repro: pd.DataFrame, explained: dict[str, str], edition=None) -> pd.DataFrame:
    """Tal, Publiceret, Beregnet, Forklaring: the printed numbers not reproduced, each with
    its explanation (or a note that it must be looked into)."""
    misses = repro[repro["ok"] == False]  # noqa: E712
    rows = [{"Tal": label(r.ref, edition), "Publiceret": _shown(r.published), "Beregnet": _shown(float(r.computed)),
             "Forklaring": explained.get(r.ref, "Ikke forklaret: afvigelsen skal undersøges.")}
            for r in misses.itertuples()]
    return pd.DataFrame(rows, columns=["Tal", "Publiceret", "Beregnet", "Forklaring"])


def absent_frame(repro: pd.DataFrame, published: pd.DataFrame, explained: dict[str, str],
                 edition=None) -> pd.DataFrame:
    """Tal, Publiceret, Forklaring: the printed numbers the book does not compute."""
    absent = published[~published["ref"].isin(repro["ref"])]
    rows = [{"Tal": label(r.ref, edition), "Publiceret": r.printed,
             "Forklaring": explained.get(r.ref, "Ikke et resultat, rapporten beregner.")}
            for r in absent.itertuples()]
    return pd.DataFrame(rows, columns=["Tal", "Publiceret", "Forklaring"])


def comparison_frame(repro: pd.DataFrame, edition=None) -> pd.DataFrame:
    """Tal, Kilde, Publiceret, Beregnet, Tolerance, Genfundet, Nøgle: every comparison (the
    download); the printed number of a hidden one is not shown either ('x')."""
    return pd.DataFrame({
        "Tal": [label(ref, edition) for ref in repro["ref"]],
        "Kilde": [source_text(s) for s in repro["source"]],
        "Publiceret": [_shown(v) if ok != "suppressed" else SUPPRESSED
                       for v, ok in zip(repro["published"], repro["ok"])],
        "Beregnet": [_shown(v) for v in repro["computed"]],
        "Tolerance": [_shown(v) for v in repro["tolerance"]],
        "Genfundet": [VERDICT[v] for v in repro["ok"]],
        "Nøgle": repro["ref"],
    })


def group_summary(repro: pd.DataFrame) -> pd.DataFrame:
    """The compact summary the book shows: per table or group of the original (the first
    part of the key, in Danish), how many printed numbers were compared, found within the
    tolerance, not found, and hidden."""
    groups = repro["ref"].str.split(".").str[0].map(lambda h: label(h))
    frame = pd.DataFrame({"Gruppe": groups, "ok": repro["ok"].map(lambda v: VERDICT[v])})
    rows = []
    for name, part in frame.groupby("Gruppe", sort=False):
        rows.append({"Tal fra": name, "Sammenlignet": len(part), "Genfundet": int((part["ok"] == "ja").sum()),
                     "Ikke genfundet": int((part["ok"] == "nej").sum()),
                     "Skjult": int((part["ok"] == "skjult").sum())})
    out = pd.DataFrame(rows)
    order = out["Tal fra"].str.extract(r"^(\D+?)\s*(\d*)$")
    out = out.assign(_k=order[0], _n=pd.to_numeric(order[1], errors="coerce")).sort_values(["_k", "_n"])
    return out.drop(columns=["_k", "_n"]).reset_index(drop=True)
