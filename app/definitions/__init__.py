"""The definitions layer: mpr_definitions.yaml read into validated, immutable objects.

Pure Python: nothing here imports Flask or SQLAlchemy.
"""

from __future__ import annotations

from .errors import DefinitionError, DefinitionErrors
from .expressions import Expression, ExpressionError, parse_expression, quantize
from .loader import check_definitions, load_definitions, load_definitions_text
from .months import Month, in_force
from .schema import (
    CheckDef,
    ColumnDef,
    DefinitionSet,
    DerivedDef,
    FormatDef,
    MasterDef,
    OwnerDef,
    PartDef,
    RowDef,
    RowSpec,
)

__all__ = [
    "CheckDef",
    "ColumnDef",
    "DefinitionError",
    "DefinitionErrors",
    "DefinitionSet",
    "DerivedDef",
    "Expression",
    "ExpressionError",
    "FormatDef",
    "MasterDef",
    "Month",
    "OwnerDef",
    "PartDef",
    "RowDef",
    "RowSpec",
    "check_definitions",
    "in_force",
    "load_definitions",
    "load_definitions_text",
    "parse_expression",
    "quantize",
]
