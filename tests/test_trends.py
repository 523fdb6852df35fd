"""The Trends page and the Store page's days: view-models by hand, pages through AppTest."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from builders import hours, polls, zones
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from storemon_core.db import open_database
from storemon_core.db.history import read_history
from storemon_core.engine.history import History, history
from storemon_core.engine.period import default_period, period_of, previous_period
from storemon_core.output.history_csv import (
    daily_csv,
    period_csv,
    read_daily_csv,
    read_period_csv,
)
from storemon_core.service import ReportService, get_service
from storemon_core.views import periods, store_days, trends, uploads
from tests.pages_app import APP, TIMEOUT, as_served, wait_complete
from tests.pages_fixtures import _use_database

TRENDS, STORE = "pages/trends.py", "pages/store.py"
SAMPLE_DAYS = 35


def _period(daily: pd.DataFrame, totals: pd.DataFrame) -> History:
    chosen = period_of("2024-01-01", "2024-01-02", "2024-01-03 00:00:00")
    return History(chosen, daily, totals)


def _daily_rows(rows: list[tuple[str, str, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["store_id", "date", "business_hours", "uptime",
                                        "downtime", "unobserved"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[s]")
    frame["polls"] = 1
    return frame


def _totals(rows: list[tuple[str, float | None]]) -> pd.DataFrame:
    return pd.DataFrame({"store_id": [r[0] for r in rows],
                         "uptime_pct": [np.nan if r[1] is None else r[1] for r in rows]})


def test_fleet_uptime_per_date_is_summed_hours_not_averaged_percentages() -> None:
    daily = _daily_rows([
        ("a", "2024-01-01", 10.0, 9.0, 1.0, 2.0),
        ("b", "2024-01-01", 2.0, 0.0, 2.0, 0.0),
        ("a", "2024-01-02", 10.0, 10.0, 0.0, 0.0),
        ("c", "2024-01-02", 0.0, 0.0, 0.0, 0.0),  # closed all day
        ("c", "2024-01-03", 0.0, 0.0, 0.0, 0.0),
    ])
    fleet = trends.fleet_daily(daily)
    assert list(fleet.columns) == trends.FLEET_DAILY_COLUMNS
    assert list(fleet["date"]) == [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)]
    assert list(fleet["stores"]) == [2, 2, 1]
    # 9 h up of 12 counted hours (not the mean of 90 % and 0 %), 2 of 12 unobserved.
    assert fleet["uptime_pct"].iloc[0] == pytest.approx(75.0)
    assert fleet["unobserved_pct"].iloc[0] == pytest.approx(100 * 2 / 12)
    assert fleet["uptime_pct"].iloc[1] == pytest.approx(100.0)
    assert np.isnan(fleet["uptime_pct"].iloc[2]) and np.isnan(fleet["unobserved_pct"].iloc[2])


def test_movers_are_ordered_by_change_and_ties_by_store_id() -> None:
    now = _totals([("s1", 50.0), ("s2", 90.0), ("s3", 80.0), ("s4", 60.0), ("s5", 70.0),
                   ("s6", None), ("s7", 40.0)])
    before = _totals([("s1", 90.0), ("s2", 70.0), ("s3", 80.0), ("s4", 100.0), ("s5", 60.0),
                      ("s6", 50.0), ("s8", 10.0)])
    compared = trends.comparison(now, before)
    assert sorted(compared["store_id"]) == ["s1", "s2", "s3", "s4", "s5"]
    fell = trends.declined(compared)
    assert list(fell["store_id"]) == ["s1", "s4"]  # both -40: by id
    assert list(fell["change"]) == [-40.0, -40.0]
    rose = trends.improved(compared)
    assert list(rose["store_id"]) == ["s2", "s5"]
    assert list(rose["change"]) == [20.0, 10.0]
    assert list(rose["store_page"]) == ["/store?store_id=s2", "/store?store_id=s5"]
    assert list(trends.declined(compared, limit=1)["store_id"]) == ["s1"]


def test_worst_stores_and_their_heatmap_rows() -> None:
    daily = _daily_rows([
        ("b", "2024-01-01", 4.0, 1.0, 3.0, 0.0),
        ("a", "2024-01-01", 4.0, 4.0, 0.0, 0.0),
        ("a", "2024-01-02", 4.0, 2.0, 2.0, 0.0),
        ("c", "2024-01-01", 0.0, 0.0, 0.0, 0.0),
    ])
    totals = _totals([("a", 75.0), ("b", 25.0), ("c", None), ("a/b c", 75.0)])
    for column in ("downtime", "unobserved", "business_hours"):
        totals[column] = 0.0
    worst = trends.worst_stores(totals, 3)
    assert list(worst["store_id"]) == ["b", "a", "a/b c"]
    assert worst["store_page"].iloc[2] == "/store?store_id=a%2Fb%20c"
    table = trends.heatmap(daily, ["b", "a"])
    assert list(table.index) == ["b", "a"]
    assert table.loc["b", date(2024, 1, 1)] == pytest.approx(25.0)
    assert table.loc["a", date(2024, 1, 2)] == pytest.approx(50.0)
    assert np.isnan(table.loc["b", date(2024, 1, 2)])


def test_the_store_filter_matches_part_of_an_id_in_any_case() -> None:
    daily = _daily_rows([("North-1", "2024-01-01", 1, 1, 0, 0),
                         ("south-2", "2024-01-01", 1, 0, 1, 0)])
    daily["store_id"] = daily["store_id"].astype("category")
    assert list(trends.matching(daily, "NORTH")["store_id"]) == ["North-1"]
    assert len(trends.matching(daily, "")) == 2
    totals = _totals([("North-1", 100.0)]).assign(downtime=0.0, unobserved=0.0,
                                                   business_hours=1.0, uptime=1.0)
    view = trends.trends_view(_period(daily, totals), totals.iloc[:0], search="south")
    assert view.current.stores == 0 and view.fleet["stores"].tolist() == [1]


def test_choice_from_the_url_and_back() -> None:
    newest = pd.Timestamp("2024-03-31 23:00", tz="UTC")
    default, problem = trends.parse_choice({}, newest)
    assert (default.first, default.last, problem) == (date(2024, 3, 2), date(2024, 3, 31), "")
    assert trends.choice_params(default, newest) == {}
    given = {"first": "2024-03-10", "last": "2024-03-16", "q": "ab", "worst": "5"}
    chosen, problem = trends.parse_choice(given, newest)
    assert problem == "" and chosen.days == 7 and chosen.worst == 5
    assert trends.choice_params(chosen, newest) == given
    assert previous_period(chosen.first, chosen.last) == (date(2024, 3, 3),
                                                                 date(2024, 3, 9))
    for bad in ({"first": "2024-03-16", "last": "2024-03-10"}, {"first": "2024-13-01"},
                {"first": "2024-04-02", "last": "2024-04-03"}):
        refused, problem = trends.parse_choice(bad, newest)
        assert problem and (refused.first, refused.last) == (default.first, default.last)


def test_a_store_day_is_as_long_as_its_local_date() -> None:
    # Chicago falls back on 2024-11-03 (25 hours) and as_of cuts 2024-11-04 at 06:00 local.
    rows = _daily_rows([("s", "2024-11-02", 10.0, 8.0, 2.0, 1.0),
                        ("s", "2024-11-03", 10.0, 10.0, 0.0, 0.0),
                        ("s", "2024-11-04", 1.0, 1.0, 0.0, 0.0),
                        ("t", "2024-11-02", 10.0, 0.0, 10.0, 0.0)])
    days = store_days.store_days(rows, "s", "America/Chicago",
                                 pd.Timestamp("2024-11-04 12:00", tz="UTC"))
    assert list(days.columns) == store_days.STORE_DAYS_COLUMNS
    assert list(days["closed"]) == [14.0, 15.0, 5.0]
    assert list(days["unobserved"]) == [1.0, 0.0, 0.0]


def test_the_views_agree_with_the_engine_by_hand() -> None:
    data = polls(("s", "2024-01-01 10:00", "active"), ("s", "2024-01-02 10:00", "inactive"))
    result = history(data, hours(), zones(s="UTC"), "2024-01-01", "2024-01-02",
                     "2024-01-02 23:59")
    fleet = trends.fleet_daily(result.daily)
    # 24/7: the first poll speaks until the midpoint at 2024-01-01 22:00.
    assert fleet["uptime_pct"].round(4).tolist() == [round(100 * 22 / 24, 4), 0.0]


# AppTest keeps downloads in an in-memory store that it drops after each run.
_STORES: list[MemoryMediaFileStorage] = []


class _KeptStorage(MemoryMediaFileStorage):
    def __init__(self, endpoint: str) -> None:
        super().__init__(endpoint)
        _STORES.append(self)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A sample fleet with 35 days of polls: two 14-day periods and more."""
    url = f"sqlite:///{tmp_path_factory.mktemp('trends') / 'trends.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        _use_database(url)
        outcome = uploads.load_sample_data(open_database(url), get_service(url), stores=30,
                                           days=SAMPLE_DAYS, seed=7)
        assert outcome.after is not None and len(outcome.after.period_ids) == 2
        for report_id in outcome.after.all_ids:
            wait_complete(url, report_id)
        yield url


@pytest.fixture
def loaded(sample_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sample_db)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", _KeptStorage)
    return sample_db


def _open(page: str, **query: str) -> AppTest:
    # Through the router, as the server runs every page.
    with as_served():
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.run()
        at.switch_page(page)
        at.query_params.update(query)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _tables_with(at: AppTest, column: str) -> list[pd.DataFrame]:
    """Read-only tables carry no key in AppTest: they are found by a telling column."""
    return [frame.value for frame in at.dataframe if column in frame.value.columns]


def _download(at: AppTest, key: str) -> str:
    button = next(b for b in at.download_button if b.key == key)
    name = button.proto.url.rsplit("/", 1)[-1]
    for storage in reversed(_STORES):
        try:
            return storage.get_file(name).content.decode()
        except Exception:  # another run's store
            continue
    raise KeyError(name)


def _as_csvs(found: History) -> History:
    """A history as its CSVs hold it: what the page shows, stored or counted."""
    return History(found.period, read_daily_csv(daily_csv(found.daily)),
                   read_period_csv(period_csv(found.totals)))


def _expected_view(url: str, first: date, last: date) -> trends.TrendsView:
    db = open_database(url)
    return trends.trends_view(_as_csvs(read_history(db, first, last)),
                              _as_csvs(read_history(db, *previous_period(first, last))).totals)


def test_trends_default_period_is_the_30_days_up_to_the_newest_poll(loaded: str) -> None:
    at = _open(TRENDS)
    newest = open_database(loaded).newest_poll()
    assert newest is not None
    last = newest.date()
    first = last - timedelta(days=29)
    assert at.session_state["t_period"] == (first, last)
    assert dict(at.query_params) == {}
    expected = _expected_view(loaded, first, last)
    fleet = _tables_with(at, "unobserved_pct")[0]
    assert len(fleet) == 30
    assert list(fleet["uptime_pct"].round(6)) == list(expected.fleet["uptime_pct"].round(6))
    uptime = next(m for m in at.metric if m.label == "Fleet uptime")
    assert uptime.value == f"{expected.current.uptime_pct:.2f} %"
    assert len(at.get("plotly_chart")) == 2  # the fleet's days and the heatmap


def test_trends_period_and_filter_come_from_the_link(loaded: str) -> None:
    at = _open(TRENDS, first="2024-10-20", last="2024-11-02", worst="5")
    assert at.session_state["t_period"] == (date(2024, 10, 20), date(2024, 11, 2))
    assert at.query_params["first"] == "2024-10-20" and at.query_params["worst"] == "5"
    fleet = _tables_with(at, "unobserved_pct")[0]
    assert [d.isoformat() for d in pd.to_datetime(fleet["date"]).dt.date] == [
        (date(2024, 10, 20) + timedelta(days=k)).isoformat() for k in range(14)]
    worst = _tables_with(at, "business_hours")[-1]
    assert len(worst) == 5
    expected = _expected_view(loaded, date(2024, 10, 20), date(2024, 11, 2))
    assert list(worst["store_id"]) == list(expected.worst["store_id"].head(5))
    assert all(link == f"/store?store_id={s}" for s, link in
               zip(worst["store_id"], worst["store_page"], strict=True))
    one = str(worst["store_id"].iloc[0])
    at.text_input(key="t_search").set_value(one).run()
    assert at.query_params["q"] == one
    assert list(_tables_with(at, "business_hours")[-1]["store_id"]) == [one]
    refused = _open(TRENDS, first="2024-11-02", last="2024-10-20")
    assert "before first" in refused.warning[0].value
    assert refused.session_state["t_period"][1] - refused.session_state["t_period"][0] == \
        timedelta(days=29)


def test_trends_compares_the_period_with_the_one_before(loaded: str) -> None:
    first, last = date(2024, 10, 24), date(2024, 11, 6)
    at = _open(TRENDS, first=first.isoformat(), last=last.isoformat())
    expected = _expected_view(loaded, first, last)
    movers = _tables_with(at, "previous_uptime_pct")
    assert len(movers) == 2
    fell, rose = movers
    assert len(fell) + len(rose) > 0, "the sample should move between two fortnights"
    assert list(fell["store_id"]) == list(expected.declined["store_id"])
    assert list(rose["store_id"]) == list(expected.improved["store_id"])
    assert (fell["change"] < 0).all() and list(fell["change"]) == sorted(fell["change"])
    assert (rose["change"] > 0).all() and list(rose["change"]) == sorted(rose["change"],
                                                                         reverse=True)


def test_trends_downloads_are_the_history_csvs(loaded: str) -> None:
    first, last = date(2024, 10, 28), date(2024, 11, 6)
    at = _open(TRENDS, first=first.isoformat(), last=last.isoformat(), q="zz-no-store")
    db = open_database(loaded)
    polls_in = db.read_inputs_between(0, 2**62)
    engine = history(polls_in.polls, polls_in.business_hours, polls_in.timezones, first, last)
    assert _download(at, "daily_csv") == daily_csv(engine.daily)
    assert _download(at, "period_csv") == period_csv(engine.totals)


def test_store_page_shows_its_days_over_the_period(loaded: str) -> None:
    first, last = date(2024, 10, 31), date(2024, 11, 6)
    chosen = read_history(open_database(loaded), first, last)
    store_id = str(chosen.totals["store_id"].iloc[0])
    at = _open(STORE, store_id=store_id, first=first.isoformat(), last=last.isoformat())
    days = _tables_with(at, "closed")[0]
    mine = chosen.daily[chosen.daily["store_id"] == store_id]
    assert len(days) == len(mine) == 7
    for column in ("business_hours", "uptime", "downtime", "unobserved"):
        assert list(days[column]) == pytest.approx(list(mine[column]), abs=0.006)
    # Whole dates are 23, 24 or 25 hours long; the newest poll cuts the last one short.
    lengths = (days["closed"] + days["business_hours"]).round(2)
    assert set(lengths.iloc[:-1]) <= {23.0, 24.0, 25.0} and lengths.iloc[-1] < 24
    assert at.query_params["store_id"] == store_id and at.query_params["first"] == "2024-10-31"
    default = _open(STORE, store_id=store_id)
    assert len(_tables_with(default, "closed")[0]) == 30


def test_trends_on_an_empty_database_says_what_to_do(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    _use_database(url)
    at = _open(TRENDS)
    assert "no polls are loaded" in at.info[0].value.lower()


def _period_reports(url: str) -> dict[tuple[date, date], str]:
    listed = get_service(url).list_reports(50)
    done = listed[listed["first"].notna() & (listed["status"] == "Complete")]
    periods_of = zip(done["first"], done["last"], done["report_id"], strict=True)
    return {(first, last): str(report_id) for first, last, report_id in periods_of}


def test_trends_opens_with_the_period_reports_made_after_the_load(loaded: str) -> None:
    newest = open_database(loaded).newest_poll()
    assert newest is not None
    current = default_period(newest)
    made = _period_reports(loaded)
    current_id, previous_id = made[current], made[previous_period(*current)]
    at = _open(TRENDS)
    said = " ".join(c.value for c in at.caption).replace("\\", "")
    assert (f"This period: period report {current_id}; the one before: period report "
            f"{previous_id}.") in said
    stored = get_service(loaded).get_report(current_id)
    assert stored is not None
    assert _download(at, "daily_csv") == stored.daily_csv
    assert _download(at, "period_csv") == stored.csv
    # Stored or counted, the page shows the same rows.
    counted = periods.counted(open_database(loaded), *current)
    from_report = periods.from_report(stored)
    pd.testing.assert_frame_equal(from_report.history.daily, counted.history.daily)
    pd.testing.assert_frame_equal(from_report.history.totals, counted.history.totals)
    assert counted.daily_text == stored.daily_csv and counted.period_text == stored.csv


def test_trends_counts_a_period_no_report_holds(loaded: str) -> None:
    at = _open(TRENDS, first="2024-10-20", last="2024-11-02")
    said = " ".join(c.value for c in at.caption)
    assert "Both periods are counted from the polls for this page." in said


def test_a_period_stepped_back_to_is_not_counted_again(
    loaded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    st.cache_resource.clear()
    asked: list[tuple[date, date]] = []
    count = periods.counted

    def counted(db: Any, first: date, last: date) -> periods.PeriodRows:
        asked.append((first, last))
        return count(db, first, last)

    monkeypatch.setattr(periods, "counted", counted)
    _open(TRENDS, first="2024-10-20", last="2024-11-02")
    assert sorted(asked) == [(date(2024, 10, 6), date(2024, 10, 19)),
                             (date(2024, 10, 20), date(2024, 11, 2))]
    asked.clear()
    at = _open(TRENDS, first="2024-10-06", last="2024-10-19")  # the period before
    assert asked == [(date(2024, 9, 22), date(2024, 10, 5))]
    assert at.metric


def test_periods_counted_together_are_each_counted_alone(loaded: str) -> None:
    db = open_database(loaded)
    chosen = [(date(2024, 10, 20), date(2024, 11, 2)), (date(2024, 10, 6), date(2024, 10, 19))]
    together = periods.counted_together(db, chosen)
    for rows, (first, last) in zip(together, chosen, strict=True):
        alone = periods.counted(db, first, last)
        assert (rows.history.period.first, rows.history.period.last) == (first, last)
        assert rows.daily_text == alone.daily_text and rows.period_text == alone.period_text
    assert together[0].daily_text != together[1].daily_text


def test_trends_follows_the_period_report_of_a_load_still_being_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'held.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    _use_database(url)
    release = threading.Event()
    made = ReportService._period

    def held(service: ReportService, *args: Any) -> Any:
        release.wait(60)
        return made(service, *args)

    monkeypatch.setattr(ReportService, "_period", held)
    try:
        outcome = uploads.load_sample_data(open_database(url), get_service(url), stores=5,
                                           days=3, seed=2)
        at = _open(TRENDS)
        assert outcome.after is not None
        assert [p.value for p in at.get("progress")], "no progress shown"
        assert not at.metric  # the page waits for the report rather than counting twice
    finally:
        release.set()
    for report_id in outcome.after.all_ids:
        wait_complete(url, report_id)
    at.run()
    assert at.metric and "period report" in " ".join(c.value for c in at.caption)
