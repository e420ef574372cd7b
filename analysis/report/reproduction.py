"""The comparison of every number the original report prints with the one computed here
(reproduction.csv and the Reproduktion appendix)."""
from __future__ import annotations

import pandas as pd

from analysis.disclosure.rules import SUPPRESSED
import re

BAND_KEY = re.compile(r"^tabel6\.count\.(?P<tp>[^.]+)\.(?P<low>\d+)-(?P<high>\d+)$")


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
    number = str(printed).strip().rstrip("%").strip()
    decimals = len(number.split(",")[1]) if "," in number else 0
    return 0.5 * 10 ** -decimals


def tolerance(ref: str, printed: str, model_tolerance: tuple[float, float] = (0.02, 0.04)) -> float:
    if ref.startswith("model.") and ref.endswith(".intercept"):
        return model_tolerance[0]
    if ref.startswith("model.") and ref.endswith(".coef") or ref in ("text.p47.change_w26",
                                                                     "text.p51.alder_25_35_fall"):
        return model_tolerance[1]
    if printed_precision(printed) == 0.5 and "%" not in str(printed):
        return 0.0   # a count
    return printed_precision(printed)


def reproduction(results: pd.DataFrame, published: pd.DataFrame, key_map: dict[str, str],
                 model_tolerance: tuple[float, float] = (0.02, 0.04)) -> pd.DataFrame:
    """ref, published, computed, tolerance, ok (True/False, or 'suppressed'), stars."""
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
        if value == SUPPRESSED:
            ok = "suppressed"
        else:
            ok = bool(abs(float(value) - float(p["value"])) <= tol + 1e-9)
        stars = computed.get(key + ".stars", "")
        published_stars = "" if pd.isna(p.get("stars")) else p.get("stars")
        is_model = key.startswith(("model.", "weekly."))
        rows.append({"ref": p["ref"], "source": f"seed {p['seed']}, {p['source']}, L{p['line']}",
                     "published": p["value"], "computed": value, "tolerance": tol, "ok": ok,
                     "published_stars": published_stars if is_model else "",
                     "computed_stars": stars if is_model else "",
                     "stars_ok": (stars == published_stars) if is_model and stars != SUPPRESSED else "",
                     "note": "" if pd.isna(p.get("note")) else p.get("note")})
    return pd.DataFrame(rows)


def published_key_map(teams: list[str], edition=None) -> dict[str, str]:
    """Published refs that name teams by position or number -> our result keys, plus the
    edition's own map (`edition.key_map`). `teams`: the team names in order of course start
    (as Bilag 1 lists them)."""
    out = {}
    for pos, team in enumerate(teams, start=1):
        for what in ("enrolled", "register"):
            out[f"bilag1.{what}.pos{pos:02d}"] = f"bilag1.{what}.{team}"
        number = team.split()[-1]
        out[f"tabel1.last_week.hold_{number}"] = f"tabel1.last_week.{team}"
    for period in ("inden", "efter"):   # Over 55 is printed on p. 51 and in Bilag 14
        for term in ("intercept", "coef"):
            out[f"model.alder_over55_p51.{period}.{term}"] = f"model.alder_over55.{period}.{term}"
    if edition is not None and edition.key_map is not None:
        extra = pd.read_csv(edition.key_map, comment="#")
        out.update(dict(zip(extra["ref"], extra["key"])))
    return out
