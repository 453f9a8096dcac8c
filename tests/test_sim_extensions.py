"""Extensions (a reform team's own SimPy processes), counter hours, closing and overtime."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from journeys.errors import InputError
from simulation.engine import simulate_days
from simulation.experiments import run_experiment
from simulation.model import Extension, Study, load_study
from simulation.queueing import mmc_study
from simulation.study_io import dump_study

DAY = dt.date(2025, 1, 6)
ROOT = Path(__file__).resolve().parents[1]

HOLD = '''
from simulation.extensions import Extension


class Hold(Extension):
    """Holds every resident on arrival for ``minutes``; records what env.now was."""

    activity = "greeter"

    def __init__(self, minutes: float = 5.0) -> None:
        super().__init__(minutes=minutes)
        self.minutes = minutes

    def start_day(self, day):
        super().start_day(day)
        self.staff = day.staff(1, "GRT")

    def on_arrival(self, resident):
        env = self.day.env
        before = env.now
        member = yield self.staff.get()
        got = env.now
        yield env.timeout(self.minutes)
        self.staff.release(member, got)
        self.day.set_column(resident, "held_min", env.now - before)
'''

RAISES = """
from simulation.extensions import Extension


class Broken(Extension):
    def after_service(self, resident, counter):
        yield self.day.env.timeout(1)
        raise RuntimeError("the printer is out of paper")
"""


def _study_with(tmp_path: Path, source: str, use: str, **params: float) -> Study:
    """The M/M/c study (1 counter) with one extension of both scenarios, saved in tmp_path."""
    (tmp_path / "ext.py").write_text(textwrap.dedent(source), encoding="utf-8")
    study = mmc_study(0.05, 2.0, 1)
    for scenario in study.scenarios:
        scenario.extensions = [Extension(use=use, params=dict(params))]
    path = dump_study(study, tmp_path / "study.toml")
    return load_study(path)


def _minutes(col: str) -> pl.Expr:
    return (pl.col(col) - pl.col(col).dt.truncate("1d")).dt.total_seconds() / 60.0


def test_an_extension_process_runs_on_the_days_simpy_environment(tmp_path: Path) -> None:
    study = _study_with(tmp_path, HOLD, "ext.py:Hold", minutes=5.0)
    out = simulate_days(study, "base", days=[DAY], replication=0, seed=1)
    visits = out.visits
    assert visits.height > 20
    # every resident was held 5 simulated minutes (env.now advanced through the timeout)
    assert visits["held_min"].drop_nulls().len() == visits.height
    assert (visits["held_min"] >= 5.0 - 1e-9).all()
    first = out.log.group_by("visit_id").agg(
        pl.col("issued_at").min(), pl.col("arrived_at").first()
    )
    held = (first["issued_at"] - first["arrived_at"]).dt.total_seconds() / 60.0
    assert (held >= 5.0 - 1 / 60).all()
    # the greeter's work is in the staff log under its own activity, one row per resident
    greeter = out.staff_log.filter(pl.col("activity") == "greeter")
    assert greeter.height == visits.height
    assert set(greeter["staff_id"]) == {"GRT-1"} and set(greeter["counter_id"]) == {"greeter"}
    # one greeter: the holds never overlap
    starts = greeter.sort("start")
    assert (starts["start"][1:].to_numpy() >= starts["end"][:-1].to_numpy()).all()


def test_extensions_load_in_worker_processes_with_the_same_results(tmp_path: Path) -> None:
    study = _study_with(tmp_path, HOLD, "ext.py:Hold", minutes=3.0)
    kwargs = {"replications": 2, "seed": 5, "days": [DAY], "progress": False}
    one = run_experiment(study, workers=1, **kwargs)  # type: ignore[arg-type]
    two = run_experiment(study, workers=2, **kwargs)  # type: ignore[arg-type]
    assert one.staff_log.filter(pl.col("activity") == "greeter").height > 0
    assert one.log.equals(two.log) and one.staff_log.equals(two.staff_log)
    assert one.visits.equals(two.visits)


HELPER = """
from simulation.extensions import Extension


class Helper(Extension):
    \"\"\"At ``at`` a clerk of the first counter leaves it for ``minutes`` to help at the entrance.\"\"\"

    activity = "entrance_help"

    def __init__(self, at: float = 600.0, minutes: float = 20.0) -> None:
        super().__init__(at=at, minutes=minutes)
        self.at, self.minutes = at, minutes

    def start_day(self, day):
        super().start_day(day)
        day.env.process(self._help(day))

    def _help(self, day):
        env = day.env
        counter = day.hall.counters[0]
        yield env.timeout(self.at - env.now)
        request = day.borrow(counter)
        clerk = yield request
        staff = counter.staff
        if clerk not in staff.users or staff.capacity != 1 or staff.count != 1:
            raise RuntimeError("the lent clerk is not among the resource's users")
        yield env.timeout(self.minutes)
        yield staff.release(request)
        if staff.users and staff.users[0] is not clerk:
            raise RuntimeError("another clerk took the counter")
"""


def test_an_extension_borrows_a_counter_clerk_through_simpy(tmp_path: Path) -> None:
    """A clerk borrowed through the counter's simpy.Resource finishes the service in progress,
    is away for 20 minutes under the extension's activity, and the queue waits meanwhile."""
    (tmp_path / "ext.py").write_text(HELPER, encoding="utf-8")
    base = mmc_study(0.4, 2.0, 1)  # ρ = 0.8, one clerk C1-1
    study = mmc_study(0.4, 2.0, 1)
    for scenario in study.scenarios:
        scenario.extensions = [Extension(use="ext.py:Helper", params={"at": 600.0})]
    study = load_study(dump_study(study, tmp_path / "study.toml"))
    out = simulate_days(study, "base", days=[DAY], replication=0, seed=5)
    ref = simulate_days(base, "base", days=[DAY], replication=0, seed=5)
    assert out.visits["arrived_at"].equals(ref.visits["arrived_at"])  # the same residents
    staff = out.staff_log.with_columns(s=_minutes("start"), e=_minutes("end"))
    (loan,) = staff.filter(pl.col("activity") == "entrance_help").iter_rows(named=True)
    assert loan["staff_id"] == "C1-1" and loan["counter_id"] == "C1"
    assert loan["minutes"] == pytest.approx(20.0, abs=1 / 60)
    # granted at 10:00, or when the service in progress at 10:00 ended
    serve = staff.filter(pl.col("activity") == "serve")
    at_ten = serve.filter((pl.col("s") < 600.0) & (pl.col("e") > 600.0))
    expected = at_ten["e"][0] if at_ten.height else 600.0
    assert loan["s"] == pytest.approx(expected, abs=1 / 60)
    # the clerk serves nobody while away
    assert serve.filter(
        (pl.col("s") < loan["e"] - 1e-6) & (pl.col("e") > loan["s"] + 1e-6)
    ).is_empty()
    # residents who took a ticket while the clerk was away are called after the return
    log = out.log.with_columns(i=_minutes("issued_at"), c=_minutes("called_at"))
    during = log.filter((pl.col("i") >= loan["s"]) & (pl.col("i") < loan["e"]))
    assert during.height >= 3
    assert (during["c"] >= loan["e"] - 1 / 60).all()

    # and the hour after 10:00 waits longer than without the loan
    def hour_wait(frame: pl.DataFrame) -> float:
        frame = frame.with_columns(i=_minutes("issued_at"), c=_minutes("called_at"))
        window = frame.filter((pl.col("i") >= 600.0) & (pl.col("i") < 660.0))
        return float((window["c"] - window["i"]).mean())  # type: ignore[arg-type]

    assert hour_wait(out.log) > hour_wait(ref.log) + 5.0


def test_an_idle_clerk_is_lent_at_once_and_a_second_request_waits(tmp_path: Path) -> None:
    """On a quiet counter with two clerks, two loans asked at 10:00 start at once (both clerks
    idle); a third, asked next while both are away, starts when the first one comes back."""
    source = HELPER
    source = source.replace("staff.capacity != 1 or staff.count != 1", "staff.capacity != 2")
    source = source.replace(  # two clerks: the other one may be at the counter
        "        if staff.users and staff.users[0] is not clerk:\n"
        '            raise RuntimeError("another clerk took the counter")\n',
        "",
    )
    (tmp_path / "ext.py").write_text(source, encoding="utf-8")
    study = mmc_study(0.01, 2.0, 2)
    for scenario in study.scenarios:
        scenario.extensions = [
            Extension(use="ext.py:Helper", params={"at": 600.0, "minutes": 20.0}),
            Extension(use="ext.py:Helper", params={"at": 600.0, "minutes": 20.0}),
            Extension(use="ext.py:Helper", params={"at": 600.0, "minutes": 30.0}),
        ]
    study = load_study(dump_study(study, tmp_path / "study.toml"))
    out = simulate_days(study, "base", days=[DAY], replication=0, seed=2)
    staff = out.staff_log.with_columns(s=_minutes("start"), e=_minutes("end"))
    busy = staff.filter(
        (pl.col("activity") == "serve") & (pl.col("s") < 601.0) & (pl.col("e") > 600.0)
    )
    assert busy.is_empty()  # nobody is being served at 10:00 on this quiet day
    loans = staff.filter(pl.col("activity") == "entrance_help").sort("s", "staff_id")
    assert loans.height == 3
    assert loans["s"].to_list()[:2] == pytest.approx([600.0, 600.0], abs=1 / 60)
    assert sorted(loans["staff_id"].to_list()[:2]) == ["C1-1", "C1-2"]
    # the third waited for the first clerk back at 10:20
    assert loans["s"][2] == pytest.approx(620.0, abs=1 / 60)
    assert loans["minutes"].to_list() == pytest.approx([20.0, 20.0, 30.0], abs=1 / 60)


def test_an_extension_that_raises_is_named_with_its_scenario(tmp_path: Path) -> None:
    study = _study_with(tmp_path, RAISES, "ext.py:Broken")
    with pytest.raises(InputError, match=r"extension 'ext.py:Broken' of scenario 'base'.*paper"):
        simulate_days(study, "base", days=[DAY], replication=0, seed=1)
    # on the command line: one line, exit 2, no traceback (unless --debug)
    cmd = [sys.executable, "-m", "madoguchi", "simulate", str(tmp_path / "study.toml")]
    cmd += ["--days", "1", "-r", "1", "--workers", "2", "--out", str(tmp_path / "out")]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 2, done.stderr
    assert "ext.py:Broken" in done.stderr and "Traceback" not in done.stderr
    debug = subprocess.run(
        [cmd[0], "-m", "madoguchi", "--debug", *cmd[3:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert debug.returncode == 2 and "Traceback" in debug.stderr


CLOCK = """
from simulation.extensions import Extension


class Clock(Extension):
    def start_day(self, day):
        super().start_day(day)
        day.env.process(self._tick(day))

    def _tick(self, day):
        yield day.env.timeout(60)
        raise ValueError("the clock fell off the wall")
"""


def test_a_process_an_extension_starts_itself_is_named_when_it_raises(tmp_path: Path) -> None:
    """Not only hooks: a process started with day.env.process that raises names its extension
    (among the scenario's others) and the scenario, in one line."""
    (tmp_path / "hold.py").write_text(textwrap.dedent(HOLD), encoding="utf-8")
    (tmp_path / "ext.py").write_text(CLOCK, encoding="utf-8")
    study = mmc_study(0.05, 2.0, 1)
    for scenario in study.scenarios:
        scenario.extensions = [Extension(use="hold.py:Hold"), Extension(use="ext.py:Clock")]
    study = load_study(dump_study(study, tmp_path / "study.toml"))
    with pytest.raises(
        InputError, match=r"extension 'ext.py:Clock' of scenario 'base': ValueError: the clock"
    ):
        simulate_days(study, "base", days=[DAY], replication=0, seed=1)


def test_a_missing_extension_file_or_class_is_a_clear_error(tmp_path: Path) -> None:
    study = _study_with(tmp_path, HOLD, "missing.py:Hold")
    with pytest.raises(
        InputError, match=r"extension 'missing.py:Hold' of scenario 'base'.*not found"
    ):
        simulate_days(study, "base", days=[DAY], replication=0, seed=1)
    study = _study_with(tmp_path, HOLD, "ext.py:Nope")
    with pytest.raises(InputError, match="not a subclass"):
        simulate_days(study, "base", days=[DAY], replication=0, seed=1)
    (tmp_path / "bad.py").write_text("import not_a_module_anywhere\n", encoding="utf-8")
    study = _study_with(tmp_path, HOLD, "bad.py:Hold")
    with pytest.raises(InputError, match="import failed: ModuleNotFoundError"):
        simulate_days(study, "base", days=[DAY], replication=0, seed=1)


def test_extension_source_is_part_of_the_cache_key(tmp_path: Path) -> None:
    from dashboards.data import study_digest

    study = _study_with(tmp_path, HOLD, "ext.py:Hold")
    before = study_digest(study)
    (tmp_path / "ext.py").write_text(textwrap.dedent(HOLD) + "\n# edited\n", encoding="utf-8")
    assert study_digest(study) != before


def test_uploaded_studies_with_extensions_are_refused(tmp_path: Path) -> None:
    from dashboards.data import check_uploaded_study

    _study_with(tmp_path, HOLD, "ext.py:Hold")
    content = (tmp_path / "study.toml").read_bytes()
    check = check_uploaded_study("study.toml", content, lang="en")
    assert check.study is None
    assert any("command line" in line and "ext.py:Hold" in line for line in check.errors)
    japanese = check_uploaded_study("study.toml", content, lang="ja")
    assert any("コマンドライン" in line and "ext.py:Hold" in line for line in japanese.errors)


def test_madoguchi_simulate_imports_simpy(tmp_path: Path, sample_dir: Path) -> None:
    cmd = [sys.executable, "-X", "importtime", "-m", "madoguchi", "simulate"]
    cmd += [str(sample_dir / "study.toml"), "--days", "1", "-r", "1", "--workers", "1"]
    cmd += ["--quiet", "--out", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "simpy" in imported and "simpy.core" in imported


# ------------------------------------------------------------------ counters and closing


def _overloaded(close: str = "17:00", overtime: float = 30.0) -> Study:
    """One counter, one clerk 09:00–close, twice as many residents as it can serve."""
    study = mmc_study(1.0, 2.0, 1)
    study.arrivals.open = "09:00"
    study.arrivals.close = close
    hours = int(close[:2]) - 9
    study.arrivals.hour_profile = [1.0 / hours] * hours
    study.arrivals.residents_per_day = 60.0 * hours
    for scenario in study.scenarios:
        scenario.overtime_max_min = overtime
        scenario.counters[0].shifts[0].start = "09:00"
        scenario.counters[0].shifts[0].end = close
    return study


def test_overtime_limit_sends_the_rest_home_as_closed() -> None:
    study = _overloaded("17:00", 30.0)
    out = simulate_days(study, "base", days=[DAY], replication=0, seed=3)
    log = out.log.with_columns(called=_minutes("called_at"), left=_minutes("left_at"))
    assert log["called"].max() < 17 * 60 + 30  # nobody is called after close + 30 minutes
    closed = log.filter(pl.col("abandon_reason") == "closed")
    assert closed.height > 50  # an overloaded counter leaves many waiting at the limit
    assert (closed["outcome"] == "abandoned").all()
    assert closed["left"].min() == pytest.approx(17 * 60 + 30)
    # the clerk's overtime is recorded: from 17:00 to the end of the last service
    overtime = out.staff_log.filter(pl.col("activity") == "overtime")
    assert overtime.height == 1
    row = overtime.row(0, named=True)
    assert row["start"].time() == dt.time(17, 0)
    assert 30.0 <= row["minutes"] <= 30.0 + log["ended_at"].max().minute + 60
    assert row["end"] == log["ended_at"].max()


def test_no_hall_serves_past_midnight() -> None:
    study = mmc_study(1.0, 2.0, 1)  # a 24-hour hall, overloaded
    out = simulate_days(study, "base", days=[DAY], replication=0, seed=3)
    called = out.log["called_at"].drop_nulls()
    assert (called.dt.date() == DAY).all()
    assert out.log.filter(pl.col("abandon_reason") == "closed").height > 0


def test_a_counter_with_its_own_hours() -> None:
    """A counter open 10:00–12:00 calls tickets only then; later residents are told to come back."""
    study = _overloaded("17:00", 0.0)
    study.arrivals.residents_per_day = 80.0
    for scenario in study.scenarios:
        counter = scenario.counters[0]
        counter.open, counter.close = "10:00", "12:00"
    out = simulate_days(study, "base", days=[DAY], replication=0, seed=4)
    log = out.log.with_columns(
        called=_minutes("called_at"), issued=_minutes("issued_at"), arrived=_minutes("arrived_at")
    )
    called = log["called"].drop_nulls()
    assert called.min() >= 600 and called.max() <= 720
    late = log.filter(pl.col("arrived") >= 720)
    assert late.height > 10
    assert (late["outcome"] == "abandoned").all() and (late["abandon_reason"] == "closed").all()
    early = log.filter(pl.col("arrived") < 600)
    assert early.height > 0 and (early.filter(pl.col("outcome") == "served")["called"] >= 600).all()


def test_after_close_a_recalled_clerk_serves_the_ticket_at_once() -> None:
    """Residents still walking at closing time take a ticket after the clerk went home."""
    study = mmc_study(0.1, 1.0, 1)
    study.arrivals.open, study.arrivals.close = "09:00", "17:00"
    study.arrivals.hour_profile = [1.0 / 8] * 8
    for scenario in study.scenarios:
        scenario.floor.ticket_machine.x = 600.0  # 10 minutes' walk from the entrance
        scenario.counters[0].x = 600.0
        scenario.counters[0].shifts[0].start = "09:00"
        scenario.counters[0].shifts[0].end = "17:00"
    days = [DAY + dt.timedelta(days=k) for k in range(5)]
    out = simulate_days(study, "base", days=days, replication=0, seed=2)
    log = (
        out.log.filter(pl.col("outcome") != "abandoned")
        .with_columns(
            issued=_minutes("issued_at"), called=_minutes("called_at"), ended=_minutes("ended_at")
        )
        .sort("called_at")
        .with_columns(  # when the clerk is free again (the day's previous service ended)
            free=pl.col("ended").shift(1).over(pl.col("issued_at").dt.date()).fill_null(0.0)
        )
    )
    after = log.filter(pl.col("issued") > 17 * 60)
    assert after.height > 0
    assert out.log.filter(pl.col("outcome") == "abandoned").height == 0
    # one clerk, FIFO: each ticket after closing is called as soon as the clerk is free, or at
    # once when they had gone home (recalled), never left waiting for a later ticket
    start = after.select(pl.max_horizontal("issued", "free"))["issued"]
    assert (after["called"] - start).abs().max() < 1.5 / 60
    home = after.filter(pl.col("free") < pl.col("issued") - 1.0)
    assert home.height > 0 and (home["called"] - home["issued"]).abs().max() < 1.5 / 60


def test_a_replication_without_visits_gives_empty_tables() -> None:
    study = mmc_study(1e-6, 1.0, 1)
    out = simulate_days(study, "base", days=[DAY], replication=0, seed=1)
    assert out.log.height == 0 and out.visits.height == 0
    assert "arrived_at" in out.log.columns and "activity" in out.staff_log.columns
    result = run_experiment(study, replications=1, seed=1, days=[DAY], progress=False)
    assert result.log.height == 0


def test_personas_change_service_times_and_are_recorded() -> None:
    from simulation.model import Persona

    study = mmc_study(0.2, 2.0, 4)
    base = simulate_days(study, "base", days=[DAY], replication=0, seed=9)
    study.personas = [Persona(id="slow", share=0.5, service_factor=2.0)]
    out = simulate_days(study, "base", days=[DAY], replication=0, seed=9)
    assert out.visits["arrived_at"].equals(base.visits["arrived_at"])  # the same residents
    share = (out.visits["persona"] == "slow").mean()
    assert 0.4 < share < 0.6  # type: ignore[operator]
    service = (out.log["ended_at"] - out.log["called_at"]).dt.total_seconds()
    before = (base.log["ended_at"] - base.log["called_at"]).dt.total_seconds()
    slow = (
        out.log.join(out.visits.select("visit_id", "persona"), on="visit_id")["persona"] == "slow"
    )
    ratio = service.filter(slow).sum() / before.filter(slow).sum()
    assert ratio == pytest.approx(2.0, rel=0.01)
    assert service.filter(~slow).sum() == before.filter(~slow).sum()


# ------------------------------------------------------------------ the worked example


def test_concierge_example_writes_concierge_rows_and_its_wait_is_in_the_hall() -> None:
    study = load_study(ROOT / "data/examples/concierge/study.toml")
    out = simulate_days(study, "reform", days=[dt.date(2026, 3, 30)], replication=0, seed=7)
    concierge = out.staff_log.filter(pl.col("activity") == "concierge")
    escorted = out.visits.filter(pl.col("concierge_wait_min").is_not_null())
    assert concierge.height == escorted.height > 100
    assert (escorted["persona"] == "elderly").all()
    assert escorted["concierge_wait_min"].max() > 0  # on the peak day some wait for the concierge
    # the wait (and the hand-over) come before the first ticket, inside the time in the hall
    first = out.log.group_by("visit_id").agg(
        pl.col("issued_at").min(), pl.col("arrived_at").first(), pl.col("left_at").max()
    )
    both = escorted.join(first, on="visit_id")
    to_ticket = (both["issued_at"] - both["arrived_at"]).dt.total_seconds() / 60.0
    assert (to_ticket >= both["concierge_wait_min"] + 1.0 - 1 / 60).all()
    in_hall = (both["left_at"] - both["arrived_at"]).dt.total_seconds() / 60.0
    assert (in_hall >= both["concierge_wait_min"]).all()
    courier = out.staff_log.filter(pl.col("activity") == "courier")
    assert courier.height > 10 and math.isclose(courier["minutes"].mean(), 6.0)  # type: ignore[arg-type]
    as_is = simulate_days(study, "as_is", days=[dt.date(2026, 3, 30)], replication=0, seed=7)
    assert "concierge" not in set(as_is.staff_log["activity"])


def test_madoguchi_simulate_runs_the_concierge_example(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "madoguchi", "simulate", "data/examples/concierge/study.toml"]
    cmd += ["--days", "1", "-r", "2", "--workers", "2", "--quiet", "--out", str(tmp_path)]
    subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    staff = pl.read_parquet(tmp_path / "staff_log.parquet")
    rows = staff.filter(pl.col("activity") == "concierge")
    assert rows.height > 0 and set(rows["scenario"]) == {"reform"}
    assert set(rows["replication"]) == {0, 1}  # loaded in both worker processes
