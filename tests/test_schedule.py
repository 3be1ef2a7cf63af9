from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from shopify_api.schedule import avoid, backoff, next_run, start_clock

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_every_ten_minutes_from_midnight():
    assert next_run(utc(2026, 3, 2, 10, 3), 0.0, 10) == utc(2026, 3, 2, 10, 10)
    # strictly after now: a run at 10:10 is followed by 10:20
    assert next_run(utc(2026, 3, 2, 10, 10), 0.0, 10) == utc(2026, 3, 2, 10, 20)


def test_grid_starts_at_the_start_time():
    # start 06:30, every 45 minutes: 06:30, 07:15, 08:00, ...
    assert next_run(utc(2026, 3, 2, 5, 0), 6.5, 45) == utc(2026, 3, 2, 6, 30)
    assert next_run(utc(2026, 3, 2, 7, 20), 6.5, 45) == utc(2026, 3, 2, 8, 0)


def test_after_the_last_slot_of_the_day_the_grid_restarts_tomorrow():
    # start 22:00 every 90 minutes: 22:00, 23:30, then 22:00 next day
    assert next_run(utc(2026, 3, 2, 23, 40), 22.0, 90) == utc(2026, 3, 3, 22, 0)


def test_daily_job_runs_at_its_start_time():
    assert next_run(utc(2026, 3, 2, 1, 0), 2.0, 1440) == utc(2026, 3, 2, 2, 0)
    assert next_run(utc(2026, 3, 2, 2, 0), 2.0, 1440) == utc(2026, 3, 3, 2, 0)


def test_local_time_of_the_company_and_daylight_saving():
    # 02:00 in Berlin is 01:00 UTC in winter and 00:00 UTC in summer
    assert next_run(utc(2026, 1, 10, 12, 0), 2.0, 1440, BERLIN) == utc(2026, 1, 11, 1, 0)
    assert next_run(utc(2026, 7, 10, 12, 0), 2.0, 1440, BERLIN) == utc(2026, 7, 11, 0, 0)


def test_regular_slot_moves_away_from_the_daily_run():
    daily = utc(2026, 3, 2, 2, 0)
    assert avoid(utc(2026, 3, 2, 2, 0), daily, 60) == daily + timedelta(seconds=60)
    assert avoid(utc(2026, 3, 2, 1, 59, 30), daily, 60) == daily + timedelta(seconds=60)
    assert avoid(utc(2026, 3, 2, 2, 10), daily, 60) == utc(2026, 3, 2, 2, 10)


def test_backoff_doubles_and_is_capped():
    assert backoff(10, 0) == 0
    assert backoff(10, 1) == 20
    assert backoff(10, 3) == 80
    assert backoff(10, 20) == 24 * 60


def test_start_clock_and_naive_now():
    assert start_clock(6.25).strftime("%H:%M") == "06:15"
    assert start_clock(30).strftime("%H:%M") == "23:59"
    with pytest.raises(ValueError):
        next_run(datetime(2026, 1, 1), 0, 10)
