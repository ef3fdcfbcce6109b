"""Data exchange: Excel templates of one return, uploads of filled templates, bulk loads of past months.

Every import is plan, then apply: the plan validates everything through the same cell-input
and saving code as the grid and lists every problem with its cell address; apply writes all
or nothing.
"""
