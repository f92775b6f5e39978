"""`explain_query`: the planner's plan of one query, read for the usual mistakes."""

from tools.explain.query import ExplainResult, PlanNode, explain_query, render_explain

__all__ = ["ExplainResult", "PlanNode", "explain_query", "render_explain"]
