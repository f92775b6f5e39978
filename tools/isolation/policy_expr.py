"""What a row-level security policy expression really filters on, read from its parse tree.

`analyze_policy_expr(text, context)` parses the `pg_get_expr()` text of a USING or WITH CHECK
expression with pglast and answers: is it constant true, which session bindings does it use
(`current_setting('app.…')`, `current_user`, `auth.uid()`, a helper function), which row columns
are tied to those bindings, which calls run once per row, and does it match everything when
the tenant setting is unset. It judges nothing: `tools.isolation` turns answers into findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pglast
from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, NullTestType, SQLValueFunctionOp, SubLinkType

SESSION_USERS = {
    SQLValueFunctionOp.SVFOP_CURRENT_USER: "current_user",
    SQLValueFunctionOp.SVFOP_CURRENT_ROLE: "current_user",
    SQLValueFunctionOp.SVFOP_USER: "current_user",
    SQLValueFunctionOp.SVFOP_SESSION_USER: "session_user",
}
# Supabase puts its request-bound functions (uid, jwt, email, role) in the auth schema.
AUTH_SCHEMA = "auth"
BUILTIN_SCHEMAS = {"pg_catalog", "public", "information_schema"}
USER_EDITABLE_CLAIMS = {"user_metadata", "raw_user_meta_data"}


@dataclass(frozen=True)
class PolicyContext:
    """What the analysis needs to know about the table and the schema around it."""

    table: str
    columns: frozenset[str]
    tables: dict[str, frozenset[str]] = field(default_factory=dict)
    helpers: frozenset[str] = frozenset()
    schema: str | None = None
    functions: frozenset[str] = frozenset()


@dataclass
class ExprAnalysis:
    """The facts about one policy expression."""

    always_true: bool = False
    restricts: bool = False
    bound_columns: set[str] = field(default_factory=set)
    bindings: list[str] = field(default_factory=list)
    mentioned_columns: set[str] = field(default_factory=set)
    per_row_calls: list[str] = field(default_factory=list)
    unset_matches_all: bool = False
    user_metadata: bool = False
    unset_behaviour: dict[str, str] = field(default_factory=dict)
    parse_error: str | None = None

    def note_binding(self, label: str) -> None:
        if label not in self.bindings:
            self.bindings.append(label)


def analyze_policy_expr(text: str | None, context: PolicyContext) -> ExprAnalysis:
    """Parse one USING / WITH CHECK expression and describe what it filters on."""
    result = ExprAnalysis()
    if text is None:
        return result
    try:
        statement: Any = pglast.parse_sql(f"SELECT {text}")[0].stmt
        node = statement.targetList[0].val
    except pglast.parser.ParseError as err:
        result.parse_error = str(err)
        return result
    result.always_true = _is_true(node)
    walker = _Walker(context, result)
    result.mentioned_columns = walker.row_columns(node, deep=True)
    walker.collect_bindings(node, wrapped=False)
    result.user_metadata = walker.reads_user_metadata(node)
    restricts, bound = walker.evaluate(node)
    result.restricts = restricts
    result.bound_columns = bound if restricts else set()
    return result


# --- the parse tree ---------------------------------------------------------------------------


def _children(node: Any) -> Iterator[Any]:
    """Direct child nodes of a pglast node (lists flattened)."""
    for name in node:
        value = getattr(node, name, None)
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, tuple | list):
            yield from (item for item in value if isinstance(item, ast.Node))


def _walk(node: Any, into_sublinks: bool = True) -> Iterator[Any]:
    """The node and every node below it, optionally stopping at subqueries."""
    yield node
    for child in _children(node):
        if not into_sublinks and isinstance(child, ast.SubLink):
            continue
        yield from _walk(child, into_sublinks)


def _names(items: Any) -> list[str]:
    return [getattr(item, "sval", "") for item in items or ()]


def _unwrap(node: Any) -> Any:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


def _is_true(node: Any) -> bool:
    node = _unwrap(node)
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Boolean):
        return bool(node.val.boolval)
    return False


def _const_text(node: Any) -> str | None:
    node = _unwrap(node)
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None


def _is_equality(node: ast.A_Expr) -> bool:
    if node.kind == A_Expr_Kind.AEXPR_IN:
        return _names(node.name) == ["="]
    if node.kind in (A_Expr_Kind.AEXPR_OP, A_Expr_Kind.AEXPR_OP_ANY):
        return _names(node.name)[-1:] == ["="]
    return False


class _Walker:
    """Evaluates one expression against a table: bindings, bound columns, per-row calls."""

    def __init__(self, context: PolicyContext, result: ExprAnalysis) -> None:
        self.context = context
        self.result = result

    # Row columns: unqualified names of the table, or names qualified with the table's name.
    # Inside a subquery an unqualified name belongs to the subquery's own tables when they
    # have it (SQL's scoping), so only names those tables lack reach the policy's row.
    def row_columns(self, node: Any, deep: bool = False, shadowed: frozenset[str] = frozenset()):
        found: set[str] = set()
        if isinstance(node, ast.ColumnRef):
            parts = _names(node.fields)
            if len(parts) == 1 and parts[0] in self.context.columns and parts[0] not in shadowed:
                found.add(parts[0])
            elif len(parts) == 2 and parts[0] == self.context.table:
                found.add(parts[1])
            return found
        for child in _children(node):
            if isinstance(child, ast.SubLink):
                if deep:
                    inner = shadowed | self._from_columns(child.subselect)
                    found |= self.row_columns(child.subselect, True, inner)
                if child.testexpr is not None:
                    found |= self.row_columns(child.testexpr, deep, shadowed)
                continue
            found |= self.row_columns(child, deep, shadowed)
        return found

    def _from_columns(self, select: Any) -> frozenset[str]:
        names: set[str] = set()
        for node in _walk(select):
            if isinstance(node, ast.RangeVar):
                names |= self.context.tables.get(node.relname or "", frozenset())
        return frozenset(names)

    # Session bindings: what ties an expression to the current session or request.
    def binding(self, node: Any) -> str | None:
        if isinstance(node, ast.SQLValueFunction):
            return SESSION_USERS.get(node.op) if node.op is not None else None
        if not isinstance(node, ast.FuncCall):
            return None
        parts = _names(node.funcname)
        name = parts[-1]
        schema = parts[0] if len(parts) > 1 else None
        if name == "current_setting" and schema in (None, "pg_catalog"):
            setting = _const_text(node.args[0]) if node.args else None
            return f"current_setting({setting!r})"
        if schema == AUTH_SCHEMA:
            return f"{AUTH_SCHEMA}.{name}()"
        if name in self.context.helpers or ".".join(parts) in self.context.helpers:
            return f"helper {'.'.join(parts)}()"
        known = schema in (None, self.context.schema) and name in self.context.functions
        if schema is not None and schema not in BUILTIN_SCHEMAS and not known:
            return f"function {'.'.join(parts)}() (not verified)"
        return None

    def collect_bindings(self, node: Any, wrapped: bool) -> None:
        label = self.binding(node)
        if label is not None:
            self.result.note_binding(label)
            per_row = label.startswith(("current_setting", f"{AUTH_SCHEMA}."))
            if per_row and not wrapped and label not in self.result.per_row_calls:
                self.result.per_row_calls.append(label)
            if label.startswith("current_setting"):
                self._note_unset(node, label)
        for child in _children(node):
            self.collect_bindings(child, wrapped or isinstance(child, ast.SubLink))

    def _note_unset(self, node: ast.FuncCall, label: str) -> None:
        args: tuple[Any, ...] = node.args or ()
        missing_ok = len(args) > 1 and (
            _is_true(args[1]) or _const_text(args[1]) in ("t", "true", "on")
        )
        self.result.unset_behaviour[label] = "null" if missing_ok else "raises"

    def reads_user_metadata(self, node: Any) -> bool:
        """`auth.jwt() -> 'user_metadata'`: claims the signed-in user can edit themselves."""
        for inner in _walk(node):
            if (
                isinstance(inner, ast.A_Expr)
                and _names(inner.name)[-1:] in (["->"], ["->>"])
                and _const_text(inner.rexpr) in USER_EDITABLE_CLAIMS
                and self.has_binding(inner.lexpr)
            ):
                return True
        return False

    def has_binding(self, node: Any) -> bool:
        return any(self.binding(n) is not None for n in _walk(node))

    # Boolean evaluation: (restricts, columns tied to the session in every matching row).
    def evaluate(self, node: Any) -> tuple[bool, set[str]]:
        node = _unwrap(node)
        if isinstance(node, ast.BoolExpr):
            return self._boolean(node)
        if isinstance(node, ast.A_Expr):
            return self._comparison(node)
        if isinstance(node, ast.SubLink):
            return self._sublink(node)
        if isinstance(node, ast.NullTest):
            if node.nulltesttype == NullTestType.IS_NULL and self.has_binding(node.arg):
                self.result.unset_matches_all = True
            return False, set()
        if isinstance(node, ast.FuncCall):
            return self._helper_call(node)
        return False, set()

    def _boolean(self, node: ast.BoolExpr) -> tuple[bool, set[str]]:
        parts = [self.evaluate(arg) for arg in node.args or ()]
        if node.boolop == BoolExprType.AND_EXPR:
            bound = set().union(*(cols for ok, cols in parts if ok))
            return any(ok for ok, _ in parts), bound
        if node.boolop == BoolExprType.OR_EXPR:
            if all(ok for ok, _ in parts):
                return True, set.intersection(*(cols for _, cols in parts))
            return False, set()
        inner = _unwrap(node.args[0]) if node.args else None
        if (
            isinstance(inner, ast.NullTest)
            and inner.nulltesttype == NullTestType.IS_NOT_NULL
            and self.has_binding(inner.arg)
        ):
            self.result.unset_matches_all = True  # NOT (x IS NOT NULL) is x IS NULL
        return False, set()  # NOT: the complement of a tenant filter is every other tenant

    def _comparison(self, node: ast.A_Expr) -> tuple[bool, set[str]]:
        left, right = node.lexpr, node.rexpr
        # `helper(id) = true`: judge the boolean side
        if _is_true(right) and _names(node.name) == ["="]:
            return self.evaluate(left)
        if _is_true(left) and _names(node.name) == ["="]:
            return self.evaluate(right)
        if not _is_equality(node) or not isinstance(right, ast.Node | tuple | list):
            return False, set()
        right_nodes = right if isinstance(right, tuple | list) else (right,)
        bound: set[str] = set()
        for row_side, other_sides in ((left, right_nodes), *((r, (left,)) for r in right_nodes)):
            columns = self.row_columns(row_side)
            if columns and any(self.has_binding(other) for other in other_sides):
                bound |= columns
                for other in other_sides:
                    self._check_coalesce(other)
        return bool(bound), bound

    def _check_coalesce(self, node: Any) -> None:
        # `tenant_id = coalesce(current_setting(…)::uuid, tenant_id)` is `tenant_id = tenant_id`
        # when the setting is unset: every row matches.
        for inner in _walk(node):
            if isinstance(inner, ast.CoalesceExpr | ast.MinMaxExpr):
                args = inner.args or ()
                if any(self.row_columns(a) for a in args) and any(
                    self.has_binding(a) for a in args
                ):
                    self.result.unset_matches_all = True

    def _sublink(self, node: ast.SubLink) -> tuple[bool, set[str]]:
        if not self.has_binding(node.subselect):
            return False, set()
        if node.subLinkType == SubLinkType.EXISTS_SUBLINK:
            inner = self._from_columns(node.subselect)
            columns = self.row_columns(node.subselect, deep=True, shadowed=inner)
            return bool(columns), columns
        if node.subLinkType == SubLinkType.ANY_SUBLINK and node.testexpr is not None:
            operator = _names(node.operName) or ["="]
            columns = self.row_columns(node.testexpr)
            if operator[-1] == "=" and columns:
                return True, columns
        return False, set()

    def _helper_call(self, node: ast.FuncCall) -> tuple[bool, set[str]]:
        if self.binding(node) is None:
            return False, set()
        columns: set[str] = set()
        for arg in node.args or ():
            columns |= self.row_columns(arg)
        return bool(columns), columns
