"""The Scenario lab's downloads as a manager opens them in Excel: KPI labels, units and
rounding from :mod:`journeys.kpi_registry` in the page's language, and a sheet recording the
inputs of the run (study, days, replications, seed, staffing) so a result can be traced and
re-run. Nothing here imports Streamlit.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from dashboards.i18n import kpi_label, scenario_label, t
from journeys import kpi_registry as registry

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = ["LabInputs", "comparison_sheet", "inputs_sheet", "lab_downloads", "summary_sheet"]


@dataclass(frozen=True)
class LabInputs:
    """What one Scenario-lab run was asked for."""

    study: Study
    scenario_id: str
    days: Sequence[dt.date]
    replications: int
    seed: int
    volume: float
    one_stop: Sequence[str] | None
    #: The wait target (minutes) the service level was measured against.
    target_min: float = 15.0


def _shown(kpi: str, column: pl.Expr) -> pl.Expr:
    """A stored KPI value as shown: shares in %, scaled units, registry rounding."""
    try:
        k = registry.kpi(kpi)
    except KeyError:
        return column.round(2)
    factor = 100.0 if k.share else k.scale
    return (column * factor).round(k.decimals)


def _label_unit(kpi: str, lang: str, target_min: float | None = None) -> tuple[str, str]:
    try:
        return kpi_label(kpi, lang, target_min=target_min), registry.unit(kpi, lang)
    except KeyError:
        return kpi, ""


def comparison_sheet(
    comparison: pl.DataFrame, lang: str, target_min: float | None = None
) -> pl.DataFrame:
    """As-is vs reform per KPI: label, unit, as-is, reform, difference and its 95 % CI
    (``target_min``: the wait target, named in the service level's label)."""
    rows = []
    for kpi in comparison["kpi"].to_list():
        part = comparison.filter(pl.col("kpi") == kpi).head(1)
        label, unit = _label_unit(kpi, lang, target_min)
        rows.append(
            part.select(
                pl.lit(kpi).alias("kpi"),
                pl.lit(label).alias(t("measure", lang)),
                pl.lit(unit).alias(t("unit", lang)),
                *(
                    _shown(kpi, pl.col(c).cast(pl.Float64)).alias(t(name, lang))
                    for c, name in (
                        ("baseline", "baseline"),
                        ("alternative", "alternative"),
                        ("difference", "difference"),
                        ("ci_low", "ci_low"),
                        ("ci_high", "ci_high"),
                    )
                ),
            )
        )
    return pl.concat(rows) if rows else comparison.head(0)


def summary_sheet(
    summary: pl.DataFrame, lang: str, target_min: float | None = None
) -> pl.DataFrame:
    """Each scenario's mean and 95 % CI per KPI, labelled and rounded."""
    rows = []
    for record in summary.iter_rows(named=True):
        kpi = str(record["kpi"])
        label, unit = _label_unit(kpi, lang, target_min)
        one = pl.DataFrame({c: [record[c]] for c in ("mean", "ci_low", "ci_high")})
        one = one.select(pl.all().cast(pl.Float64))
        rows.append(
            one.select(
                pl.lit(scenario_label(str(record["scenario"]), lang)).alias(t("scenario", lang)),
                pl.lit(kpi).alias("kpi"),
                pl.lit(label).alias(t("measure", lang)),
                pl.lit(unit).alias(t("unit", lang)),
                _shown(kpi, pl.col("mean")).alias(t("mean", lang)),
                _shown(kpi, pl.col("ci_low")).alias(t("ci_low", lang)),
                _shown(kpi, pl.col("ci_high")).alias(t("ci_high", lang)),
            )
        )
    return pl.concat(rows) if rows else summary.head(0)


def inputs_sheet(inputs: LabInputs, staff: Mapping[str, int], lang: str) -> pl.DataFrame:
    """Item / value rows: the study, the scenario changed, days, replications, seed, volume,
    the one-stop procedures and the staff of every counter of that scenario."""
    study = inputs.study
    info = study.study
    name = (info.name_en if lang == "en" else info.name_ja) or info.id
    scenario = study.scenario(inputs.scenario_id)
    rows: list[tuple[str, str]] = [
        (t("report_study", lang), name),
        (t("scenario", lang), scenario_label(inputs.scenario_id, lang)),
        (t("lab_day", lang), ", ".join(d.isoformat() for d in inputs.days)),
        (t("lab_replications", lang), str(inputs.replications)),
        (t("lab_seed", lang), str(inputs.seed)),
        (t("lab_volume", lang), f"{inputs.volume:g}"),
        (t("wait_target", lang), f"{inputs.target_min:g}"),
    ]
    if inputs.one_stop is not None:
        rows.append((t("lab_one_stop", lang), ", ".join(inputs.one_stop)))
    for counter in scenario.counters:
        counter_name = (counter.name_en if lang == "en" else counter.name_ja) or ""
        label = f"{t('staff', lang)}: {counter.id} {counter_name}".strip()
        rows.append((label, str(staff.get(counter.id, counter.staff))))
    return pl.DataFrame(
        {t("item", lang): [r[0] for r in rows], t("value", lang): [r[1] for r in rows]}
    )


def lab_downloads(
    summary: pl.DataFrame,
    comparison: pl.DataFrame,
    inputs: LabInputs,
    staff: Mapping[str, int],
    lang: str,
) -> tuple[bytes, bytes]:
    """The workbook (comparison, per scenario, inputs) and the comparison CSV (UTF-8 with
    BOM, so Excel opens Japanese text), written in a temporary folder that is removed."""
    from journeys.excel_export import write_csv_bom, write_workbook

    compared = comparison_sheet(comparison, lang, inputs.target_min)
    sheets = {
        t("sheet_comparison", lang): compared,
        t("sheet_summary", lang): summary_sheet(summary, lang, inputs.target_min),
        t("sheet_inputs", lang): inputs_sheet(inputs, staff, lang),
    }
    with tempfile.TemporaryDirectory(prefix="madoguchi-lab-") as tmp:
        folder = Path(tmp)
        xlsx = write_workbook(sheets, folder / "results.xlsx").read_bytes()
        csv = write_csv_bom(compared, folder / "comparison.csv").read_bytes()
    return xlsx, csv
