"""`flask mpr seed` refuses a wrong master-list file whole; a second `flask mpr sync` is silent (7 f)."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

BAD_MASTERS = """\
CALLBOOK_REASON:
  - {key: dept_appeal, label: "Lower case"}
  - {key: NEW_REASON, label: "A good item, not loaded because the file is wrong"}
NO_SUCH_LIST:
  - {key: X, label: "Undeclared list"}
"""


def _master_items(app) -> int:
    from app.extensions import db
    from app.models.masters import MasterItem

    with app.app_context():
        return db.session.execute(select(func.count(MasterItem.id))).scalar_one()


def test_seed_refuses_a_master_file_with_every_problem_listed_and_loads_nothing(app, tmp_path):
    masters = tmp_path / "masters.yaml"
    masters.write_text(BAD_MASTERS)
    before = _master_items(app)
    result = app.test_cli_runner().invoke(args=["mpr", "seed", "--masters", str(masters)])
    assert result.exit_code == 1
    assert "masters.yaml:2 CALLBOOK_REASON[0].key: 'dept_appeal' is not a row key" in result.output
    assert "masters.yaml:4 NO_SUCH_LIST: not a master list declared in the definitions" in result.output
    assert _master_items(app) == before


class _Warnings(logging.Handler):
    """Keeps each warning's text as it is logged (its arguments may be database rows)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


def test_a_second_sync_prints_no_warning(app):
    caught = _Warnings()
    root = logging.getLogger()
    root.addHandler(caught)
    try:
        result = app.test_cli_runner().invoke(args=["mpr", "sync"])  # the app was synced when built
    finally:
        root.removeHandler(caught)
    assert result.exit_code == 0, result.output
    assert "core schema is at the head revision" in result.output
    assert "format tables are up to date" in result.output
    assert caught.messages == []
