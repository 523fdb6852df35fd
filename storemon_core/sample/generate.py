"""Deterministic, realistic export files for demos, tests and benchmarks.

The polling system's full poll exports are not available, so the sample makes
polls of the same shape (sample.polls) for stores whose hours and zones come
from a real export folder when one is given, plus synthetic stores of every
shape (sample.stores); sample.render writes the files. The same arguments
always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from storemon_core.instants import microseconds
from storemon_core.sample.polls import MISSED_RATE, polls
from storemon_core.sample.render import (
    HOURS_FILE,
    HOURS_HEADER,
    STATUS_FILE,
    STATUS_HEADER,
    TIMEZONES_FILE,
    TIMEZONES_HEADER,
    csv_text,
    status_chunks,
)
from storemon_core.sample.stores import (
    OVERNIGHT,
    PATTERN_NAMES,
    choose_patterns,
    read_real,
    synthetic_hours,
    synthetic_ids,
    synthetic_zones,
)

# Ends three days after the 2024 US fall-back night (Sunday 2024-11-03), so the
# report's last week always contains a DST change.
DEFAULT_END = pd.Timestamp("2024-11-06 23:55:00", tz="UTC")

_SYNTHETIC_SHARE = 0.10  # with real hours, this share of stores is synthetic anyway


@dataclass(frozen=True)
class Exports:
    """A generated data set: polls in compact typed form, hours and zones as export text.

    Polls stay as arrays because a production-sized set has millions of them; use
    `polls_frame()` for the typed frame (as the loader would return it) and
    `write_exports` for the CSV files.
    """

    store_ids: npt.NDArray[np.object_]  # every store in the set, str
    poll_store: npt.NDArray[np.int32]  # index into store_ids, per poll
    poll_time_us: npt.NDArray[np.int64]  # microseconds since the epoch, UTC, ascending
    poll_active: npt.NDArray[np.bool_]
    menu_hours: pd.DataFrame  # HOURS_HEADER columns, all str
    timezones: pd.DataFrame  # TIMEZONES_HEADER columns, all str
    patterns: pd.DataFrame  # store_id, pattern (PATTERN_NAMES or "real"), for tests and demos

    @property
    def poll_count(self) -> int:
        return int(self.poll_time_us.size)

    def polls_frame(self) -> pd.DataFrame:
        """Polls as `frames.POLL_COLUMNS` (store_id, timestamp_utc, active)."""
        times = pd.DatetimeIndex(self.poll_time_us.astype("datetime64[us]"), tz="UTC")
        return pd.DataFrame(
            {
                "store_id": pd.Series(self.store_ids[self.poll_store], dtype=object),
                "timestamp_utc": pd.Series(times),
                "active": pd.Series(self.poll_active, dtype=bool),
            }
        )

    def status_csv(self, chunk_rows: int = 1_000_000) -> bytes:
        """The whole poll export as bytes (small sets; files use `write_exports`)."""
        parts = [(STATUS_HEADER + "\n").encode()]
        parts.extend(self._status_chunks(chunk_rows))
        return b"".join(parts)

    def _status_chunks(self, chunk_rows: int) -> list[bytes]:
        return status_chunks(
            self.store_ids, self.poll_store, self.poll_active, self.poll_time_us, chunk_rows
        )


def generate_exports(
    stores: int = 200,
    days: int = 9,
    seed: int = 0,
    end: pd.Timestamp = DEFAULT_END,
    real_dir: Path | None = None,
    *,
    missed_rate: float = MISSED_RATE,
) -> Exports:
    """Make a data set of `stores` stores polled for `days` days up to `end`.

    `real_dir` is an export folder with menu_hours.csv and timezones.csv (e.g. the
    2023 exports); most stores then take their ids, hours and zones from it.
    `missed_rate` is the share of hourly polls that are missing.
    The same arguments always give the same data.
    """
    if stores < 1 or days < 1:
        raise ValueError("stores and days must be at least 1")
    rng = np.random.default_rng(seed)
    end_us = microseconds(end.tz_localize("UTC") if end.tzinfo is None else end)

    real_ids, real_hours, real_zones = read_real(real_dir)
    n_syn = stores
    if real_ids.size:
        n_syn = max(int(np.ceil(stores * _SYNTHETIC_SHARE)), len(PATTERN_NAMES))
        n_syn = min(stores, max(n_syn, stores - real_ids.size))
    n_real = stores - n_syn
    chosen_real = (
        np.sort(rng.choice(real_ids, size=n_real, replace=False)) if n_real else real_ids[:0]
    )

    syn_ids = synthetic_ids(rng, n_syn, taken=real_ids)
    patterns = choose_patterns(rng, n_syn)
    syn_hours = synthetic_hours(rng, syn_ids, patterns)
    syn_zones = synthetic_zones(rng, syn_ids, patterns)

    store_ids = np.concatenate([chosen_real.astype(object), syn_ids.astype(object)])
    hours = pd.concat(
        [real_hours[real_hours["store_id"].isin(chosen_real)], syn_hours], ignore_index=True
    )
    zones = pd.concat(
        [real_zones[real_zones["store_id"].isin(chosen_real)], syn_zones], ignore_index=True
    )
    pattern_frame = pd.DataFrame(
        {
            "store_id": pd.Series(store_ids, dtype=object),
            "pattern": pd.Series(
                ["real"] * n_real + [PATTERN_NAMES[p] for p in patterns], dtype=object
            ),
        }
    )

    # The overnight example store gets an outage late in the set, so every set,
    # however small, has an inactive run of several polls.
    forced_store = (
        n_real + int(np.flatnonzero(patterns == OVERNIGHT)[0])
        if ((patterns == OVERNIGHT).any())
        else None
    )
    poll_store, poll_time, poll_active = polls(
        rng, stores, days, end_us, missed_rate, forced_store
    )
    return Exports(
        store_ids=store_ids,
        poll_store=poll_store,
        poll_time_us=poll_time,
        poll_active=poll_active,
        menu_hours=hours.reset_index(drop=True),
        timezones=zones.reset_index(drop=True),
        patterns=pattern_frame,
    )


def write_exports(out_dir: Path, exports: Exports) -> dict[str, Path]:
    """Write store_status.csv, menu_hours.csv and timezones.csv into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "status": out_dir / STATUS_FILE,
        "hours": out_dir / HOURS_FILE,
        "timezones": out_dir / TIMEZONES_FILE,
    }
    with paths["status"].open("wb") as fh:
        fh.write((STATUS_HEADER + "\n").encode())
        for chunk in exports._status_chunks(1_000_000):
            fh.write(chunk)
    paths["hours"].write_text(csv_text(HOURS_HEADER, exports.menu_hours), encoding="utf-8")
    paths["timezones"].write_text(csv_text(TIMEZONES_HEADER, exports.timezones), encoding="utf-8")
    return paths
