"""When a scheduled job runs next (plain data: datetimes in, datetime out).

A schedule runs on a daily grid: from its start time (local time of the
shop's company), every ``interval`` minutes, until the day ends; the grid
starts again at the start time the next day. A job of one run a day
(``interval`` of 1440 minutes or more) runs at its start time.

The daily re-fetch of orders and the regular order fetch must not start
together (the second would find the first one running): a regular slot that
falls within ``offset`` seconds before or after the daily run is moved to
``offset`` seconds after it (PULPO's "time difference", default 60 s).
"""

from datetime import datetime, time, timedelta, timezone

DAY_MINUTES = 24 * 60


def start_clock(hours):
    """A float of hours (Odoo's float_time widget) as a ``datetime.time``."""
    minutes = min(max(0, round(float(hours or 0.0) * 60)), DAY_MINUTES - 1)
    return time(minutes // 60, minutes % 60)


def next_run(now, start_hours, interval_minutes, tz=None):
    """The first slot strictly after ``now``.

    :param now: aware datetime (UTC)
    :param start_hours: start time of the daily grid in hours (e.g. 6.5 = 06:30)
    :param interval_minutes: minutes between two runs (1..1440)
    :param tz: a ``tzinfo`` for the local time of the grid, or None for UTC
    :return: aware datetime in UTC
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    interval = max(1, int(interval_minutes or DAY_MINUTES))
    tz = tz or timezone.utc
    local_now = now.astimezone(tz)
    clock = start_clock(start_hours)
    for day_shift in (-1, 0, 1):
        day = local_now.date() + timedelta(days=day_shift)
        first = datetime.combine(day, clock, tzinfo=tz)
        day_end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
        if interval >= DAY_MINUTES:
            candidates = [first]
        else:
            if first > local_now:
                candidates = [first]
            else:
                elapsed = (local_now - first).total_seconds() / 60
                steps = int(elapsed // interval) + 1
                candidates = [first + timedelta(minutes=steps * interval)]
        for candidate in candidates:
            if candidate > local_now and (interval >= DAY_MINUTES or candidate < day_end):
                return candidate.astimezone(timezone.utc)
    # past the last slot of today: the first slot of tomorrow
    tomorrow = datetime.combine(local_now.date() + timedelta(days=1), clock, tzinfo=tz)
    return tomorrow.astimezone(timezone.utc)


def avoid(slot, other, offset_seconds):
    """Move ``slot`` to ``offset_seconds`` after ``other`` when they are closer than that."""
    if other is None or not offset_seconds:
        return slot
    if abs((slot - other).total_seconds()) < offset_seconds:
        return other + timedelta(seconds=offset_seconds)
    return slot


def backoff(interval_minutes, failures, cap_minutes=24 * 60):
    """Minutes to wait after ``failures`` consecutive failures (auth, shop gone):
    the interval doubled per failure, at most ``cap_minutes``."""
    if failures <= 0:
        return 0
    return min(cap_minutes, max(1, int(interval_minutes or 1)) * 2 ** min(failures, 16))
