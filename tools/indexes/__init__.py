"""`suggest_indexes`: schema rules and workload advice, proven with the planner."""

from tools.indexes.rules import RULES
from tools.indexes.suggest import render_indexes, suggest_indexes

__all__ = ["RULES", "render_indexes", "suggest_indexes"]
