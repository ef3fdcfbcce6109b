"""Reports: a format aggregated over a unit (office, Zone, DG, INDIA) for a month, live from SQL."""
