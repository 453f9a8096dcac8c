"""Journeys: read, validate and measure what residents go through (counter logs and journey surveys).

The lowest layer of the workbench: it imports none of ``simulation``, ``dashboards`` or ``madoguchi``.
"""

__all__: list[str] = []
