"""DREAM weekly codes -> beskæftigelsesscore (0-10), from data/reference/score_mapping.csv."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.editions import REPO
from analysis.errors import DataError

MAPPING_PATH = REPO / "data" / "reference" / "score_mapping.csv"
BLANK_EMPLOYED = "blank_employed"
BLANK_NOT_EMPLOYED = "blank_not_employed"
EXCLUDED = -1  # score value of an excluded week in integer arrays

# Labels of the 0-10 scale as the report prints them (seed 004, Figur p. 19 / Tabel 6)
SCALE_LABELS = {
    10: "Beskæftigelse, SU og voksenlærling",
    9: "Fleksjob",
    8: "Løntilskud",
    7: "Virksomhedspraktik",
    6: "Ledighedsydelse",
    5: "Dagpenge",
    4: "Revalidering",
    3: "Uddannelseshjælp",
    2: "Kontanthjælp, integrationsydelse og jobafklaring",
    1: "Fleksydelse og ressourceforløb",
    0: "Pension og førtidspension",
}


@dataclass(frozen=True)
class ScoreMapping:
    table: pd.DataFrame
    scores: dict[str, int]  # code -> 0..10 or EXCLUDED

    @property
    def blank_employed(self) -> int:
        return self.scores[BLANK_EMPLOYED]

    @property
    def blank_not_employed(self) -> int:
        return self.scores[BLANK_NOT_EMPLOYED]

    def codes_for(self, score: int) -> list[str]:
        return [c for c, s in self.scores.items() if s == score and c.isdigit()]


def load_mapping(path: Path = MAPPING_PATH) -> ScoreMapping:
    """The score of every DREAM code (data/reference/score_mapping.csv: code, text, score
    0-10 or 'excluded', source). Raises DataError naming the row and column of a bad entry.
    Reference data, read here and not with the extract's readers, so that the render stage
    can use it without importing them."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table = table.apply(lambda column: column.str.strip())
    for column in ("code", "text", "score", "source"):
        if column not in table.columns:
            raise DataError(path, f"required column {column!r} is missing")
    scores: dict[str, int] = {}
    for i, row in table.iterrows():
        code, raw = row["code"], row["score"]
        if code in scores:
            raise DataError(path, f"code {code!r} is listed twice", row=i + 1, column="code")
        if raw == "excluded":
            scores[code] = EXCLUDED
        elif raw.isdigit() and 0 <= int(raw) <= 10:
            scores[code] = int(raw)
        else:
            raise DataError(path, f"score {raw!r} must be 0-10 or 'excluded'", row=i + 1, column="score")
        if not (code.isdigit() or code in (BLANK_EMPLOYED, BLANK_NOT_EMPLOYED)):
            raise DataError(path, f"code {code!r} is neither a DREAM code nor a blank rule", row=i + 1, column="code")
    for needed in (BLANK_EMPLOYED, BLANK_NOT_EMPLOYED):
        if needed not in scores:
            raise DataError(path, f"the mapping must have a row for {needed!r}")
    return ScoreMapping(table=table, scores=scores)


def normalise_code(value: str) -> str:
    """'730', ' 730', '730.0' -> '730'; '' stays '' (a blank week)."""
    value = value.strip()
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    return value


def score_codes(codes: np.ndarray, employed: np.ndarray, mapping: ScoreMapping) -> np.ndarray:
    """Scores (int8, EXCLUDED for excluded) of an array of normalised codes.

    `employed` (bool, same shape) says whether the week's month has employment; it
    only matters for blank weeks. Unknown codes must have been rejected before.
    """
    uniques, inverse = np.unique(codes, return_inverse=True)
    lookup = np.array([mapping.scores.get(c, EXCLUDED) if c else EXCLUDED for c in uniques],
                      dtype=np.int8)
    scores = lookup[inverse].reshape(codes.shape)
    blank = codes == ""
    scores[blank & employed] = mapping.blank_employed
    scores[blank & ~employed] = mapping.blank_not_employed
    return scores
