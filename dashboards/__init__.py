"""Dashboards: what managers, reform teams and visiting municipalities open.

* :mod:`dashboards.figures` — pure plotly figure builders (frame → Figure), no Streamlit;
* :mod:`dashboards.i18n` — every visible label, Japanese by default, English on request;
* :mod:`dashboards.data` — loading with caching on file hashes, the verdict sentence, floor frames;
* :mod:`dashboards.results` — the numbers shown, computed by ``journeys`` / ``simulation``;
* :mod:`dashboards.report` and :mod:`dashboards.checklist` — the offline HTML report with the
  printable life-event checklist;
* ``dashboards/app.py`` and ``dashboards/views/`` — the Streamlit app (thin pages);
  :mod:`dashboards.serve` starts it warm (``madoguchi dashboard``).
"""

__all__: list[str] = []
