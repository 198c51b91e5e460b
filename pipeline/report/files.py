"""Writing tables and files whole or not at all: CSV, Parquet, and a temporary name renamed into place."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import atomic_write, replacing

__all__ = ["write_csv", "write_parquet", "parquet_available", "write_tables", "replacing"]


def write_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, [df.to_csv(index=False)])


def _parquet_ready(df: pd.DataFrame) -> pd.DataFrame:
    # Parquet columns have one type; paragraph labels mix "4.3" and 7, outcomes "general" and 9.
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == object:
            kinds = {type(v) for v in df[col] if v is not None and not (isinstance(v, float) and pd.isna(v))}
            if len(kinds) > 1:
                df[col] = df[col].map(lambda v: v if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return df


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` as Parquet (pyarrow)."""
    with replacing(path) as tmp:
        _parquet_ready(df).to_parquet(tmp, index=False, engine="pyarrow")


def _importable(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


def parquet_available() -> bool:
    """Whether Parquet can be written (pyarrow, a core dependency, is importable)."""
    return _importable("pyarrow")


def write_tables(tables: dict[str, pd.DataFrame], out: Path, parquet: bool = True) -> list[Path]:
    """Each table as ``<name>.csv`` and, where ``parquet``, ``<name>.parquet``."""
    written = []
    for name, df in tables.items():
        write_csv(df, out / f"{name}.csv")
        written.append(out / f"{name}.csv")
        if parquet:
            write_parquet(df, out / f"{name}.parquet")
            written.append(out / f"{name}.parquet")
    return written
