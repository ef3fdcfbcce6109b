"""The safe formula language: parsed with `ast` into a whitelist, never `eval`.

Evaluated on the server with Decimal (authoritative) and written as JavaScript for the
live grid (runtime in app/static/js/mpr-formula.js). Semantics, identical on both sides:

- a blank cell counts as 0 in arithmetic (and as 0 when compared);
- if every cell the formula reads is blank, the result is blank (None);
- division by zero gives None, and None makes any result built on it None;
- comparisons compare both sides rounded half-up to 2 decimals; `and`/`or`/`not` give
  True/False, or None when an operand is None;
- `round(x, n)` rounds half-up (away from zero); `quantize` rounds a result for its column.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .column_types import COLUMN_TYPES
from .expression_nodes import (
    BLANK,
    CONTEXT,
    BinOp,
    BoolOp,
    Call,
    Compare,
    Name,
    Node,
    Not,
    Num,
    Unary,
    arith,
    round_half_up,
    to_decimal,
)

FUNCTIONS = frozenset({"sum", "min", "max", "abs", "round"})
FUNCTIONS_TEXT = "sum(a, b, ...), min(...), max(...), abs(x), round(x, n)"
# How a check across formats is written, for the hints of E055.
CROSS_CHECK_SYNTAX = (
    'cross_checks: [{code: ..., left: {row: TOTAL, column: CLOSING_NO}, op: "==", '
    "right: {format: OTHER-FORMAT, row: TOTAL, column: OPENING_NO}, message: ...}]"
)
# A cell of another format written as in a spreadsheet or a programme: DPM-GST-ADJ-1.CLOSING_NO,
# GI_GST_4.TOTAL, GI-GST-4[TOTAL]. A valid formula never has a name followed by '.' or '['.
_QUALIFIED = re.compile(
    r"(?<![A-Za-z0-9_.])[A-Z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*\s*(?:\.\s*[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])"
)
_AVERAGE = "for an average write the sum divided by the count, e.g. sum(A, B, C) / 3"
_FUNCTION_HINTS = {
    "avg": _AVERAGE,
    "average": _AVERAGE,
    "mean": _AVERAGE,
    "count": "a formula reads the cells of one row; counting rows or cases is not supported",
    "if": "a formula has no conditions: for 'A - B, but not below 0' write max(A - B, 0); "
    "a condition the figures must meet belongs in checks: (rule: ...)",
    "iif": "a formula has no conditions: for 'A - B, but not below 0' write max(A - B, 0)",
}
_IF_CALL = re.compile(r"\bif\s*\(", re.IGNORECASE)
_SINGLE_EQUALS = re.compile(r"(?<![=!<>:])=(?!=)")
_SPREADSHEET_OPERATORS = (
    ("<>", "write != for 'not equal to'"),
    ("&&", "write 'and' to join two comparisons"),
    ("||", "write 'or' to join two comparisons"),
)
_BANG = re.compile(r"!(?!=)")
MAX_FORMULA_LENGTH = 2000
MAX_ROUND_PLACES = 6
_PLACES = {name: kind.places for name, kind in COLUMN_TYPES.items() if kind.numeric}

_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_OPERATOR_TEXT = {
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.Invert: "~",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_FORBIDDEN = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.IfExp: "conditional expressions (x if c else y) are not allowed: "
    "for 'A - B, but not below 0' write max(A - B, 0)",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}


class ExpressionError(ValueError):
    """A formula that cannot be accepted: code E020 (syntax) or E021 (forbidden construct)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Expression:
    """A parsed, validated formula; immutable and safe to share."""

    text: str
    names: frozenset[str]
    names_in_order: tuple[str, ...] = ()  # referenced codes in order of first appearance
    is_condition: bool = False  # the whole formula is a comparison or and/or/not
    root: Node = field(default=Num(Decimal(0)), repr=False, compare=False)

    def evaluate(self, values: Mapping[str, object]) -> Decimal | bool | None:
        """Evaluate against a row's values (column code -> Decimal or None for blank)."""
        if self.names and all(to_decimal(values.get(name)) is BLANK for name in self.names):
            return None
        result = self.root.eval(values)
        return None if result is BLANK else result

    @property
    def is_linear(self) -> bool:
        """Whether the formula is a sum of names times constants (only + - sum(), and * or /
        by a constant): such a formula commutes with any other linear one."""
        return _linear(self.root)

    def to_js(self) -> str:
        """A JavaScript expression over the runtime `F` and the value lookup `v`."""
        names = json.dumps(sorted(self.names), separators=(",", ":"))
        return f"F.formula(v,{names},{self.root.js()})"


def _constant(node: Node) -> bool:
    """Whether a node reads no cell (a number, or arithmetic over numbers)."""
    if isinstance(node, Num):
        return True
    if isinstance(node, Unary):
        return _constant(node.operand)
    if isinstance(node, BinOp):
        return _constant(node.left) and _constant(node.right)
    return False


def _linear(node: Node) -> bool:
    """Whether a node is homogeneous linear in the names it reads (no constant term added)."""
    if isinstance(node, Name):
        return True
    if isinstance(node, Unary):
        return _linear(node.operand)
    if isinstance(node, Call):
        return node.func == "sum" and all(_linear(arg) for arg in node.args)
    if not isinstance(node, BinOp):
        return False
    if node.op in "+-":
        return _linear(node.left) and _linear(node.right)
    if node.op == "*":
        left, right = node.left, node.right
        return (_constant(left) and _linear(right)) or (_constant(right) and _linear(left))
    return _constant(node.right) and _linear(node.left)


def quantize(value: Decimal | bool | None, column_type: str) -> Decimal | None:
    """Round a result for its column: count to a whole number, amount/percent to 2 places."""
    if column_type not in _PLACES:
        raise ValueError(f"column type '{column_type}' does not hold a number")
    if value is None:
        return None
    number = arith(to_decimal(value) if not isinstance(value, Decimal) else value)
    return None if number is None else round_half_up(number, _PLACES[column_type])


def parse_expression(text: str, *, allow_comparisons: bool, formats: FormatNames | None = None) -> Expression:
    """Parse a formula or check rule; raise ExpressionError (E020/E021/E055) if unacceptable."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("E020", "the formula is empty")
    source = " ".join(text.split())  # YAML block scalars may span lines
    if len(source) > MAX_FORMULA_LENGTH:
        raise ExpressionError("E020", f"the formula is longer than {MAX_FORMULA_LENGTH} characters")
    _refuse_other_formats(source, formats or FormatNames())
    try:
        tree = ast.parse(source, mode="eval")
        builder = _Builder(allow_comparisons)
        root = builder.build(tree.body)
    except ExpressionError:
        raise
    except SyntaxError as exc:
        _explain_syntax_error(source, allow_comparisons)
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError("E020", f"syntax error{where}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("E020", "the formula is nested too deeply") from None
    except ValueError as exc:  # e.g. NUL characters
        raise ExpressionError("E020", f"syntax error: {exc}") from None
    return Expression(
        text=text.strip(),
        names=frozenset(builder.names),
        names_in_order=tuple(builder.names),
        is_condition=isinstance(root, (Compare, BoolOp, Not)),
        root=root,
    )


@dataclass(frozen=True)
class FormatNames:
    """The codes of the formats of the file, so that a formula naming one is told where that belongs."""

    own: str | None = None
    codes: frozenset[str] = frozenset()


def _named_format(source: str, formats: FormatNames) -> str | None:
    """A format code the formula names: one with a '-' anywhere, any code before '.' or '['."""
    for code in sorted(formats.codes | ({formats.own} if formats.own else set()), key=len, reverse=True):
        after = r"(?![A-Za-z0-9_-])" if "-" in code else r"(?=\s*[.\[])"
        if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(code)}{after}", source):
            return code
    return None


def _refuse_other_formats(source: str, formats: FormatNames) -> None:
    """E055 for a formula or check that names a format or reads a qualified cell."""
    code = _named_format(source, formats)
    where = "a formula or check reads only the cells of its own row"
    if code is not None and code == formats.own:
        raise ExpressionError("E055", f"names its own format '{code}': {where}; write the column code alone")
    qualified = _QUALIFIED.search(source)
    if code is None and qualified is None:
        return
    named = f"names format '{code}'" if code else f"'{qualified.group(0)}' reads a cell of another format"
    raise ExpressionError(
        "E055",
        f"{named}: {where}. A comparison with another format's cell belongs in the format's "
        f"cross-format checks: {CROSS_CHECK_SYNTAX}",
    )


def _explain_syntax_error(source: str, allow_comparisons: bool) -> None:
    """For a formula that does not parse: a specific message, with a hint, for what an
    administrator would naturally try (if(...), '=' for '==', spreadsheet operators)."""
    if _IF_CALL.search(source):
        raise ExpressionError("E021", f"'if' is not supported: {_FUNCTION_HINTS['if']}")
    for operator, hint in _SPREADSHEET_OPERATORS:
        if operator in source:
            raise ExpressionError("E020", f"'{operator}' is not an operator of formulas: {hint}")
    if _BANG.search(source):
        hint = "write 'not' (or != for 'not equal to')"
        raise ExpressionError("E020", f"'!' is not an operator of formulas: {hint}")
    if _SINGLE_EQUALS.search(source):
        if allow_comparisons:
            hint = "write == to compare, e.g. A + B == C"
        else:
            hint = "a column's formula is the calculation alone, without 'CODE =': e.g. formula: \"A + B\""
        raise ExpressionError("E020", f"'=' is not a comparison: {hint}")


class _Builder:
    """Turns a Python AST into formula nodes, refusing anything outside the whitelist."""

    def __init__(self, allow_comparisons: bool) -> None:
        self.allow_comparisons = allow_comparisons
        self.names: dict[str, None] = {}  # ordered set

    def build(self, node: ast.expr) -> Node:
        """Convert one AST node."""
        if isinstance(node, ast.Constant):
            return _number(node.value)
        if isinstance(node, ast.Name):
            self.names.setdefault(node.id, None)
            return Name(node.id)
        if isinstance(node, ast.BinOp):
            op = _ARITH.get(type(node.op))
            if op is None:
                raise _forbidden_operator(node.op)
            return BinOp(op, self.build(node.left), self.build(node.right))
        if isinstance(node, ast.UnaryOp):
            return self._unary(node)
        if isinstance(node, (ast.Compare, ast.BoolOp)):
            return self._logic(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        message = _FORBIDDEN.get(type(node), f"'{type(node).__name__}' is not allowed")
        raise ExpressionError("E021", message)

    def _unary(self, node: ast.UnaryOp) -> Node:
        if isinstance(node.op, ast.Not):
            self._require_comparisons("'not' is")
            return Not(self.build(node.operand))
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            return Unary("-" if isinstance(node.op, ast.USub) else "+", self.build(node.operand))
        raise _forbidden_operator(node.op)

    def _logic(self, node: ast.Compare | ast.BoolOp) -> Node:
        if isinstance(node, ast.BoolOp):
            word = "and" if isinstance(node.op, ast.And) else "or"
            self._require_comparisons(f"'{word}' is")
            return BoolOp(word, tuple(self.build(value) for value in node.values))
        self._require_comparisons("comparisons are")
        ops = []
        for op in node.ops:
            text = _COMPARE.get(type(op))
            if text is None:
                raise _forbidden_operator(op)
            ops.append(text)
        rest = tuple(self.build(value) for value in node.comparators)
        return Compare(self.build(node.left), tuple(ops), rest)

    def _call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise ExpressionError("E021", "attribute access is not allowed")
            raise ExpressionError("E021", "only sum, min, max, abs and round can be called")
        name = node.func.id
        if name not in FUNCTIONS:
            raise ExpressionError("E021", f"function '{name}' is not allowed; {_function_hint(name)}")
        if node.keywords:
            raise ExpressionError("E021", f"keyword arguments are not allowed in {name}()")
        args = tuple(self.build(arg) for arg in node.args)
        _check_arity(name, args)
        return Call(name, args)

    def _require_comparisons(self, what: str) -> None:
        if not self.allow_comparisons:
            raise ExpressionError("E021", f"{what} not allowed in a column formula (only in checks)")


def _function_hint(name: str) -> str:
    """What to write instead of a function the formula language does not have."""
    if name.lower() in FUNCTIONS:
        return f"functions are written in small letters: {name.lower()}(...)"
    specific = _FUNCTION_HINTS.get(name.lower())
    allowed = f"the functions are {FUNCTIONS_TEXT}"
    return f"{specific}; {allowed}" if specific else allowed


def _number(value: object) -> Num:
    if isinstance(value, bool) or value is None:
        raise ExpressionError("E021", f"'{value}' is not allowed; use numbers and column codes")
    if isinstance(value, int):
        return Num(Decimal(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ExpressionError("E021", "this number is too large")
        return Num(Decimal(repr(value)))
    if isinstance(value, (str, bytes)):
        raise ExpressionError("E021", "text values are not allowed")
    raise ExpressionError("E021", f"the value {value!r} is not allowed")


def _check_arity(name: str, args: tuple[Node, ...]) -> None:
    if name == "abs" and len(args) != 1:
        raise ExpressionError("E020", "abs() takes exactly one argument")
    if name == "round":
        if len(args) not in (1, 2):
            raise ExpressionError("E020", "round() takes a value and a number of decimals")
        if len(args) == 2 and not _is_places(args[1]):
            raise ExpressionError(
                "E020",
                f"round()'s second argument must be a whole number from 0 to {MAX_ROUND_PLACES}",
            )
    if not args:
        raise ExpressionError("E020", f"{name}() needs at least one argument")


def _is_places(node: Node) -> bool:
    if not isinstance(node, Num):
        return False
    value = node.value
    return value == value.to_integral_value() and 0 <= value <= MAX_ROUND_PLACES


_OPERATOR_HINTS = {
    ast.Mod: "for a percentage write A / B * 100",
    ast.Pow: "powers are not supported: write A * A",
    ast.BitXor: "powers are not supported: write A * A",
    ast.BitAnd: "write 'and' to join two comparisons",
    ast.BitOr: "write 'or' to join two comparisons",
}


def _forbidden_operator(op: ast.AST) -> ExpressionError:
    text = _OPERATOR_TEXT.get(type(op), type(op).__name__)
    hint = _OPERATOR_HINTS.get(type(op))
    return ExpressionError("E021", f"operator '{text}' is not allowed" + (f"; {hint}" if hint else ""))


__all__ = [
    "CONTEXT",
    "CROSS_CHECK_SYNTAX",
    "FUNCTIONS",
    "Expression",
    "ExpressionError",
    "FormatNames",
    "parse_expression",
    "quantize",
]
