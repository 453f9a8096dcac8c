"""What the reform team's notebooks share: offline figures, labelled tables, their own files.

A notebook calls :func:`setup` in its first cell. Every plotly figure it shows then carries
two forms: plotly's own JSON (JupyterLab draws it with the plotly extension) and an HTML form
with plotly.js embedded (the first figure of a kernel carries the library, the next ones
reuse it), so ``jupyter nbconvert --to html`` and :func:`export_html` keep every figure in a
file that opens offline — no CDN. :func:`export_html` also leaves out the MathJax, require.js
and mermaid scripts that nbconvert's template would load from a CDN.

Labels of KPI tables come from the KPI registry (:mod:`journeys.kpi_registry`), one language
per table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import plotly.io as pio
import polars as pl
from plotly.io.base_renderers import MimetypeRenderer

from journeys import kpi_registry
from journeys.paths import sample_file

__all__ = [
    "RENDERER",
    "OfflineFigures",
    "comparison_table",
    "export_html",
    "kpi_table",
    "setup",
    "your_file",
]

#: The name :func:`setup` registers the renderer under.
RENDERER = "madoguchi_offline"
_PLOTLY_JSON = "application/vnd.plotly.v1+json"


class OfflineFigures(MimetypeRenderer):
    """A plotly renderer whose HTML form works offline (plotly.js embedded once per kernel)."""

    def __init__(self) -> None:
        # plotly renders with a shallow copy of the renderer: the copies share this record
        self.sent: dict[str, bool] = {"library": False}

    def to_mimebundle(self, fig_dict: Any) -> dict[str, Any]:
        """Plotly's JSON for JupyterLab and a self-contained HTML form for nbconvert."""
        html = pio.to_html(
            fig_dict,
            full_html=False,
            include_plotlyjs=not self.sent["library"],
            include_mathjax=False,
            config={"displaylogo": False},
            validate=False,
        )
        self.sent["library"] = True
        return {
            _PLOTLY_JSON: pio.to_json(fig_dict, validate=False, pretty=False),
            "text/html": html,
        }


def setup() -> None:
    """Make this kernel's figures offline-renderable and its tables readable (first cell)."""
    pio.renderers[RENDERER] = OfflineFigures()
    pio.renderers.default = RENDERER
    pl.Config.set_float_precision(2)
    pl.Config.set_tbl_hide_dataframe_shape(True)


def your_file(path: str | Path | None, sample_name: str) -> Path:
    """``path`` when the team put their own file there, else the bundled sample's file."""
    if path is None or str(path) == "":
        return sample_file(sample_name)
    chosen = Path(path).expanduser()
    if not chosen.exists():
        raise FileNotFoundError(f"{chosen} does not exist: put your file there or set it to None")
    return chosen


def kpi_table(values: Mapping[str, float], lang: str = "ja") -> pl.DataFrame:
    """``{kpi: value}`` as a table a person reads (label, value with unit, basis) in ``lang``."""
    table = kpi_registry.table(values, lang)
    heads = ("指標", "値", "単位の基準") if lang == "ja" else ("KPI", "value", "per")
    return table.select(
        pl.col("label").alias(heads[0]),
        pl.col("value").alias(heads[1]),
        pl.col("basis").alias(heads[2]),
    )


def comparison_table(
    comparison: pl.DataFrame, lang: str = "ja", *, before: str = "現状", after: str = "改革後"
) -> pl.DataFrame:
    """A comparison (``kpi, baseline, alternative, difference, ci_low, ci_high``) with the
    registry's labels, units and rounding, and the 95 % interval of the difference."""
    rows = [r for r in comparison.iter_rows(named=True) if r["kpi"] in kpi_registry.KPIS]
    diff, ci = ("差", "95%信頼区間") if lang == "ja" else ("difference", "95% CI")
    return pl.DataFrame(
        {
            ("指標" if lang == "ja" else "KPI"): [kpi_registry.label(r["kpi"], lang) for r in rows],
            before: [kpi_registry.fmt(r["kpi"], r["baseline"], lang) for r in rows],
            after: [kpi_registry.fmt(r["kpi"], r["alternative"], lang) for r in rows],
            diff: [kpi_registry.fmt(r["kpi"], r["difference"], lang, signed=True) for r in rows],
            ci: [
                f"{kpi_registry.fmt(r['kpi'], r['ci_low'], lang, signed=True)} … "
                f"{kpi_registry.fmt(r['kpi'], r['ci_high'], lang, signed=True)}"
                for r in rows
            ],
        },
    )


_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def export_html(notebook: Any, out: str | Path) -> Path:
    """Write an executed notebook (an ``nbformat`` node) as one offline HTML file."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"madoguchi_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="madoguchi_offline.html.j2",
    )
    body, _ = exporter.from_notebook_node(notebook)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target
