"""Start the dashboard server: ``python -m dashboards.serve [streamlit run options]``.

It is ``streamlit run dashboards/app.py`` with a warm start: the heavy libraries (scipy,
plotly, the simulator) are imported before the server listens, and a background thread fills
the cache with what the Overview shows (read from the on-disk cache when the data was seen
before, else computed), so the first visitor does not wait for them.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

__all__ = ["APP", "main", "warm_up"]

APP = Path(__file__).resolve().parent / "app.py"


def warm_up() -> None:
    """Load the bundled sample and compute the Overview's numbers into the cache."""
    from dashboards.data import load_dataset, peak_day
    from dashboards.results import (
        QUICK_REPLICATIONS,
        QUICK_SEED,
        model_check,
        observed_comparison,
        run_simulation,
    )

    try:
        data = load_dataset()
        if data.as_is is not None and data.reform is not None:
            observed_comparison(data.as_is, data.reform)
        if data.study is not None:
            result = run_simulation(data.study, replications=QUICK_REPLICATIONS, seed=QUICK_SEED)
            if data.as_is is not None:
                model_check(data.study, data.as_is, result.log, [peak_day(data.study)])
    except Exception as exc:  # the page itself reports problems; warming is best effort
        print(f"dashboard warm-up skipped: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    """Import the heavy modules, start warming the cache, then run ``streamlit run``."""
    import plotly.graph_objects  # noqa: F401
    import polars  # noqa: F401
    import scipy.stats  # noqa: F401
    from streamlit.web import cli

    import dashboards.figures
    import dashboards.results  # noqa: F401
    import journeys.compare  # noqa: F401
    import simulation.experiments  # noqa: F401

    threading.Thread(target=warm_up, name="madoguchi-warm-up", daemon=True).start()
    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["streamlit", "run", str(APP), *args]
    cli.main()


if __name__ == "__main__":
    main()
