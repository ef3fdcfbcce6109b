"""Changing mpr_definitions.yaml on a database that holds data: additive sync, refusals, checks.

Each test gets a NEW database on every backend (a temporary SQLite file; a fresh
PostgreSQL database when TEST_DATABASE_URL is set), saves returns through the real
HTTP grid, then starts new apps on the same database with modified copies of the
definitions, as an administrator would after editing the file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from app import InvalidDefinitions, create_app
from app.services.sync.migrations import head_revision
from tests.conftest import _backends, build_app, fresh_postgres_database, make_config
from tests.http.conftest import ADJ2_FIRST_MONTH, get_grid, save_grid, single, stored

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "mpr_definitions.yaml"
REAL_TEXT = REAL.read_text(encoding="utf-8")

ADJ2_CELLS = dict(ADJ2_FIRST_MONTH)
REMAND = '    - {code: REMAND_NO, label: "Remanded cases received - No.", type: count, from: 2024-02}\n'
AGE_LINE = (
    '        - {code: AGE_GT_1Y_NO, label: "More than 1 year", label_hi: "1 वर्ष से अधिक", type: count}\n'  # noqa: E501
)
MOVING_TARGET = '    - {code: MOVING_TARGET, label: "Moving target", label_hi: "गतिशील लक्ष्य", type: amount}\n'
TAX_EVASION = (
    '    - {code: TAX_EVASION_AMT, label: "Amount of tax evasion involved",'
    ' label_hi: "निहित कर अपवंचन की राशि", type: amount}\n'
)


def edit_format(source: str, code: str, old: str, new: str) -> str:
    """Replace `old` by `new` inside one format's block of the YAML text (exactly once)."""
    start = source.index(f"\n- code: {code}\n")
    end = source.find("\n- code: ", start + 1)
    end = len(source) if end == -1 else end
    block = source[start:end]
    assert block.count(old) == 1, f"{old!r} is not unique in {code}"
    return source[:start] + block.replace(old, new) + source[end:]


def with_remand(source: str = REAL_TEXT) -> str:
    """DPM-GST-ADJ-2 gains an entered count column from Feb 2024."""
    return edit_format(source, "DPM-GST-ADJ-2", AGE_LINE, AGE_LINE + REMAND)


def without_moving_target(source: str = REAL_TEXT) -> str:
    """DDM-CUS-1 loses its MOVING_TARGET column."""
    return edit_format(source, "DDM-CUS-1", MOVING_TARGET, "")


def retyped_tax_evasion(source: str = REAL_TEXT) -> str:
    """GI-GST-5's TAX_EVASION_AMT becomes a count."""
    return edit_format(source, "GI-GST-5", TAX_EVASION, TAX_EVASION.replace("type: amount", "type: count"))


@pytest.fixture(params=_backends())
def fresh_url(request, tmp_path) -> Iterator[str]:
    """A database nobody has used yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sync.sqlite'}"
        return
    with fresh_postgres_database("mpr_sync") as url:
        yield url


@pytest.fixture
def apps() -> Iterator[list]:
    """Apps made by a test; their connections are closed afterwards."""
    made: list = []
    yield made
    for application in made:
        with application.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def write_definitions(tmp_path):
    """Write a definitions text to a file and return its path."""

    def _write(source: str, name: str = "mpr_definitions.yaml") -> Path:
        path = tmp_path / name
        path.write_text(source, encoding="utf-8")
        return path

    return _write


def new_app(url: str, definitions: Path, apps: list):
    """A new app on an existing database, started with `definitions` (no sync yet)."""
    application = create_app(make_config(url, MPR_DEFINITIONS=str(definitions)))
    apps.append(application)
    return application


def login(application, username: str):
    """A test client of `application` logged in as a demo user."""
    from tests.conftest import csrf_token

    client = application.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post(
        "/login/",
        data={"username": username, "password": application.config["MPR_DEMO_PASSWORD"], "csrf_token": token},
    )
    assert response.status_code == 302
    return client


def schema(url: str) -> dict[str, list[tuple[str, str]]]:
    """Every table with its columns and their types, as the database reports them."""
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return {
            table: [(c["name"], str(c["type"])) for c in found.get_columns(table)]
            for table in sorted(found.get_table_names())
        }
    finally:
        engine.dispose()


def run_sync(application) -> tuple[list[str], bool]:
    from app.services.sync.sync_all import sync_all

    with application.app_context():
        return sync_all()


@contextmanager
def seeded(url: str, apps: list):
    """The real definitions, synced and seeded, with one DPM-GST-ADJ-2 and one DDM-CUS-1 return."""
    application = build_app(url)
    apps.append(application)
    office = login(application, "cgst-mum-e")
    save_grid(office, "dpm_gst_adj_2", "CGST-MUM-E", "2024-01", single(ADJ2_CELLS))
    customs = login(application, "mum-nch-imp1")
    save_grid(customs, "ddm_cus_1", "MUM-NCH-IMP1", "2018-03", single({"MOVING_TARGET": "900.00"}))
    yield application


# ------------------------------------------------------------------ additive change


def test_sync_adds_a_column_from_a_later_month_and_keeps_the_data(fresh_url, apps, write_definitions):
    with seeded(fresh_url, apps) as first:
        before = stored(first, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01")
    assert "remand_no" not in dict(schema(fresh_url)["mpr_dpm_gst_adj_2"])

    second = new_app(fresh_url, write_definitions(with_remand()), apps)
    lines, ok = run_sync(second)
    assert ok, lines
    assert "add column mpr_dpm_gst_adj_2.remand_no" in lines
    assert not any(line.startswith("REFUSED") for line in lines)
    columns = dict(schema(fresh_url)["mpr_dpm_gst_adj_2"])
    assert "remand_no" in columns and "INT" in columns["remand_no"].upper()

    after = stored(second, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01")
    assert after["_"].pop("REMAND_NO") is None
    assert after == before
    assert before["_"]["CLOSING_NO"] == 11
    assert stored(second, "DDM-CUS-1", "MUM-NCH-IMP1", "2018-03")["_"]["MOVING_TARGET"] == Decimal("900.00")

    client = login(second, "cgst-mum-e")
    january = get_grid(client, "dpm_gst_adj_2", "CGST-MUM-E", "2024-01")
    assert "REMAND_NO" not in january.columns
    assert january.value("_", "CLOSING_NO") == "11"
    february = get_grid(client, "dpm_gst_adj_2", "CGST-MUM-E", "2024-02")
    assert "REMAND_NO" in february.columns
    assert ("_", "REMAND_NO") in february.inputs
    assert february.value("_", "OPENING_NO") == "11"  # still carried from January
    save_grid(client, "dpm_gst_adj_2", "CGST-MUM-E", "2024-02", single({"REMAND_NO": "3"}), page=february)
    assert stored(second, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-02")["_"]["REMAND_NO"] == 3

    # running sync again changes nothing
    lines, ok = run_sync(second)
    assert ok and lines[:2] == [
        f"core schema is at the head revision {head_revision()}",
        "format tables are up to date",
    ], lines


FED_REMAND = (
    '    - {code: REMAND_FED_NO, label: "Remanded cases received (GSTN)", label_hi: "प्राप्त प्रतिप्रेषित मामले",'
    " type: count, fed: GSTN, from: 2024-02}\n"
)


def test_a_fed_column_added_keeps_the_data_and_only_its_source_feeds_it(fresh_url, apps, write_definitions):
    with seeded(fresh_url, apps) as first:
        before = stored(first, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01")
    fed = edit_format(REAL_TEXT, "DPM-GST-ADJ-2", AGE_LINE, AGE_LINE + FED_REMAND)
    second = new_app(fresh_url, write_definitions(fed), apps)
    lines, ok = run_sync(second)
    assert ok and "add column mpr_dpm_gst_adj_2.remand_fed_no" in lines, lines
    after = stored(second, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01")
    assert after["_"].pop("REMAND_FED_NO") is None and after == before

    client = login(second, "cgst-mum-e")
    february = get_grid(client, "dpm_gst_adj_2", "CGST-MUM-E", "2024-02")
    assert "REMAND_FED_NO" in february.columns and ("_", "REMAND_FED_NO") not in february.inputs
    assert "Not fed yet from GSTN" in february.text
    api = second.test_client()
    password = second.config["MPR_DEMO_PASSWORD"]
    login_body = {"username": "gstn-feed", "password": password, "provider": "db"}
    token = api.post("/api/v1/security/login", json=login_body).get_json()["access_token"]
    url = "/api/v1/mpr/returns/DPM-GST-ADJ-2/CGST-MUM-E/2024-02/fed"
    headers = {"Authorization": f"Bearer {token}"}
    fed_answer = api.put(url, headers=headers, json={"rows": {"_": {"REMAND_FED_NO": 2}}})
    assert fed_answer.status_code == 200, fed_answer.get_json()
    assert stored(second, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-02")["_"]["REMAND_FED_NO"] == 2
    refused = api.put(url, headers=headers, json={"rows": {"_": {"RECEIPT_NO": 2}}})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["code"] == "not_fed"
    assert "Fed from GSTN" in get_grid(client, "dpm_gst_adj_2", "CGST-MUM-E", "2024-02").text


# ------------------------------------------------------------------ a replacement with carried columns

PENDING = (
    '    - {code: PENDING_OPENING, label: "Claims pending - opening", type: count, carry: PENDING_CLOSING}\n'
    '    - {code: PENDING_RECEIVED, label: "Claims received", type: count}\n'
    '    - {code: PENDING_CLOSING, label: "Claims pending - closing", type: count,\n'
    '       formula: "PENDING_OPENING + PENDING_RECEIVED"}\n'
)


def test_a_replacement_format_takes_its_first_opening_from_the_replaced_one(
    fresh_url, apps, write_definitions
):
    # The real DDM-CUS-1 / DDM-CUS-1A have no carried columns; give both a pending balance.
    source = edit_format(REAL_TEXT, "DDM-CUS-1", MOVING_TARGET, MOVING_TARGET + PENDING)
    source = edit_format(source, "DDM-CUS-1A", MOVING_TARGET, MOVING_TARGET + PENDING)
    application = build_app(fresh_url, MPR_DEFINITIONS=str(write_definitions(source)))
    apps.append(application)
    client = login(application, "mum-nch-imp1")

    march = get_grid(client, "ddm_cus_1", "MUM-NCH-IMP1", "2018-03")
    assert ("_", "PENDING_OPENING") in march.inputs  # the office's first month: entered once
    cells = single({"PENDING_OPENING": "5", "PENDING_RECEIVED": "2"})
    save_grid(client, "ddm_cus_1", "MUM-NCH-IMP1", "2018-03", cells, page=march)

    april = get_grid(client, "ddm_cus_1a", "MUM-NCH-IMP1", "2018-04")
    assert april.value("_", "PENDING_OPENING") == "7"  # DDM-CUS-1's March closing
    assert ("_", "PENDING_OPENING") not in april.inputs
    assert "First month for this office" not in april.text
    cells = single({"PENDING_OPENING": "100", "PENDING_RECEIVED": "1"})
    save_grid(client, "ddm_cus_1a", "MUM-NCH-IMP1", "2018-04", cells, page=april)
    assert stored(application, "DDM-CUS-1A", "MUM-NCH-IMP1", "2018-04")["_"]["PENDING_CLOSING"] == 8

    # correcting March flows across the hand-over into DDM-CUS-1A's April
    save_grid(client, "ddm_cus_1", "MUM-NCH-IMP1", "2018-03", single({"PENDING_RECEIVED": "4"}))
    april = stored(application, "DDM-CUS-1A", "MUM-NCH-IMP1", "2018-04")["_"]
    assert (april["PENDING_OPENING"], april["PENDING_CLOSING"]) == (9, 10)

    # another office that stopped in February cannot start DDM-CUS-1A in April
    other = login(application, "mum-nch-exp1")
    save_grid(other, "ddm_cus_1", "MUM-NCH-EXP1", "2018-02", single({"PENDING_OPENING": "1"}))
    response = other.get("/mpr/f/ddm_cus_1a/MUM-NCH-EXP1/2018-04", follow_redirects=True)
    assert "Fill March 2018 first" in response.get_data(as_text=True)


# ------------------------------------------------------------------ refused changes


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            without_moving_target,
            "format DDM-CUS-1: column MOVING_TARGET is in the database but not in the definitions",
        ),
        (retyped_tax_evasion, "format GI-GST-5: column TAX_EVASION_AMT would change type"),
        # an addition next to a refused change is not applied either: all or nothing
        (lambda: without_moving_target(with_remand()), "format DDM-CUS-1: column MOVING_TARGET"),
    ],
    ids=["removed-column", "retyped-column", "added-and-removed"],
)
def test_sync_refuses_changes_that_would_lose_data(fresh_url, apps, write_definitions, change, expected):
    with seeded(fresh_url, apps) as first:
        data_before = (
            stored(first, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01"),
            stored(first, "DDM-CUS-1", "MUM-NCH-IMP1", "2018-03"),
        )
    schema_before = schema(fresh_url)

    changed = new_app(fresh_url, write_definitions(change()), apps)
    lines, ok = run_sync(changed)

    assert not ok
    refused = [line for line in lines if line.startswith("REFUSED")]
    assert len(refused) == 1, lines
    assert expected in refused[0]
    assert "Nothing was changed" in lines[-1]
    assert schema(fresh_url) == schema_before
    assert "remand_no" not in dict(schema(fresh_url)["mpr_dpm_gst_adj_2"])

    original = new_app(fresh_url, REAL, apps)
    assert (
        stored(original, "DPM-GST-ADJ-2", "CGST-MUM-E", "2024-01"),
        stored(original, "DDM-CUS-1", "MUM-NCH-IMP1", "2018-03"),
    ) == data_before
    assert data_before[1]["_"]["MOVING_TARGET"] == Decimal("900.00")


def flask_cli(*args: str, definitions: Path, url: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `flask --app run ARGS` in a fresh process, as an administrator would."""
    env = {**os.environ, "MPR_DEFINITIONS": str(definitions), "DATABASE_URL": url, "SECRET_KEY": "test-only"}
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), "--app", "run", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_flask_mpr_sync_refuses_to_drop_a_whole_format(fresh_url, apps, write_definitions):
    # a fresh process: its metadata holds only the tables of the file it was started with
    with seeded(fresh_url, apps):
        pass
    schema_before = schema(fresh_url)
    start = REAL_TEXT.index("\n- code: DPM-GST-ADJ-3\n")
    end = REAL_TEXT.index("\n- code: ", start + 1)
    dropped = write_definitions(REAL_TEXT[:start] + REAL_TEXT[end:])

    result = flask_cli("mpr", "sync", definitions=dropped, url=fresh_url)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "REFUSED: table mpr_dpm_gst_adj_3 holds a format that is no longer in the definitions" in (
        result.stderr
    )
    assert "Nothing was changed" in result.stdout
    assert schema(fresh_url) == schema_before

    added = flask_cli(
        "mpr", "sync", definitions=write_definitions(with_remand(), "added.yaml"), url=fresh_url
    )
    assert added.returncode == 0, added.stdout + added.stderr
    assert "add column mpr_dpm_gst_adj_2.remand_no" in added.stdout
    assert "remand_no" in dict(schema(fresh_url)["mpr_dpm_gst_adj_2"])


# ------------------------------------------------------------------ flask mpr check


def broken_definitions() -> tuple[str, dict[str, int]]:
    """The real file with a misspelt formula reference and an unknown key; their line numbers."""
    source = edit_format(
        REAL_TEXT,
        "DPM-GST-ADJ-2",
        'formula: "OPENING_NO + RECEIPT_NO - DISPOSAL_TOTAL_NO"',
        'formula: "OPENING_NO + RECEIPT_NO - DISPOSAL_TOTL_NO"',
    )
    source = edit_format(source, "GI-GST-5", "  unit: lakh\n", "  unit: lakh\n  colour: red\n")
    lines = source.splitlines()
    return source, {
        "E022": next(i for i, line in enumerate(lines, 1) if "DISPOSAL_TOTL_NO" in line),
        "E002": next(i for i, line in enumerate(lines, 1) if line == "  colour: red"),
    }


REPORT_LINE = re.compile(r"^(?P<file>\S+):(?P<line>\d+) (?P<path>\S+): (?P<code>E\d{3}) (?P<message>.+)$")


def _problems(output: str) -> dict[str, tuple[str, int, str, str]]:
    found = {}
    for line in output.splitlines():
        match = REPORT_LINE.match(line)
        if match:
            found[match["code"]] = (match["file"], int(match["line"]), match["path"], match["message"])
    return found


def test_flask_mpr_check_reports_every_problem_with_file_and_line(tmp_path, write_definitions, apps):
    source, where = broken_definitions()
    broken = write_definitions(source, "broken.yaml")
    application = create_app(make_config(f"sqlite:///{tmp_path / 'cli.sqlite'}"))
    apps.append(application)
    runner = application.test_cli_runner()

    result = runner.invoke(args=["mpr", "check", str(broken)])
    assert result.exit_code == 1
    problems = _problems(result.output)
    assert set(problems) == {"E002", "E022"}, result.output
    file, line, path, message = problems["E022"]
    assert (file, line) == (str(broken), where["E022"])
    assert re.fullmatch(r"formats\[\d+\]\.columns\[\d+\](\.columns\[\d+\])*\.formula", path), path
    assert "DISPOSAL_TOTL_NO" in message and "DISPOSAL_TOTAL_NO" in message  # did you mean ...
    file, line, path, message = problems["E002"]
    assert (file, line) == (str(broken), where["E002"])
    assert path.endswith(".colour")
    assert "2 problems found" in result.output

    result = runner.invoke(args=["mpr", "check", str(REAL)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    assert _problems(result.output) == {}


def test_create_app_refuses_an_invalid_file_but_the_cli_can_report_it(tmp_path, write_definitions, apps):
    source, where = broken_definitions()
    broken = write_definitions(source, "broken.yaml")
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    with pytest.raises(InvalidDefinitions) as refused:
        create_app(make_config(url, MPR_DEFINITIONS=str(broken)))
    assert f"{broken}:{where['E022']} " in str(refused.value)
    assert "E022" in str(refused.value) and "E002" in str(refused.value)

    tolerant = create_app(make_config(url, MPR_DEFINITIONS=str(broken)), tolerate_invalid=True)
    apps.append(tolerant)
    runner = tolerant.test_cli_runner()
    check = runner.invoke(args=["mpr", "check"])
    assert check.exit_code == 1
    assert set(_problems(check.output)) == {"E002", "E022"}
    sync = runner.invoke(args=["mpr", "sync"])  # every other command still refuses to run
    assert sync.exit_code == 1
    assert "E022" in sync.output
    assert "mpr_return" not in schema(url)


@pytest.mark.parametrize("valid", [True, False], ids=["real-file", "broken-file"])
def test_flask_mpr_check_from_the_command_line(tmp_path, write_definitions, valid):
    path = REAL if valid else write_definitions(broken_definitions()[0], "broken.yaml")
    result = flask_cli("mpr", "check", definitions=path, url=f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert result.returncode == (0 if valid else 1), result.stdout + result.stderr
    if valid:
        assert "OK" in result.stdout
    else:
        assert set(_problems(result.stderr)) == {"E002", "E022"}, result.stderr


NO_BOOT = """
import sys
import app

def refuse(*args, **kwargs):
    raise SystemExit("create_app was called")

app.create_app = refuse
sys.argv = ["flask", "--app", "run", "mpr", "check", *sys.argv[1:]]
from flask.cli import main
main()
"""


def test_flask_mpr_check_answers_without_booting_the_application(write_definitions):
    broken = write_definitions(broken_definitions()[0], "broken.yaml")
    env = {**os.environ, "SECRET_KEY": "test-only"}
    for args, code in (([], 0), ([str(broken)], 1)):
        result = subprocess.run(
            [sys.executable, "-c", NO_BOOT, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == code, result.stdout + result.stderr
        assert "create_app was called" not in result.stderr
    assert set(_problems(result.stderr)) == {"E002", "E022"}


# ------------------------------------------------------------------ a computed row added

OTHERS_LINE = '      - {key: OTHERS, label: "Others", label_hi: "अन्य"}\n'
AUDIT_AND_EVASION = (
    '      - {key: AUDIT_AND_EVASION, label: "Audit and anti-evasion", label_hi: "लेखापरीक्षा और अपवंचन-रोधी",'
    ' formula: "AUDIT_RECOVERY + ANTI_EVASION_RECOVERY_INCLUDING_TRANSIT_CHECKS"}\n'
)


def test_a_computed_row_added_to_a_format_holding_data_needs_no_table_change(
    fresh_url, apps, write_definitions
):
    with seeded(fresh_url, apps) as first:
        office = login(first, "cgst-mum-e")
        cells = {
            ("AUDIT_RECOVERY", "FOR_MONTH"): "12.50",
            ("ANTI_EVASION_RECOVERY_INCLUDING_TRANSIT_CHECKS", "FOR_MONTH"): "7.25",
        }
        save_grid(office, "ddm_gst_2", "CGST-MUM-E", "2024-01", cells)
        before = stored(first, "DDM-GST-2", "CGST-MUM-E", "2024-01")
    tables = schema(fresh_url)

    second = new_app(
        fresh_url,
        write_definitions(edit_format(REAL_TEXT, "DDM-GST-2", OTHERS_LINE, OTHERS_LINE + AUDIT_AND_EVASION)),
        apps,
    )
    lines, ok = run_sync(second)
    assert ok and "format tables are up to date" in lines, lines
    assert schema(fresh_url) == tables  # rows are data: a new row changes no table
    assert stored(second, "DDM-GST-2", "CGST-MUM-E", "2024-01") == before  # not stored until saved

    client = login(second, "cgst-mum-e")
    page = get_grid(client, "ddm_gst_2", "CGST-MUM-E", "2024-01")
    assert page.value("AUDIT_AND_EVASION", "FOR_MONTH") == "19.75"  # computed from the stored rows
    assert ("AUDIT_AND_EVASION", "FOR_MONTH") not in page.inputs
    assert page.value("TOTAL", "FOR_MONTH") == "19.75"  # the total adds the entered rows only
    save_grid(client, "ddm_gst_2", "CGST-MUM-E", "2024-01", {("OTHERS", "FOR_MONTH"): "1.00"}, page=page)
    after = stored(second, "DDM-GST-2", "CGST-MUM-E", "2024-01")
    assert after["AUDIT_AND_EVASION"]["FOR_MONTH"] == Decimal("19.75")  # stored on the next save
