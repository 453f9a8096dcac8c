"""Start the dashboard server: ``python -m dashboards.serve [streamlit run options]``.

It is ``streamlit run dashboards/app.py`` with a warm start: before the server listens, the
heavy libraries (scipy, plotly, the simulator) are imported and everything the Overview shows
in the default language is built (read from the on-disk cache when the data was seen before,
else computed, which takes a few seconds once). The first visitor then gets the page at once,
and the server is free to send the browser the page's scripts instead of computing.
"""

from __future__ import annotations

import gc
import inspect
import sys
import time
from pathlib import Path

__all__ = ["APP", "main", "settle", "warm_up"]

APP = Path(__file__).resolve().parent / "app.py"


def warm_up(lang: str = "ja") -> None:
    """Load the bundled sample and build the Overview's parts in ``lang`` into the cache."""
    from dashboards.data import load_dataset
    from dashboards.overview_content import observed_part, simulated_part

    try:
        data = load_dataset()
        if data.as_is is not None and data.reform is not None:
            observed_part(data.as_is, data.reform, lang, data.study)
        if data.study is not None:
            simulated_part(data.study, data.as_is, lang)
    except Exception as exc:  # the page itself reports problems; warming is best effort
        print(f"dashboard warm-up skipped: {exc}", file=sys.stderr)


def settle() -> None:
    """Make the first page run as cheap as the next ones.

    * Streamlit's first element of a process checks whether it runs in a REPL by walking the
      call stack with ``inspect``, which resolves the file of every imported module (~0.7 s
      here); resolving them now fills ``inspect``'s caches.
    * After each page run Streamlit runs a full garbage collection; freezing what exists now
      (the libraries and the warmed results) keeps those collections to the objects a page run
      creates, instead of re-scanning millions of library objects while the browser waits.
    """
    inspect.stack()
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    """Import the heavy modules, build the Overview, then run ``streamlit run``."""
    start = time.perf_counter()
    print("準備中 / preparing the overview…", file=sys.stderr, flush=True)
    import plotly.graph_objects  # noqa: F401
    import polars  # noqa: F401
    import scipy.stats  # noqa: F401
    import streamlit.web.bootstrap
    import streamlit.web.server  # noqa: F401
    from streamlit.web import cli

    import dashboards.figures
    import dashboards.results  # noqa: F401
    import journeys.compare  # noqa: F401
    import simulation.experiments  # noqa: F401

    warm_up()
    settle()
    print(f"準備完了 / ready in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["streamlit", "run", str(APP), *args]
    cli.main()


if __name__ == "__main__":
    main()
