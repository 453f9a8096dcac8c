"""Dashboards: pure plotly figure builders, Streamlit pages and the offline HTML report."""

__all__: list[str] = []
