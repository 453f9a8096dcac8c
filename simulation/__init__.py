"""Simulation: study model, SimPy engine, experiments and calibration. May import ``journeys`` only."""

__all__: list[str] = []
