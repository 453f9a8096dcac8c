"""Figure builders of the dashboards on small hand-made frames: what is drawn equals the input."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import pytest

from dashboards import figures as F
from dashboards.i18n import LABELS, format_kpi, kpi_label, t

D = dt.datetime(2026, 3, 23)


def _at(h: int, m: int) -> dt.datetime:
    return D.replace(hour=h, minute=m)


def hand_log() -> pl.DataFrame:
    """Three visits: v1 goes C1 then C2, v2 only C1 (abandons), v3 C2 (served)."""
    rows = [
        ("v1", "t1", "C1", _at(9, 0), _at(9, 10), _at(9, 20), "served", 1),
        ("v1", "t2", "C2", _at(9, 25), _at(9, 45), _at(9, 55), "served", 2),
        ("v2", "t3", "C1", _at(9, 5), None, None, "abandoned", 0),
        ("v3", "t4", "C2", _at(10, 0), _at(10, 5), _at(10, 15), "served", 0),
    ]
    return pl.DataFrame(
        rows,
        schema={
            "visit_id": pl.String,
            "ticket_id": pl.String,
            "counter_id": pl.String,
            "issued_at": pl.Datetime("us"),
            "called_at": pl.Datetime("us"),
            "ended_at": pl.Datetime("us"),
            "outcome": pl.String,
            "forms_written": pl.Int64,
        },
        orient="row",
    )


def comparison() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "kpi": ["counters_per_visit_mean", "wait_min_mean", "service_level"],
            "baseline": [2.1, 30.0, 0.40],
            "alternative": [1.2, 12.0, 0.80],
            "difference": [-0.9, -18.0, 0.40],
            "ci_low": [-1.0, -20.0, 0.35],
            "ci_high": [-0.8, 2.0, 0.45],
        }
    )


def summary() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "scenario": ["as_is", "reform", "as_is", "reform"],
            "kpi": ["wait_min_mean", "wait_min_mean", "service_level", "service_level"],
            "mean": [30.0, 12.0, 0.4, 0.8],
            "ci_low": [27.0, 10.0, 0.35, 0.75],
            "ci_high": [33.0, 14.5, 0.45, 0.85],
        }
    )


def test_kpi_cards_follow_the_comparison() -> None:
    cards = F.kpi_cards(comparison(), summary=summary(), lang="ja")
    assert [c.kpi for c in cards] == ["counters_per_visit_mean", "wait_min_mean", "service_level"]
    wait = cards[1]
    assert wait.baseline == 30.0 and wait.alternative == 12.0 and wait.difference == -18.0
    assert wait.alternative_ci == (10.0, 14.5)
    assert not wait.significant  # CI −20 … +2 spans zero
    assert cards[0].significant and cards[2].significant
    assert cards[2].value_text("en") == "80.0%"
    assert cards[2].delta_text("en") == "+40.0 pt"
    assert "〜" in cards[0].ci_text("ja") and " to " in cards[0].ci_text("en")


def test_ci_error_bars_draw_mean_and_interval() -> None:
    fig = F.ci_error_bars(summary(), kpis=["wait_min_mean", "service_level"], lang="en")
    bars = [tr for tr in fig.data if isinstance(tr, go.Bar)]
    assert len(bars) == 4
    as_is_wait = bars[0]
    assert as_is_wait.y[0] == 30.0
    assert as_is_wait.error_y.array[0] == pytest.approx(3.0)
    assert as_is_wait.error_y.arrayminus[0] == pytest.approx(3.0)
    # shares are drawn in percent
    assert bars[1].y[0] == pytest.approx(40.0)


def test_difference_figure_is_relative_to_baseline() -> None:
    fig = F.difference_figure(comparison(), lang="en")
    x = list(fig.data[0].x)
    assert x[0] == pytest.approx(100 * -0.9 / 2.1)
    assert x[1] == pytest.approx(-60.0)


def test_log_figures_from_journeys_frames() -> None:
    from journeys.flows import flows, variants
    from journeys.metrics import people_waiting, per_hour

    log = hand_log()
    heat = F.wait_heatmap(per_hour(log, weekday=True), lang="ja")
    assert heat.data[0].y[0] == "月"  # 2026-03-23 is a Monday
    # 9:00 hour: waits 10 (t1) and 20 (t2, issued 9:25); t3 abandoned has no wait
    assert heat.data[0].z[0][0] == pytest.approx(15.0)
    sankey = F.flows_sankey(flows(log), lang="en")
    link_total = sum(sankey.data[0].link.value)
    assert link_total == 4 + 3  # 4 tickets (entrance→ or counter→counter) + 3 exits
    assert "Entrance" in sankey.data[0].node.label
    var = F.variants_figure(variants(log), lang="en")
    assert set(var.data[0].y) == {"C1 → C2", "C1", "C2"}
    wait_fig = F.people_waiting_figure(people_waiting(log, every="5m"), lang="en")
    # t1 waits 9:00–9:10; t3 abandoned without a leave time counts as leaving at issue
    assert list(wait_fig.data[0].y[:3]) == [1.0, 1.0, 0.0]
    sl = F.service_level_figure(per_hour(log), lang="en")
    # 9:00 hour: waits 10 and 20 → one of two within 15 min
    assert sl.data[0].y[0] == pytest.approx(50.0)


def test_staff_workload_is_stacked_hours() -> None:
    frame = pl.DataFrame(
        {
            "who": ["S1", "S1", "S2"],
            "activity": ["serve", "back_office", "serve"],
            "minutes": [120.0, 60.0, 30.0],
        }
    )
    fig = F.staff_workload_figure(frame, lang="ja")
    serve = next(tr for tr in fig.data if tr.name == t("serve", "ja"))
    assert list(serve.y) == [2.0, 0.5]
    assert fig.layout.barmode == "stack"


def test_survey_figures() -> None:
    survey = pl.DataFrame(
        {
            "journey_id": ["j1", "j1", "j2", "j2"],
            "phase": ["as_is", "as_is", "reform", "reform"],
            "persona": ["family", "family", "family", "family"],
            "step": [1, 2, 1, 2],
            "action": ["wait", "write", "wait", "serve"],
            "minutes": [30.0, 10.0, 5.0, 8.0],
            "emotion": [-1, -2, 0, 1],
            "forms_written": [0, 3, 0, 0],
            "fields_written": [0, 4, 0, 0],
            "pain_category": [None, "writing", None, None],
            "pain_point": [None, "same address again", None, None],
        }
    )
    from journeys import survey_metrics as sm

    fig = F.emotion_curves(sm.emotion_curve(survey), lang="en")
    assert len(fig.data) == 2 and list(fig.data[0].y) == [-1, -2]
    mins = F.minutes_by_action(sm.minutes_by_action(survey), lang="en")
    wait = next(tr for tr in mins.data if tr.name == "Wait")
    assert sorted(wait.x) == [5.0, 30.0]
    writes = F.writes_figure(sm.writes_per_journey(survey), lang="en")
    assert sorted(tr.x[0] for tr in writes.data if tr.xaxis == "x") == [0.0, 3.0]
    pain = F.pain_points_figure(sm.pain_points(survey), lang="en")
    assert list(pain.data[0].y) == ["writing"]


def test_floor_plan_and_replay() -> None:
    counters = pl.DataFrame(
        {
            "counter_id": ["C1", "C2"],
            "label": ["one", "two"],
            "zone": ["shimin", "hoken"],
            "floor": [1, 2],
            "x": [10.0, 5.0],
            "y": [5.0, 5.0],
            "staff": [2, 1],
            "utilisation": [0.5, None],
        }
    )
    marks = pl.DataFrame(
        {"id": ["entrance"], "kind": ["entrance"], "floor": [1], "x": [0.0], "y": [0.0]}
    )
    flows = pl.DataFrame({"source": ["entrance", "C1"], "target": ["C1", "C2"], "count": [10, 5]})
    fig = F.floor_plan(counters, marks, flows, scenario_name="as-is", lang="en")
    lines = [tr for tr in fig.data if tr.mode == "lines"]
    assert [tr.line.width for tr in lines] == [14.0, 7.0]
    # floor 2 is drawn to the right of floor 1
    xs = {tr.text[0].split("<br>")[0]: tr.x[0] for tr in fig.data if tr.mode == "markers+text"}
    assert xs["C2"] > xs["C1"]
    pos = F.replay_positions(hand_log(), counters, marks, every_min=5)
    at_920 = pos.filter(pl.col("frame") == _at(9, 20))
    states = dict(zip(at_920["visit_id"], at_920["state"], strict=True))
    # v1 left C1 at 9:20 and walks to C2; v2 abandoned with no leave time (gone at issue)
    assert states == {"v1": "walking"}
    replay = F.day_replay(hand_log(), counters, marks, every_min=5, lang="ja")
    assert len(replay.frames) == len(pos["frame"].unique())
    frame_905 = next(f for f in replay.frames if f.name == "09:05")
    queue_trace = next(tr for tr in replay.data if (tr.meta or {}).get("role") == "queue")
    queue = frame_905.data[frame_905.traces.index(replay.data.index(queue_trace))]
    assert dict(zip(queue_trace.meta["counters"], queue.text, strict=True)) == {
        "C1": "<b>1</b>",
        "C2": "",
    }


def test_empty_frames_give_a_figure_not_an_error() -> None:
    empty = comparison().head(0)
    assert isinstance(F.difference_figure(empty), go.Figure)
    with pytest.raises(ValueError, match="missing column"):
        F.flows_sankey(pl.DataFrame({"a": [1]}))


def test_every_label_has_both_languages() -> None:
    for key, (ja, en) in LABELS.items():
        assert ja and en, key
    assert t("fig_floor", "en", scenario="reform") == "Floor plan: reform"
    assert kpi_label("wait_min_mean", "en") == "Mean wait"
    assert format_kpi("wait_min_mean", 12.34, "ja") == "12.3分"
    assert format_kpi("service_level", 0.5, "en") == "50.0%"
    with pytest.raises(KeyError):
        t("no-such-label")


def test_figure_summary_names_the_title_and_each_series_range() -> None:
    import plotly.graph_objects as go

    from dashboards.figures._style import figure_summary, styled

    fig = styled(go.Figure(), "Mean wait")
    fig.add_trace(go.Bar(x=["9:00", "10:00", "11:00"], y=[12.0, 30.5, 7.25], name="As-is"))
    fig.add_trace(go.Bar(x=[4.0, 2.0], y=["a", "b"], orientation="h", name="Reform"))
    assert figure_summary(fig, "en") == (
        "Mean wait. As-is: 3 values from 7.2 to 30.5. Reform: 2 values from 2 to 4"
    )
    assert figure_summary(fig, "ja").startswith("Mean wait。As-is：3点、7.2〜30.5")


def test_journey_map_marks_pain_points_at_their_step() -> None:
    import polars as pl

    from dashboards.figures.survey import emotion_curves

    curve = pl.DataFrame(
        {
            "phase": ["as_is"] * 3,
            "journey_id": ["A1"] * 3,
            "persona": ["p"] * 3,
            "step": [1, 2, 3],
            "action": ["walk", "wait", "serve"],
            "cum_minutes": [1.0, 21.0, 30.0],
            "emotion": [0, -2, 1],
            "pain_category": [None, "Waiting", None],
        }
    )
    fig = emotion_curves(curve, lang="en")
    line, pain = fig.data
    assert list(line.x) == [1.0, 21.0, 30.0] and list(line.customdata) == ["Walk", "Wait", "Serve"]
    assert pain.name == "Pain points" and list(pain.x) == [21.0] and list(pain.y) == [-2]
    assert pain.marker.symbol == "x" and list(pain.customdata) == ["Waiting"]


def test_staff_workload_states_its_basis() -> None:
    frame = pl.DataFrame({"who": ["S1"], "activity": ["serve"], "minutes": [60.0]})
    ja = F.staff_workload_figure(frame, lang="ja", basis=t("basis_whole_log", "ja"))
    en = F.staff_workload_figure(frame, lang="en", basis=t("basis_per_replication", "en"))
    assert ja.layout.title.text == "職員の業務量（ログ全期間の合計）"
    assert en.layout.title.text == "Staff workload (per replication: the simulated days)"
