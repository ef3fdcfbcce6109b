"""Returns written straight into the tables, for report tests (the cycle is tested elsewhere)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select

from app.definitions.months import Month
from app.extensions import db
from app.models.org import Office
from app.models.returns import MprReturn
from app.services.engine import calculation, catalogue


def put_return(
    fmt_code: str, office_code: str, month: Month, status: str, rows: dict[str, dict[str, Any]], amended=False
) -> int:
    """Store one return with `rows` (computed cells recomputed); inside an app context. Returns its id."""
    fmt = catalogue.definitions().format(fmt_code)
    office = db.session.execute(select(Office).where(Office.code == office_code)).scalar_one()
    stamp = dt.datetime(2024, 1, 1)
    ret = MprReturn(
        format_code=fmt_code,
        office_id=office.id,
        period=month.first_day,
        status=status,
        amended=amended,
        created_at=stamp,
        updated_at=stamp,
    )
    db.session.add(ret)
    db.session.flush()
    table = catalogue.table_of(fmt)
    records = []
    for position, (key, cells) in enumerate(rows.items()):
        computed = calculation.compute_row(fmt, month, cells)
        records.append(
            {
                "return_id": ret.id,
                "row_key": key,
                "position": position,
                **{c.db_name: computed.get(c.code) for c in fmt.columns},
            }
        )
    if records:
        db.session.execute(insert(table), records)
    db.session.commit()
    return ret.id
