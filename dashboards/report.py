"""The offline HTML report: ONE self-contained file a manager can mail, open without network
and print (plotly.js embedded inline once, no CDN, no web fonts).

Sections: the overview (verdicts, KPI tables with 95 % CIs and differences, observed,
simulated and the model check), key figures, method notes, and the printable A4 life-event
checklist (手続きチェックシート) generated from the study's catalog. Bilingual text
(Japanese, then English); figure labels in the chosen language.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import polars as pl

from dashboards import figures as F
from dashboards.checklist import CHECKLIST_CSS, checklist_html
from dashboards.data import (
    floor_frames,
    floor_paper,
    interval_note,
    load_dataset,
    peak_day,
    verdict,
)
from dashboards.figures._style import FONT_FAMILY
from dashboards.figures.overview import OVERVIEW_KPIS
from dashboards.i18n import format_kpi, kpi_label, scenario_label, t
from dashboards.operations import counter_names
from dashboards.results import (
    DEFAULT_WAIT_TARGET_MIN,
    model_check,
    observed_comparison,
    observed_log_tables,
    run_simulation,
    same_kind_of_day,
    simulated_tables,
    simulated_workload,
    survey_tables,
    utilisation_by_counter,
)
from journeys.kpi_registry import better

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = [
    "REPORT_CSS",
    "ReportInputs",
    "build_report",
    "generate_report",
    "plotly_js",
    "report_figures",
]

REPORT_CSS = f"""
body {{ font-family: {FONT_FAMILY}; color: #222; margin: 0 auto; max-width: 1100px; padding: 16px 24px; }}
h1 {{ margin-bottom: 0; }} h2 {{ border-bottom: 2px solid #2a7f62; padding-bottom: 2px; margin-top: 32px; }}
.en {{ color: #555; }}
.verdict {{ background: #eef6f1; border-left: 5px solid #2a7f62; padding: 8px 12px; margin: 8px 0; }}
table.kpi {{ border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0 16px 0; }}
table.kpi th, table.kpi td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}
table.kpi th:first-child, table.kpi td:first-child {{ text-align: left; }}
table.kpi td.good {{ color: #1d6b50; font-weight: bold; }}
.figure {{ margin: 12px 0 24px 0; page-break-inside: avoid; break-inside: avoid; }}
.notes li {{ margin-bottom: 6px; }}
@media print {{ body {{ max-width: none; }} .figure {{ break-inside: avoid; }} }}
{CHECKLIST_CSS}
"""


def plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package (inlined once in the report)."""
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


@dataclass
class ReportInputs:
    """What a report is made of; every part but the study is optional."""

    study: Study
    experiment: Any = None
    observed_as_is: pl.DataFrame | None = None
    observed_reform: pl.DataFrame | None = None
    survey: pl.DataFrame | None = None
    replications: int = 0
    seed: int = 0
    days: Sequence[dt.date] = ()
    sources: Sequence[str] = ()
    n_boot: int = 1000
    generated: dt.datetime | None = field(default_factory=lambda: build_time())
    #: The wait target (minutes) of every service level in the report.
    target_min: float = DEFAULT_WAIT_TARGET_MIN


def build_time() -> dt.datetime | None:
    """The time to print as "generated": ``SOURCE_DATE_EPOCH`` (UTC) when set, else none — the
    same inputs and seed give the same bytes, so the report embeds no clock time of its own."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).replace(tzinfo=None)


def _bi(key: str, **fields: object) -> str:
    """ "日本語 / English" of a label."""
    return f'{escape(t(key, "ja", **fields))} <span class="en">/ {escape(t(key, "en", **fields))}</span>'


def _kpi_table(
    comparison: pl.DataFrame,
    lang: str,
    *,
    head: tuple[str, str],
    kpis: Sequence[str] = (*OVERVIEW_KPIS, "staff_busy_min_per_day"),
    highlight: bool = True,
    target_min: float | None = None,
) -> str:
    """A KPI table: both values, the difference (green when clearly better) and its 95 % CI."""
    rows = []
    for kpi in kpis:
        part = comparison.filter(pl.col("kpi") == kpi)
        if part.height == 0:
            continue
        r = part.row(0, named=True)
        low, high = r["ci_low"], r["ci_high"]
        significant = low is not None and high is not None and (low > 0 or high < 0)
        good = highlight and significant and better(kpi, r["difference"]) is True
        ci = (
            f"{format_kpi(kpi, low, lang, signed=True)} 〜 {format_kpi(kpi, high, lang, signed=True)}"
            if low is not None and low == low
            else "–"
        )
        rows.append(
            "<tr>"
            f"<td>{escape(kpi_label(kpi, 'ja', target_min=target_min))}<br>"
            f"<span class='en'>{escape(kpi_label(kpi, 'en', target_min=target_min))}</span></td>"
            f"<td>{escape(format_kpi(kpi, r['baseline'], lang))}</td>"
            f"<td>{escape(format_kpi(kpi, r['alternative'], lang))}</td>"
            f"<td class='{'good' if good else ''}'>{escape(format_kpi(kpi, r['difference'], lang, signed=True))}</td>"
            f"<td>{escape(ci)}</td>"
            "</tr>"
        )
    return (
        "<table class='kpi'><thead><tr>"
        f"<th>{_bi('kpi')}</th><th>{head[0]}</th><th>{head[1]}</th>"
        f"<th>{_bi('difference')}</th><th>{_bi('ci95')}</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def report_figures(inputs: ReportInputs, lang: str = "ja") -> dict[str, go.Figure]:
    """Every figure of the report, keyed by the id of its div (``fig-…``)."""
    figs: dict[str, go.Figure] = {}
    study = inputs.study
    target = inputs.target_min
    if inputs.experiment is not None:
        summary, comparison = simulated_tables(inputs.experiment, service_target_min=target)
        figs["fig-ci"] = F.ci_error_bars(summary, lang=lang, target_min=target)
        figs["fig-difference-simulated"] = F.difference_figure(
            comparison, lang=lang, target_min=target
        )
        log = inputs.experiment.log
        for scenario_id in study.scenario_ids:
            part = log.filter(pl.col("scenario") == scenario_id)
            if part.height == 0:
                continue
            from journeys.flows import flows

            counters, marks = floor_frames(study, scenario_id, lang)
            counters = counters.join(
                utilisation_by_counter(study, scenario_id, part, inputs.experiment.staff_log),
                on="counter_id",
                how="left",
            )
            reps = max(1, part["replication"].n_unique())
            walk = flows(part, by=()).with_columns(pl.col("count") / reps)
            scenario = study.scenario(scenario_id)
            name = (scenario.name_en if lang == "en" else scenario.name_ja) or scenario_id
            figs[f"fig-floor-{scenario_id}"] = F.floor_plan(
                counters,
                marks,
                walk,
                paper=floor_paper(study, scenario_id),
                scenario_name=name,
                lang=lang,
            )
            figs[f"fig-staff-{scenario_id}"] = F.staff_workload_figure(
                simulated_workload(inputs.experiment.staff_log, scenario_id),
                lang=lang,
                basis=t("basis_per_replication", lang),
                names=counter_names(study, lang),
            )
        last = study.scenario_ids[-1]
        one = log.filter(
            (pl.col("scenario") == last) & (pl.col("replication") == log["replication"].min())
        )
        if one.height:
            counters, marks = floor_frames(study, last, lang)
            figs["fig-replay"] = F.day_replay(
                one,
                counters,
                marks,
                paper=floor_paper(study, last),
                scenario_name=scenario_label(last, lang),
                lang=lang,
            )
    logs = [lg for lg in (inputs.observed_as_is, inputs.observed_reform) if lg is not None]
    if inputs.observed_as_is is not None and inputs.observed_reform is not None:
        observed = observed_comparison(
            inputs.observed_as_is,
            inputs.observed_reform,
            n_boot=inputs.n_boot,
            seed=inputs.seed,
            service_target_min=target,
        )
        figs["fig-difference-observed"] = F.difference_figure(
            observed, lang=lang, target_min=target
        )
    if logs:
        tables = [observed_log_tables(lg, service_target_min=target) for lg in logs]
        first = tables[0]
        figs["fig-heatmap"] = F.wait_heatmap(first["per_weekday_hour"], lang=lang)
        figs["fig-waiting"] = F.people_waiting_figure(
            pl.concat([tb["people_waiting"] for tb in tables], how="vertical_relaxed"), lang=lang
        )
        figs["fig-service-level"] = F.service_level_figure(
            pl.concat([tb["per_hour"] for tb in tables], how="vertical_relaxed"),
            lang=lang,
            target_min=target,
        )
        names = counter_names(study, lang)
        figs["fig-sankey"] = F.flows_sankey(first["flows"], lang=lang, names=names)
        figs["fig-variants"] = F.variants_figure(first["variants"], lang=lang, names=names)
    if inputs.survey is not None:
        st = survey_tables(inputs.survey)
        figs["fig-emotion"] = F.emotion_curves(st["emotion_curve"], lang=lang)
        figs["fig-minutes-action"] = F.minutes_by_action(st["minutes_by_action"], lang=lang)
        figs["fig-writes"] = F.writes_figure(st["writes_per_journey"], lang=lang)
        figs["fig-pain"] = F.pain_points_figure(st["pain_points"], lang=lang)
    return figs


def _figure_div(div_id: str, fig: go.Figure) -> str:
    html = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
        auto_play=False,
    )
    return f"<div class='figure'>{html}</div>"


def build_report(inputs: ReportInputs, *, lang: str = "ja") -> str:
    """The whole report as one HTML string (self-contained, works offline)."""
    study = inputs.study
    target = inputs.target_min
    parts: list[str] = []
    name_ja = study.study.name_ja or study.study.id
    name_en = study.study.name_en or study.study.id
    parts.append(
        f"<header><h1>{_bi('report_title')}</h1>"
        f"<p>{_bi('report_study')}: {escape(name_ja)} <span class='en'>/ {escape(name_en)}</span>"
        + (
            f" · {_bi('report_generated')}: {escape(inputs.generated.isoformat(sep=' '))}"
            if inputs.generated is not None
            else ""
        )
        + "</p></header>"
    )
    # --- overview
    parts.append(f"<section id='overview'><h2>{_bi('page_overview')}</h2>")
    head_obs = (_bi("baseline"), _bi("alternative"))
    if inputs.observed_as_is is not None and inputs.observed_reform is not None:
        day = inputs.days[0] if inputs.days else peak_day(study)
        same = same_kind_of_day(study, inputs.observed_as_is, inputs.observed_reform, day)
        observed = observed_comparison(
            same.as_is,
            same.reform,
            n_boot=inputs.n_boot,
            seed=inputs.seed,
            service_target_min=target,
        )
        parts.append(f"<h3>{_bi('observed_comparison')}</h3>")
        parts.append(
            f"<p class='note'>{escape(same.note('ja'))}<br>"
            f"<span class='en'>{escape(same.note('en'))}</span></p>"
        )
        parts.append(
            f"<p class='verdict'>{escape(verdict(observed, lang='ja', subject='observed', target_min=target))}<br>"
            f"<span class='en'>{escape(verdict(observed, lang='en', subject='observed', target_min=target))}</span></p>"
        )
        parts.append(_kpi_table(observed, lang, head=head_obs, target_min=target))
        if interval_note(observed, "ja"):
            parts.append(
                f"<p class='note'>{escape(interval_note(observed, 'ja'))}<br>"
                f"<span class='en'>{escape(interval_note(observed, 'en'))}</span></p>"
            )
    if inputs.experiment is not None:
        _, comparison = simulated_tables(inputs.experiment, service_target_min=target)
        parts.append(f"<h3>{_bi('simulated_comparison')}</h3>")
        parts.append(
            f"<p class='verdict'>{escape(verdict(comparison, lang='ja', subject='simulated', target_min=target))}<br>"
            f"<span class='en'>{escape(verdict(comparison, lang='en', subject='simulated', target_min=target))}</span></p>"
        )
        parts.append(_kpi_table(comparison, lang, head=head_obs, target_min=target))
        if inputs.observed_as_is is not None and "as_is" in study.scenario_ids:
            check, matched = model_check(
                study,
                inputs.observed_as_is,
                inputs.experiment.log,
                list(inputs.days),
                n_boot=inputs.n_boot,
                seed=inputs.seed,
                service_target_min=target,
            )
            parts.append(f"<h3>{_bi('model_check')}</h3>")
            # per-visit KPIs only: totals (staff minutes) depend on how many days each side has
            parts.append(
                _kpi_table(
                    check,
                    lang,
                    head=(_bi("observed"), _bi("simulated")),
                    kpis=[k for k in OVERVIEW_KPIS if k != "staff_hours"],
                    highlight=False,
                    target_min=target,
                )
            )
            parts.append(f"<p>{_bi('matched_days', n=len(matched))}</p>")
    parts.append("</section>")
    # --- figures
    parts.append(f"<section id='figures'><h2>{_bi('key_figures')}</h2>")
    for div_id, fig in report_figures(inputs, lang).items():
        parts.append(_figure_div(div_id, fig))
    parts.append("</section>")
    # --- method notes
    sources = ", ".join(inputs.sources) or "–"
    notes: list[tuple[str, dict[str, object]]] = [
        ("method_replications", {"n": inputs.replications, "seed": inputs.seed}),
        ("method_observed", {}),
        ("method_calibration", {}),
        ("method_sources", {"sources": sources}),
    ]
    days = ", ".join(str(d) for d in inputs.days) or "–"
    items = "".join(
        f"<li>{escape(t(key, 'ja', **kw))}<br><span class='en'>{escape(t(key, 'en', **kw))}</span></li>"
        for key, kw in notes
    )
    items += (
        f"<li>{escape(t('simulated_days', 'ja', days=days))}<br>"
        f"<span class='en'>{escape(t('simulated_days', 'en', days=days))}</span></li>"
    )
    parts.append(
        f"<section id='method' class='notes'><h2>{_bi('method_notes')}</h2><ul>{items}</ul></section>"
    )
    # --- checklist (Japanese sheets, then English sheets)
    parts.append(f"<section id='checklist'><h2>{_bi('checklist_title')}</h2>")
    parts.append(checklist_html(study, "ja"))
    parts.append(checklist_html(study, "en"))
    parts.append("</section>")
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='ja'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(t('report_title', 'ja'))} — {escape(name_ja)}</title>"
        f"<style>{REPORT_CSS}</style>"
        f"<script type='text/javascript'>{plotly_js()}</script>"
        f"</head><body>{body}</body></html>\n"
    )


def generate_report(
    out: str | Path,
    *,
    study: str | Path | None = None,
    observed_as_is: str | Path | None = None,
    observed_reform: str | Path | None = None,
    survey: str | Path | None = None,
    replications: int = 10,
    seed: int = 20260401,
    days: Sequence[dt.date] | None = None,
    lang: str = "ja",
    n_boot: int = 1000,
) -> Path:
    """Load the inputs (each defaults to the bundled sample), simulate, and write the report."""
    data = load_dataset(
        study=study, observed_as_is=observed_as_is, observed_reform=observed_reform, survey=survey
    )
    if data.study is None:
        from journeys.errors import InputError

        raise InputError("no study to report on", file=study, hint="pass --study STUDY.toml")
    chosen = list(days) if days else [peak_day(data.study)]
    experiment = run_simulation(data.study, replications=replications, seed=seed, days=chosen)
    inputs = ReportInputs(
        study=data.study,
        experiment=experiment,
        observed_as_is=data.as_is,
        observed_reform=data.reform,
        survey=data.survey,
        replications=replications,
        seed=seed,
        days=chosen,
        sources=data.sources,
        n_boot=n_boot,
    )
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_report(inputs, lang=lang), encoding="utf-8")
    return path
