"""The dashboard's shaping and charts, tested on frames built here."""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.exc import OperationalError

from storemon_core import views
from storemon_core.db import DataSummary
from storemon_core.db.errors import DatabaseUnavailable
from storemon_core.db.freshness import Freshness
from storemon_core.frames import FileSummary, Inputs
from storemon_core.instants import InstantError
from storemon_core.service import ReportStatus
from storemon_core.views import (
    charts,
    data,
    display,
    failures,
    filters,
    live,
    overview,
    reports,
    store,
    text,
)


def _report(rows: list[tuple[str, str, float, float, float, float, float, float]]) -> pd.DataFrame:
    cols = [
        "store_id",
        "timezone_str",
        "uptime_last_hour",
        "uptime_last_day",
        "uptime_last_week",
        "downtime_last_hour",
        "downtime_last_day",
        "downtime_last_week",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    frame["last_status"] = "active"
    frame["polls_last_week"] = 10
    return frame


@pytest.fixture
def report() -> pd.DataFrame:
    return overview.with_uptime_pct(
        _report(
            [
                ("a1", "America/Chicago", 60, 20, 90, 0, 4, 10),
                ("b2", "Asia/Kolkata", 30, 10, 50, 30, 10, 50),
                ("c3", "America/Chicago", 0, 0, 0, 0, 0, 0),
                ("d4", "Europe/Berlin", 45, 5, 20, 15, 5, 80),
            ]
        )
    )


def test_uptime_pct_uses_observed_time_and_leaves_unobserved_empty(report: pd.DataFrame) -> None:
    pct = report.set_index("store_id")["uptime_pct_week"]
    assert pct["a1"] == pytest.approx(90.0)
    assert pct["b2"] == pytest.approx(50.0)
    assert math.isnan(pct["c3"])
    assert pct["d4"] == pytest.approx(20.0)
    assert report.set_index("store_id")["uptime_pct_hour"]["d4"] == pytest.approx(75.0)


def test_headline_numbers(report: pd.DataFrame) -> None:
    head = overview.headline(report)
    assert head.stores == 4
    assert head.fleet_uptime_pct == pytest.approx(160 / 300 * 100)
    assert head.stores_down_last_hour == 2
    assert head.worst_store == "d4"
    assert head.worst_store_uptime_pct == pytest.approx(20.0)


def test_headline_of_empty_report() -> None:
    empty = overview.with_uptime_pct(_report([]))
    head = overview.headline(empty)
    assert (head.stores, head.fleet_uptime_pct, head.worst_store) == (0, None, None)


def test_filters_round_trip_through_query_params() -> None:
    chosen = filters.Filters(search="b", zones=("Europe/Berlin", "Asia/Kolkata"), pct_max=60)
    params = filters.filters_to_params(chosen)
    assert params == {"q": "b", "tz": "Asia/Kolkata,Europe/Berlin", "max": "60"}
    back = filters.parse_filters(params)
    assert back.search == "b"
    assert back.zones == ("Asia/Kolkata", "Europe/Berlin")
    assert (back.pct_min, back.pct_max) == (0.0, 60.0)
    assert filters.filters_to_params(filters.Filters()) == {}


def test_malformed_query_params_fall_back_to_defaults() -> None:
    parsed = filters.parse_filters({"min": "abc", "max": "nan", "tz": ",,", "q": ["x", "y"]})
    assert parsed == filters.Filters(search="y")
    swapped = filters.parse_filters({"min": "90", "max": "10"})
    assert (swapped.pct_min, swapped.pct_max) == (10.0, 90.0)


def test_filter_by_search_zone_and_range(report: pd.DataFrame) -> None:
    ids = lambda f: list(filters.filter_stores(report, f)["store_id"])  # noqa: E731
    assert ids(filters.Filters()) == ["a1", "b2", "c3", "d4"]
    assert ids(filters.Filters(search="B")) == ["b2"]
    assert ids(filters.Filters(zones=("America/Chicago",))) == ["a1", "c3"]
    # a narrowed range drops stores without data: they have no uptime % to compare
    assert ids(filters.Filters(pct_min=10, pct_max=60)) == ["b2", "d4"]
    # search is literal text, not a pattern
    assert ids(filters.Filters(search=".")) == []


def test_table_is_worst_first_like_the_headline(report: pd.DataFrame) -> None:
    table = overview.store_table(report, limit=3)
    # lowest weekly uptime first; c3 (nothing observed) would come last
    assert list(table["store_id"]) == ["d4", "b2", "a1"]
    assert table["store_id"].iloc[0] == overview.headline(report).worst_store
    assert list(overview.store_table(report)["store_id"]) == ["d4", "b2", "a1", "c3"]
    assert "uptime_pct_week" in table.columns


def test_headline_follows_the_filtered_rows(report: pd.DataFrame) -> None:
    chicago = filters.filter_stores(report, filters.Filters(zones=("America/Chicago",)))
    head = overview.headline(chicago)
    assert (head.stores, head.worst_store, head.stores_down_last_hour) == (2, "a1", 0)
    down = filters.filter_stores(report, filters.Filters(down_last_hour=True))
    assert list(down["store_id"]) == ["b2", "d4"]
    assert filters.parse_filters(filters.filters_to_params(filters.Filters(
        down_last_hour=True))).down_last_hour


def test_history_table_newest_first() -> None:
    past = pd.DataFrame(
        {
            "report_id": ["old", "new"],
            "status": [ReportStatus.COMPLETE, ReportStatus.FAILED],
            "as_of": ["2023-01-25 18:00:00+00:00", "2023-01-25 18:00:00+00:00"],
            "requested_at": ["2026-01-01 10:00:00+00:00", "2026-01-01 11:00:00+00:00"],
            "duration_seconds": [1.234, None],
            "store_count": [10, None],
            "error": [None, "boom"],
        }
    )
    table = reports.history_table(past)
    assert list(table["report_id"]) == ["new", "old"]
    assert list(table["error"]) == ["boom", ""]
    assert table["duration_seconds"].iloc[1] == pytest.approx(1.23)
    assert reports.history_table(past.iloc[0:0]).empty


def test_display_time_converts_to_local_wall_clock() -> None:
    utc = pd.Series(pd.to_datetime(["2023-01-22 12:00:00"], utc=True))
    assert display.to_display_time(utc, "America/Chicago")[0] == pd.Timestamp("2023-01-22 06:00")
    assert display.to_display_time(utc, None)[0] == pd.Timestamp("2023-01-22 12:00")


def test_windows_table_and_csv_row_agree() -> None:
    row = pd.DataFrame({
        "store_id": ["0012"],
        **{f"{kind}_last_{w}": [v] for kind, v in (("uptime", 29.4999), ("downtime", 30.5),
                                                   ("business_hours", 60.0))
           for w in ("hour", "day", "week")},
        **{f"polls_last_{w}": [n] for w, n in (("hour", 2), ("day", 5), ("week", 9))},
    })
    table = store.windows_table(row)
    assert list(table["uptime"]) == [29.5, 29.5, 29.5]
    assert list(table["polls"]) == [2, 5, 9]
    assert table["window"].iloc[0] == "Last hour (min)"
    csv = "store_id,uptime_last_hour\n0012,29.5\n12,1.0\n"
    assert store.csv_row(csv, "0012").to_dict("records") == [
        {"store_id": "0012", "uptime_last_hour": 29.5}]


def test_rejected_and_file_tables() -> None:
    inputs = Inputs(
        rejected=pd.DataFrame(
            {
                "file": ["store_status.csv", "store_status.csv"],
                "line": [9, 3],
                "reason": ["bad status", "bad id"],
                "row": ["x,y,z", "<b>,active,2023"],
            }
        ),
        summaries=[FileSummary("store_status.csv", 10, 8, 2)],
    )
    rejected = data.rejected_table(inputs)
    assert list(rejected["line"]) == [3, 9]
    assert rejected["row"].iloc[0] == "<b>,active,2023"
    files = data.file_summary_table(inputs)
    assert files.to_dict("records") == [
        {"file": "store_status.csv", "read": 10, "kept": 8, "rejected": 2}
    ]


def test_summary_figures_are_labelled() -> None:
    summary = DataSummary(
        database="SQLite file x.db", stores=3, polls=1234, oldest_poll=None,
        newest_poll=pd.Timestamp("2024-11-06 23:55", tz="UTC"), business_hours_rows=7,
        timezone_rows=3, stores_without_hours=1, stores_without_zone=0, rejected_rows=2,
        loads=1, last_load_at=None,
    )
    figures = {f.label: f.value for f in data.summary_figures(summary)}
    assert figures["Polls"] == "1,234"
    assert figures["Newest poll"] == "2024-11-06 23:55:00 UTC"
    assert figures["Oldest poll"] == "none"
    assert "database" not in {f.label.lower() for f in data.summary_figures(summary)}


@dataclass
class _Timeline:
    store_id: str
    timezone: str
    segments: pd.DataFrame
    polls: pd.DataFrame


def _timeline() -> _Timeline:
    t = lambda s: pd.Timestamp(s, tz="UTC")  # noqa: E731
    segments = pd.DataFrame(
        {
            "start": [t("2023-01-23 14:00"), t("2023-01-23 15:00"), t("2023-01-23 16:30")],
            "end": [t("2023-01-23 15:00"), t("2023-01-23 16:30"), t("2023-01-23 23:00")],
            "in_business_hours": [True, True, False],
            "status": ["active", "inactive", "unknown"],
            "unobserved": [False, False, False],
        }
    )
    polls = pd.DataFrame(
        {
            "timestamp_utc": [t("2023-01-23 14:30"), t("2023-01-23 16:00"), t("2023-01-23 20:00")],
            "active": [True, False, True],
            "in_business_hours": [True, True, False],
        }
    )
    return _Timeline("s1", "America/Chicago", segments, polls)


def test_timeline_figure_labels_every_state_and_poll_kind() -> None:
    figure = charts.timeline_figure(_timeline(), local=True)
    names = [trace.name for trace in figure.data]
    assert names == [
        "Active (open)",
        "Inactive (open)",
        "Closed",
        "Poll: active, open",
        "Poll: inactive, open",
        "Poll: active, closed",
    ]
    active = figure.data[0]
    # 14:00 UTC is 08:00 in Chicago in January; the bar lasts one hour
    assert active.base[0].startswith("2023-01-23T08:00:00")
    assert active.x[0] == pytest.approx(3_600_000)
    assert active.customdata[0][2] == "1 h 00 min"
    inactive = figure.data[1]
    assert inactive.marker.color != active.marker.color
    assert inactive.marker.pattern.shape == "/"


def test_timeline_figure_in_utc() -> None:
    figure = charts.timeline_figure(_timeline(), local=False)
    assert figure.data[0].base[0].startswith("2023-01-23T14:00:00")
    assert "UTC" in figure.layout.title.text


def test_daily_figure_stacks_up_down_and_gap() -> None:
    daily = pd.DataFrame(
        {
            "local_date": [pd.Timestamp("2023-01-23").date()],
            "uptime_hours": [5.0],
            "downtime_hours": [2.0],
            "business_hours": [8.0],
        }
    )
    figure = charts.daily_figure(daily)
    assert [list(trace.y) for trace in figure.data] == [[5.0], [2.0], [1.0]]
    assert figure.layout.barmode == "stack"


def test_histogram_bars_sum_to_the_store_count(report: pd.DataFrame) -> None:
    full = pd.concat([report, report.iloc[[0]].assign(store_id="e5", uptime_last_week=10.0,
                                            downtime_last_week=0.0)])
    bins = overview.uptime_bins(overview.with_uptime_pct(full))
    assert int(bins["stores"].sum()) == len(full)
    counts = dict(zip(bins["bin"], bins["stores"], strict=True))
    assert counts["95–100 %"] == 1  # exactly 100 % is in the last bar
    assert counts["no data"] == 1 and counts["20–25 %"] == 1 and counts["90–95 %"] == 1
    figure = charts.uptime_histogram(bins)
    assert sum(figure.data[0].y) == len(full)
    assert overview.bins_text(bins).startswith("5 stores: 1 at 95–100 %, 1 at 90–95 %")
    assert overview.bins_text(bins).endswith("1 with no data.")


def test_escape_markdown_keeps_text_literal() -> None:
    assert text.escape_markdown("a_b*c") == "a\\_b\\*c"
    assert text.escape_markdown("plain") == "plain"


def test_matching_ids_is_literal_and_case_blind() -> None:
    ids = pd.Series(["abc-1", "ABC-2", "x.y", "xzy"])
    assert store.matching_ids(ids, "Bc") == ["ABC-2", "abc-1"]
    assert store.matching_ids(ids, ".") == ["x.y"]
    assert store.matching_ids(ids, "c", limit=1) == ["ABC-2"]


def test_as_of_from_widgets_keeps_the_newest_poll_when_untouched() -> None:
    newest = pd.Timestamp("2024-11-06 23:51:41.877740", tz="UTC")
    shown = newest.time().replace(microsecond=0)
    untouched = reports.as_of_from_parts(newest.date(), shown, newest)
    assert untouched == newest
    edited = reports.as_of_from_parts(newest.date(), pd.Timestamp("12:30").time(), newest)
    assert edited == pd.Timestamp("2024-11-06 12:30", tz="UTC")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_views_import_down_and_never_streamlit() -> None:
    package = Path(views.__file__).resolve().parent.parent
    for path in package.rglob("*.py"):
        imported = _imports(path)
        name = path.relative_to(package.parent).as_posix()
        assert not {m for m in imported if m.split(".")[0] == "streamlit"}, name
        if "views" not in path.relative_to(package).parts:
            assert not {m for m in imported if m.startswith("storemon_core.views")}, name
    for path in Path(views.__file__).resolve().parent.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name


def test_as_of_out_of_range_is_a_sentence() -> None:
    with pytest.raises(InstantError, match="outside 1970-01-01"):
        reports.as_of_from_parts(date(1600, 1, 5), time(12, 0))
    newest = pd.Timestamp("2300-01-01", tz="UTC")
    with pytest.raises(InstantError, match="outside 1970-01-01"):
        reports.report_as_of(None, newest)
    assert reports.as_of_default_date(newest) == reports.AS_OF_DATES[1]
    chosen = pd.Timestamp("2024-11-06 12:00", tz="UTC")
    assert reports.report_as_of(chosen, newest) == chosen


def test_driver_errors_become_database_unavailable(tmp_path: Path) -> None:
    url = "mysql+pymysql://root:secret@127.0.0.1:1/storemon"
    refused = OperationalError("connect", {}, Exception("(2003, \"Can't connect to MySQL\")"))
    failure = failures.database_failure(url, refused)
    assert failure is not None and failure.__cause__ is refused
    assert "secret" not in str(failure) and failure.what == "no server answered"
    assert failures.database_failure(url, ValueError("not the database's")) is None
    blocked = tmp_path / "file"
    blocked.write_text("")

    def open_in_a_file(url: str) -> None:
        raise NotADirectoryError(str(blocked))

    with pytest.raises(DatabaseUnavailable, match="folder"):
        failures.opened(f"sqlite:///{blocked}/x.db", open_in_a_file)
    with pytest.raises(NotADirectoryError):
        failures.opened(url, open_in_a_file)  # not SQLite: not the database's folder


def test_unobserved_time_is_drawn_as_its_own_state() -> None:
    plain = _timeline()
    assert "Active, unobserved (open)" not in [t.name for t in charts.timeline_figure(plain).data]
    segments = plain.segments.assign(unobserved=[False, True, True])
    seen = _Timeline(plain.store_id, plain.timezone, segments, plain.polls)
    traces = {t.name: t for t in charts.timeline_figure(seen).data}
    # the unobserved hour and a half keeps its status (inactive), crossed, and says why
    unobserved = traces["Inactive, unobserved (open)"]
    assert unobserved.x[0] == pytest.approx(5_400_000)
    assert unobserved.marker.pattern.shape == "x"
    assert "no poll came within an hour" in unobserved.hovertemplate
    assert "Inactive (open)" not in traces and "Active, unobserved (open)" not in traces


def test_freshness_and_unobserved_share_filter_the_overview(report: pd.DataFrame) -> None:
    as_of = pd.Timestamp("2023-01-25 18:00", tz="UTC")
    last = ["2023-01-25 17:30", "2023-01-24 12:00", "2023-01-25 18:00", "2023-01-20 18:00"]
    fresh = overview.with_freshness(report.assign(last_poll_utc=pd.to_datetime(last, utc=True)),
                                    as_of)
    assert list(fresh["hours_since_poll"]) == [0.5, 30.0, 0.0, 120.0]
    assert "unobserved_pct_week" not in fresh.columns  # until the engine counts it
    quiet = filters.parse_filters({"quiet": "24"})
    assert list(filters.filter_stores(fresh, quiet)["store_id"]) == ["b2", "d4"]
    counted = report.assign(last_poll_utc=pd.to_datetime(last, utc=True),
                            business_hours_last_week=[100.0, 100.0, 0.0, 100.0],
                            unobserved_last_week=[0.0, 50.0, 0.0, 100.0])
    shares = overview.with_freshness(counted, as_of)["unobserved_pct_week"]
    assert list(shares.fillna(-1)) == [0.0, 50.0, -1, 100.0]
    mostly_guessed = filters.parse_filters({"unobs": "50"})
    assert filters.filters_to_params(mostly_guessed) == {"unobs": "50"}
    assert list(filters.filter_stores(overview.with_freshness(counted, as_of),
                                      mostly_guessed)["store_id"]) == ["b2", "d4"]
    assert "unobserved_pct_week" in overview.store_table(overview.with_freshness(counted, as_of))


def test_legends_list_only_what_occurs() -> None:
    daily = pd.DataFrame({"local_date": [pd.Timestamp("2023-01-23").date()],
                          "uptime_hours": [8.0], "downtime_hours": [0.0], "business_hours": [8.0]})
    assert [t.name for t in charts.daily_figure(daily).data] == ["Uptime (h)"]


def test_the_live_view_is_a_standard_report_and_a_period_has_its_own() -> None:
    newest = pd.Timestamp("2024-11-06 12:00", tz="UTC")
    changed = pd.Timestamp("2024-11-06 12:05", tz="UTC")
    rows = [  # newest first, as ReportService.list_reports gives them
        ("period-new", ReportStatus.COMPLETE, newest, changed + pd.Timedelta(seconds=3),
         date(2024, 10, 8), date(2024, 11, 6)),
        ("running", ReportStatus.RUNNING, newest, changed + pd.Timedelta(seconds=2), None, None),
        ("standard", ReportStatus.COMPLETE, newest, changed + pd.Timedelta(seconds=1), None,
         None),
        ("period-old", ReportStatus.COMPLETE, newest, changed - pd.Timedelta(minutes=1),
         date(2024, 9, 8), date(2024, 10, 7)),
    ]
    reports = pd.DataFrame(rows, columns=["report_id", "status", "as_of", "requested_at",
                                          "first", "last"])
    fresh = Freshness(newest, changed)
    found = live.live_report(reports, fresh)
    assert found is not None and found["report_id"] == "standard"
    assert list(live.standard_reports(reports)["report_id"]) == ["running", "standard"]
    assert list(live.report_choices(reports)) == ["standard"]
    period = live.live_report(reports, fresh, (date(2024, 10, 8), date(2024, 11, 6)))
    assert period is not None and period["report_id"] == "period-new"
    # Requested before the last change: no longer the live answer for its period.
    assert live.live_report(reports, fresh, (date(2024, 9, 8), date(2024, 10, 7))) is None
