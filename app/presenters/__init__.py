"""How grids, reports, comparisons and histories are shown: header rows, column numbers,
cell display and cell names.

Shared by the entry grid, the report page, the print view and the Excel export, so a
format looks the same on screen, on paper and in a workbook.
"""
