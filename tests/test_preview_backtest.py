"""Episode counting (``for``, ``keep_firing_for``) and step choice, without a server."""

from __future__ import annotations

from obskit.preview.backtest import MAX_POINTS, choose_step, episodes, runs


def minutes(*spans: tuple[int, int]) -> list[float]:
    """Timestamps (one per minute) for inclusive minute spans."""
    return [m * 60.0 for a, b in spans for m in range(a, b + 1)]


def test_runs_split_on_gaps() -> None:
    assert runs(minutes((0, 4), (10, 12)), 60) == [(0, 240), (600, 720)]


def test_for_delays_the_start_and_drops_short_runs() -> None:
    ts = minutes((0, 30), (50, 53), (100, 119))
    got = episodes(ts, 60, for_seconds=5 * 60)
    # the 4-minute run (50..53) stays pending
    assert [(e.start / 60, e.end / 60) for e in got] == [(5, 31), (105, 120)]
    assert [e.seconds for e in got] == [26 * 60, 15 * 60]


def test_no_for_fires_at_once() -> None:
    got = episodes(minutes((3, 3)), 60, for_seconds=0)
    assert [(e.start, e.end) for e in got] == [(180, 240)]


def test_steps_coarser_than_for() -> None:
    """A 1-minute `for` backtested at a 5-minute step: one matching step fires."""
    got = episodes([600.0], 300, for_seconds=60)
    assert [(e.start, e.end) for e in got] == [(660, 900)]


def test_for_not_a_multiple_of_the_step_rounds_up_like_prometheus() -> None:
    # for 90s at a 60s interval: firing at the 3rd matching evaluation (t=120)
    assert episodes(minutes((0, 1)), 60, for_seconds=90) == []
    got = episodes(minutes((0, 2)), 60, for_seconds=90)
    assert [(e.start, e.end) for e in got] == [(120, 180)]


def test_keep_firing_for_bridges_short_gaps() -> None:
    ts = minutes((0, 10), (13, 20), (40, 45))
    got = episodes(ts, 60, for_seconds=0, keep_firing_for=5 * 60)
    assert [(e.start / 60, e.end / 60) for e in got] == [(0, 26), (40, 51)]


def test_end_caps_an_ongoing_episode() -> None:
    got = episodes(minutes((0, 10)), 60, for_seconds=0, end=600)
    assert got[0].end == 600


def test_step_choice() -> None:
    assert choose_step(7 * 86400, 60) == 60  # 10080 points fit
    coarse = choose_step(30 * 86400, 60)
    assert coarse % 60 == 0 and 30 * 86400 / coarse < MAX_POINTS
    assert choose_step(86400, 60, step=15) == 15
