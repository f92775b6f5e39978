"""`validate_isolation`: prove multi-tenant isolation from the catalog, the spec and a probe."""

from tools.isolation.report import IsolationReport, render_isolation, validate_isolation

__all__ = ["IsolationReport", "render_isolation", "validate_isolation"]
