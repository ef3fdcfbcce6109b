"""The nodes of a parsed formula: each evaluates itself with Decimal and writes itself as JS.

Values during evaluation are a Decimal, a bool, BLANK (a cell with no value) or None
(an undefined result such as a division by zero). BLANK counts as 0 in arithmetic and
comparisons; None makes every arithmetic, function, comparison and boolean result None.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

# Enough digits for amounts in crores multiplied together; rounding only at the end.
CONTEXT = Context(prec=50, rounding=ROUND_HALF_UP)
ZERO = Decimal(0)
# Text accepted as a number (the JS runtime uses the same pattern); commas are removed first.
NUMBER_TEXT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,2})?$")


class _Blank:
    """The value of a blank cell (distinct from None, an undefined result)."""

    _instance: "_Blank | None" = None

    def __new__(cls) -> "_Blank":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "BLANK"


BLANK = _Blank()
Value = Decimal | bool | _Blank | None
Values = Mapping[str, object]


def to_decimal(raw: object) -> Decimal | _Blank:
    """A cell value as Decimal, or BLANK for None, '' and text that is not a number."""
    if raw is None or isinstance(raw, _Blank):
        return BLANK
    if isinstance(raw, bool):
        return Decimal(int(raw))
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else BLANK
    if isinstance(raw, int):
        return Decimal(raw)
    text = repr(raw) if isinstance(raw, float) else str(raw).replace(",", "").strip()
    if not NUMBER_TEXT.match(text):
        return BLANK
    return Decimal(text)


def arith(value: Value) -> Decimal | None:
    """A value as used in arithmetic: BLANK is 0, true/false are 1/0, None stays None."""
    if value is None:
        return None
    if isinstance(value, _Blank):
        return ZERO
    if isinstance(value, bool):
        return Decimal(int(value))
    return value


def truth(value: Value) -> bool:
    """Truthiness of a non-None value: BLANK and 0 are false."""
    if isinstance(value, bool):
        return value
    number = arith(value)
    return number is not None and number != 0


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round half away from zero to `places` decimals; -0 becomes 0."""
    try:
        result = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=CONTEXT)
    except InvalidOperation:  # more digits than the context holds: leave as is
        result = value
    return abs(result) if result == 0 else result


_COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_ARITH_JS = {"+": "add", "-": "sub", "*": "mul", "/": "div"}


class Node:
    """Base of the formula nodes."""

    def eval(self, values: Values) -> Value:  # pragma: no cover - abstract
        """Evaluate against a row's values."""
        raise NotImplementedError

    def js(self) -> str:  # pragma: no cover - abstract
        """The node as a JavaScript expression over the runtime `F` and lookup `v`."""
        raise NotImplementedError


@dataclass(frozen=True)
class Num(Node):
    """A number literal."""

    value: Decimal

    def eval(self, values: Values) -> Value:
        """The number itself."""
        return self.value

    def js(self) -> str:
        """A plain decimal literal such as 12.5."""
        return format(self.value, "f")


@dataclass(frozen=True)
class Name(Node):
    """A column code of the same row."""

    code: str

    def eval(self, values: Values) -> Value:
        """The cell's value, BLANK when it has none."""
        return to_decimal(values.get(self.code))

    def js(self) -> str:
        """F.get(v,"CODE") with the code JSON-quoted."""
        return f"F.get(v,{json.dumps(self.code)})"


@dataclass(frozen=True)
class Unary(Node):
    """Unary minus or plus."""

    op: str
    operand: Node

    def eval(self, values: Values) -> Value:
        """Negate (or just read) the operand as a number."""
        number = arith(self.operand.eval(values))
        if number is None:
            return None
        return CONTEXT.minus(number) if self.op == "-" else number

    def js(self) -> str:
        """F.neg(x) or F.pos(x)."""
        return f"F.{'neg' if self.op == '-' else 'pos'}({self.operand.js()})"


@dataclass(frozen=True)
class BinOp(Node):
    """Addition, subtraction, multiplication or division."""

    op: str
    left: Node
    right: Node

    def eval(self, values: Values) -> Value:
        """Decimal arithmetic; division by zero gives None."""
        left, right = arith(self.left.eval(values)), arith(self.right.eval(values))
        if left is None or right is None:
            return None
        if self.op == "+":
            return CONTEXT.add(left, right)
        if self.op == "-":
            return CONTEXT.subtract(left, right)
        if self.op == "*":
            return CONTEXT.multiply(left, right)
        return None if right == 0 else CONTEXT.divide(left, right)

    def js(self) -> str:
        """F.add/sub/mul/div(a,b)."""
        return f"F.{_ARITH_JS[self.op]}({self.left.js()},{self.right.js()})"


@dataclass(frozen=True)
class Compare(Node):
    """A comparison, possibly chained (a <= b < c), on values rounded to 2 decimals."""

    first: Node
    ops: tuple[str, ...]
    rest: tuple[Node, ...]

    def eval(self, values: Values) -> Value:
        """True/False, or None when an operand is undefined."""
        numbers = [arith(node.eval(values)) for node in (self.first, *self.rest)]
        if any(number is None for number in numbers):
            return None
        rounded = [round_half_up(number, 2) for number in numbers if number is not None]
        return all(_COMPARE[op](rounded[i], rounded[i + 1]) for i, op in enumerate(self.ops))

    def js(self) -> str:
        """F.cmp(a,"<",b,...)."""
        parts = [self.first.js()]
        for op, node in zip(self.ops, self.rest, strict=True):
            parts += [json.dumps(op), node.js()]
        return f"F.cmp({','.join(parts)})"


@dataclass(frozen=True)
class BoolOp(Node):
    """`and` / `or` over two or more operands (all evaluated; None if any is None)."""

    op: str
    operands: tuple[Node, ...]

    def eval(self, values: Values) -> Value:
        """True/False, or None when an operand is undefined."""
        results = [node.eval(values) for node in self.operands]
        if any(result is None for result in results):
            return None
        combine = all if self.op == "and" else any
        return combine(truth(result) for result in results)

    def js(self) -> str:
        """F.and(...) or F.or(...)."""
        return f"F.{self.op}({','.join(node.js() for node in self.operands)})"


@dataclass(frozen=True)
class Not(Node):
    """Boolean negation."""

    operand: Node

    def eval(self, values: Values) -> Value:
        """True/False, or None when the operand is undefined."""
        result = self.operand.eval(values)
        return None if result is None else not truth(result)

    def js(self) -> str:
        """F.not(x)."""
        return f"F.not({self.operand.js()})"


@dataclass(frozen=True)
class Call(Node):
    """sum/min/max/abs/round with positional arguments."""

    func: str
    args: tuple[Node, ...]

    def eval(self, values: Values) -> Value:
        """Apply the function; None if any argument is undefined."""
        numbers = [arith(node.eval(values)) for node in self.args]
        if any(number is None for number in numbers):
            return None
        args: list[Decimal] = [number for number in numbers if number is not None]
        if self.func == "sum":
            total = ZERO
            for number in args:
                total = CONTEXT.add(total, number)
            return total
        if self.func == "min":
            return min(args)
        if self.func == "max":
            return max(args)
        if self.func == "abs":
            return CONTEXT.abs(args[0])
        return round_half_up(args[0], int(args[1]) if len(args) > 1 else 0)

    def js(self) -> str:
        """F.sum(...), F.min(...), F.max(...), F.abs(x) or F.round(x,n)."""
        return f"F.{self.func}({','.join(node.js() for node in self.args)})"
