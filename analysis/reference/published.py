"""The numbers the original reports print (data/reference/published/), with their source."""
from __future__ import annotations

import pandas as pd


def published_numbers(edition) -> pd.DataFrame:
    """Every number the edition's original report prints (register data and surveys)."""
    files = [edition.published] + ([edition.survey_published] if edition.survey_published else [])
    return pd.concat([pd.read_csv(f, dtype={"seed": str}) for f in files], ignore_index=True)
