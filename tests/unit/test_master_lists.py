"""Loading master items refuses keys outside the documented pattern and undeclared lists (issue 7 f).

Every problem is reported at once with its line, like the definitions loader.
"""

from __future__ import annotations

import pytest

from app.services.accounts.masters import MasterListErrors, check_masters

DECLARED = {"CALLBOOK_REASON", "REFUND_CATEGORY"}
GOOD = """\
CALLBOOK_REASON:
  - {key: DEPT_APPEAL, label: "Department appeal"}
  - {key: AUDIT_OBJECTION, label: "Audit objection", until: "2016-03"}
"""


def test_a_good_file_gives_every_item_in_order():
    rows = check_masters(GOOD, DECLARED)
    assert [(r.master, r.key, r.position, r.valid_until) for r in rows] == [
        ("CALLBOOK_REASON", "DEPT_APPEAL", 0, None),
        ("CALLBOOK_REASON", "AUDIT_OBJECTION", 1, "2016-03"),
    ]


def test_every_problem_is_reported_at_once_with_its_line():
    text = """\
CALLBOOK_REASON:
  - {key: dept appeal, label: "Lower case and a space"}
  - {key: 9LIVES, label: "Starts with a digit"}
  - {key: OK_KEY, label: "Fine", colour: red}
  - {key: OK_KEY, label: "Repeated"}
  - {key: LATE, label: "Bad month", from: "2016-13"}
  - {key: NO_LABEL}
REFUND_CATEGORYS:
  - {key: EXCESS_CASH_LEDGER, label: "Misspelt list"}
"""
    with pytest.raises(MasterListErrors) as raised:
        check_masters(text, DECLARED)
    problems = raised.value.problems
    assert problems == [
        "masters.yaml:2 CALLBOOK_REASON[0].key: 'dept appeal' is not a row key (capitals, digits and _)",
        "masters.yaml:3 CALLBOOK_REASON[1].key: '9LIVES' is not a row key (capitals, digits and _)",
        "masters.yaml:4 CALLBOOK_REASON[2].colour: unknown key",
        "masters.yaml:5 CALLBOOK_REASON[3].key: 'OK_KEY' is repeated",
        "masters.yaml:6 CALLBOOK_REASON[4].from: '2016-13' is not a month (quote it as \"YYYY-MM\")",
        "masters.yaml:7 CALLBOOK_REASON[5].label: a label is required",
        "masters.yaml:8 REFUND_CATEGORYS: not a master list declared in the definitions "
        "(CALLBOOK_REASON, REFUND_CATEGORY)",
    ]


def test_invalid_yaml_and_a_list_that_is_not_a_list():
    with pytest.raises(MasterListErrors, match=r"masters.yaml:3 "):
        check_masters("CALLBOOK_REASON:\n  - {key: [\n", DECLARED)
    with pytest.raises(MasterListErrors, match="CALLBOOK_REASON: the items are a list"):
        check_masters("CALLBOOK_REASON: DEPT_APPEAL\n", DECLARED)


def test_an_item_may_carry_its_label_in_hindi_written_in_devanagari():
    text = GOOD.replace('label: "Department appeal"', 'label: "Department appeal", label_hi: "विभागीय अपील"')
    rows = check_masters(text, DECLARED)
    assert [(r.key, r.label_hi) for r in rows] == [("DEPT_APPEAL", "विभागीय अपील"), ("AUDIT_OBJECTION", None)]
    with pytest.raises(MasterListErrors) as raised:
        check_masters(
            GOOD.replace('label: "Audit objection"', 'label: "Audit objection", label_hi: "Apatti"'), DECLARED
        )
    assert raised.value.problems == [
        "masters.yaml:3 CALLBOOK_REASON[1].label_hi: 'Apatti' has no Devanagari letters;"
        " write the Hindi in Devanagari, or leave label_hi out to show the English"
    ]
