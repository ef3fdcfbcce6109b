"""How grids, comparisons and histories are shown: shared by pages, print and exports."""
