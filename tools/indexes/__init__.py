"""`suggest_indexes`: schema rules and workload advice, proven with the planner."""

from tools.indexes.suggest import render_indexes, suggest_indexes

__all__ = ["render_indexes", "suggest_indexes"]
