"""Partial dates (YYYY, YYYY-MM, YYYY-MM-DD) as spans, so a year-only date is never drawn as 1 January."""

from __future__ import annotations

import pandas as pd

from datetime import date

from atlas.i18n import day_month_year, month_year, month_year_short, t

PRECISION_BY_LENGTH = {4: "year", 7: "month", 10: "day"}


def spans(dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Start and end timestamps of each partial date (NaT where empty or invalid); vectorised."""
    text = dates.fillna("").astype(str).str.strip()
    length = text.str.len()
    start = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    end = start.copy()
    for size, fmt, offset in ((10, "%Y-%m-%d", pd.DateOffset(days=0)),
                              (7, "%Y-%m", pd.offsets.MonthEnd(0)),
                              (4, "%Y", pd.offsets.YearEnd(0))):
        mask = length == size
        if mask.any():
            parsed = pd.to_datetime(text[mask], format=fmt, errors="coerce")
            start[mask] = parsed
            end[mask] = parsed + offset
    return start, end


def precision_of(date_text: str) -> str | None:
    return PRECISION_BY_LENGTH.get(len(date_text.strip())) if date_text else None


def format_partial(date_text: str | None, precision: str | None = None, language: str | None = None,
                   long: bool = False) -> str:
    """'29 Nov 2022', 'Nov 2022', '2022' or 'undated' — as precise as the data, never more (Babel per language)."""
    if not date_text or not isinstance(date_text, str):
        return t("precision.undated", language)
    parts = date_text.split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 3:
            return day_month_year(date(*numbers), language, long=long)
        if len(numbers) == 2:
            value = date(numbers[0], numbers[1], 1)
            return month_year(value, language) if long else month_year_short(value, language)
    except ValueError:
        return date_text
    return parts[0]


def format_with_precision(date_text: str | None, precision: str | None, language: str | None = None) -> str:
    """'November 2022 (month precision)' — for hovers and detail panels."""
    if not date_text:
        return t("precision.undated", language)
    precision = precision or precision_of(date_text) or "undated"
    return f"{format_partial(date_text, precision, language, long=True)} ({t(f'precision.{precision}', language)})"
