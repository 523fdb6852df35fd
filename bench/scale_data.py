"""Data sets for bench/scale.py: generated fleets loaded into MariaDB in bounded memory.

A fleet of N stores is generated in batches of at most BATCH stores with
storemon_core.sample (the first batch, 14,000 stores, takes the real 2023 hours
and zones when this checkout has them), each batch's polls kept on disk. Store
keys are given in text order of the ids, as one load of the whole fleet gives
them; then every poll goes into the empty polls table by LOAD DATA with
unique checks off, in key order, range by range, and the instant index is
built afterwards by sorting (the server's buffer pool may be far smaller than
the table); hours and zones go through storemon's loader.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from storemon_core.db import Database, create_database_if_missing
from storemon_core.db.engines import make_engine
from storemon_core.db.loads import ensure_store_keys
from storemon_core.exports import read_business_hours, read_timezones
from storemon_core.frames import Inputs
from storemon_core.sample.generate import generate_exports
from storemon_core.sample.real_exports import REAL_2023, real_dir_or_none
from storemon_core.sample.render import HOURS_HEADER, TIMEZONES_HEADER, csv_text

DAYS = 9
FIRST = 14_000  # the stores with real 2023 hours
BATCH = 50_000
MISSED = 0.32  # the 2023 export's density: ~0.66 polls per store and hour
SEED = 2023


def batch_sizes(stores: int) -> list[int]:
    sizes = [min(stores, FIRST)]
    rest = stores - sizes[0]
    while rest > 0:
        sizes.append(min(BATCH, rest))
        rest -= sizes[-1]
    return sizes


def generate(stores: int, work: Path) -> tuple[np.ndarray, str, str, int]:
    """Every batch's polls into work/, and (ids, hours text, zones text, polls)."""
    ids, hours, zones = [], [], []
    polls = 0
    real = real_dir_or_none(REAL_2023)
    for k, size in enumerate(batch_sizes(stores)):
        batch = generate_exports(size, DAYS, SEED + k, real_dir=real if k == 0 else None,
                                 missed_rate=MISSED)
        np.savez(work / f"batch-{k}.npz", store=batch.poll_store, time=batch.poll_time_us,
                 active=batch.poll_active)
        ids.append(batch.store_ids)
        hours.append(csv_text(HOURS_HEADER, batch.menu_hours).split("\n", 1)[1])
        zones.append(csv_text(TIMEZONES_HEADER, batch.timezones).split("\n", 1)[1])
        polls += batch.poll_count
    every = np.concatenate(ids)
    if len(set(every.tolist())) != len(every):
        raise RuntimeError("two batches drew the same store id")
    return (every, HOURS_HEADER + "\n" + "".join(hours),
            TIMEZONES_HEADER + "\n" + "".join(zones), polls)


def _split_by_key(work: Path, stores: int, key_of: np.ndarray, pieces: int) -> None:
    """Each batch's polls cut into `pieces` ranges of store keys, one file per range
    and batch, so that the polls can go to the server in key order."""
    offset = 0
    for k, size in enumerate(batch_sizes(stores)):
        with np.load(work / f"batch-{k}.npz") as batch:
            keys = key_of[offset + batch["store"]]
            piece = (keys - 1) * pieces // stores
            order = np.argsort(piece, kind="stable")
            bounds = np.r_[0, np.cumsum(np.bincount(piece, minlength=pieces))]
            for j in range(pieces):
                rows = order[bounds[j]:bounds[j + 1]]
                np.savez(work / f"piece-{j}-{k}.npz", key=keys[rows], time=batch["time"][rows],
                         active=batch["active"][rows])
        (work / f"batch-{k}.npz").unlink()
        offset += size


def _load_polls(url: str, work: Path, stores: int, pieces: int) -> None:
    """Polls in key order, one LOAD DATA per range of keys, into a polls table whose
    instant index is built afterwards by sorting: the server's buffer pool may be
    far smaller than the table."""
    engine = make_engine(url, local_infile=True)
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            cursor.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0")
            cursor.execute("DROP INDEX ix_polls_ts ON polls")
            batches = len(batch_sizes(stores))
            for j in range(pieces):
                parts = []
                for k in range(batches):
                    with np.load(work / f"piece-{j}-{k}.npz") as piece:
                        parts.append({c: piece[c] for c in ("key", "time", "active")})
                    (work / f"piece-{j}-{k}.npz").unlink()
                keys = np.concatenate([q["key"] for q in parts])
                times = np.concatenate([q["time"] for q in parts])
                order = np.lexsort((times, keys))
                table = pa.table({"store_key": keys[order], "ts": times[order],
                                  "active": np.concatenate([q["active"] for q in parts])[order]
                                  .astype(np.int8)})
                tsv = work / "polls.tsv"
                pacsv.write_csv(table, tsv, pacsv.WriteOptions(include_header=False,
                                                               delimiter="\t"))
                cursor.execute("LOAD DATA LOCAL INFILE %s IGNORE INTO TABLE polls FIELDS "
                               "TERMINATED BY '\\t' LINES TERMINATED BY '\\n' "
                               "(store_key, ts, active)", (str(tsv),))
                raw.commit()
                tsv.unlink()
            cursor.execute("CREATE INDEX ix_polls_ts ON polls (ts, active)")
            cursor.close()
    finally:
        engine.dispose()


def load(url: str, stores: int, work: Path) -> dict[str, float]:
    """Generate a fleet and load it into the (emptied) database at `url`."""
    started = time.perf_counter()
    ids, hours_text, zones_text, polls = generate(stores, work)
    generated = time.perf_counter()
    create_database_if_missing(url)
    db = Database(url)
    db.create_schema()
    db.clear()
    with db.write() as conn:
        keys = ensure_store_keys(conn, sorted(ids.tolist()))
    key_of = np.array([keys[s] for s in ids.tolist()], dtype=np.int64)
    pieces = max(1, stores // BATCH)
    _split_by_key(work, stores, key_of, pieces)
    written = time.perf_counter()
    _load_polls(url, work, stores, pieces)
    polls_loaded = time.perf_counter()
    hours = read_business_hours(hours_text.encode())[0]
    zones = read_timezones(zones_text.encode())[0]
    db.load(Inputs(business_hours=hours, timezones=zones), files="bench/scale.py")
    db.dispose()
    done = time.perf_counter()
    return {"stores": float(stores), "polls": float(polls), "generate": generated - started,
            "write_tsv": written - generated, "load_polls": polls_loaded - written,
            "load_hours": done - polls_loaded, "load": done - generated}


def week_polls(url: str) -> int:
    """Polls in the report's week: what a report reads."""
    db = Database(url)
    newest = db.newest_poll()
    assert newest is not None
    with db.read() as conn:
        end = int((newest - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1))
        count = conn.exec_driver_sql(
            f"SELECT COUNT(*) FROM polls WHERE ts >= {end - 7 * 86_400_000_000} "
            f"AND ts <= {end}").scalar_one()
    db.dispose()
    return int(count)
