"""`flask mpr ...`: check, sync, migration, seed, masters, demo-users, generate-national, remind, ..."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.config_paths import SEED_DIR

mpr = AppGroup("mpr", help="MPR administration: definitions, database, demo data.")


def _refuse_if_invalid() -> None:
    report = current_app.extensions.get("mpr_definition_errors")
    if report:
        click.echo(report, err=True)
        raise SystemExit(1)


@mpr.command("check")
@click.argument("path", required=False)
def check_command(path: str | None) -> None:
    """Check mpr_definitions.yaml (or PATH): print every problem, exit 1 if any."""
    from app.definitions.cli_report import format_report

    text, code = format_report(path or current_app.config["MPR_DEFINITIONS"])
    click.echo(text, err=code != 0)
    raise SystemExit(code)


def definitions_check_app(config_class: type) -> Flask:
    """A bare Flask app offering only `flask mpr check`: the definitions layer, no database, no FAB."""
    app = Flask("app")
    app.config["MPR_DEFINITIONS"] = config_class.MPR_DEFINITIONS
    check_only = AppGroup("mpr", help=mpr.help)
    check_only.add_command(check_command)
    app.cli.add_command(check_only)
    return app


@mpr.command("sync")
@click.option("--dry-run", is_flag=True, help="Only print what would change.")
def sync_command(dry_run: bool) -> None:
    """Bring the database up to the definitions and sync permissions and roles."""
    _refuse_if_invalid()
    from app.services.sync.sync_all import sync_all

    lines, ok = sync_all(dry_run=dry_run)
    for line in lines:
        click.echo(line, err=line.startswith("REFUSED"))
    raise SystemExit(0 if ok else 1)


@mpr.command("migration")
@click.argument("message")
def migration_command(message: str) -> None:
    """Write the migration for the core models' changes since the head revision (developers)."""
    _refuse_if_invalid()
    from app.services.sync.migrations import new_migration

    path = new_migration(message)
    if path is None:
        click.echo("The core models match the head revision: no migration needed.")
        return
    click.echo(f"Wrote {path.relative_to(path.parents[2])}: review it, then commit it with the model change.")


def _print_counts(load: Callable[[], dict[str, int]], refusal: type[Exception]) -> None:
    """Run a loader and print what it counted; on its refusal, print why on stderr and exit 1."""
    try:
        counts = load()
    except refusal as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


@mpr.command("seed")
@click.option("--organisation", default=str(SEED_DIR / "organisation.yaml"), show_default=True)
@click.option("--masters", default=None, help="Master lists YAML (default: MPR_MASTERS).")
def seed_command(organisation: str, masters: str | None) -> None:
    """Load the demo organisation, demo users and master lists (safe to repeat)."""
    _refuse_if_invalid()
    from app.services.accounts.seeding import SeedError, seed_demo

    _print_counts(lambda: seed_demo(organisation, masters or current_app.config["MPR_MASTERS"]), SeedError)


@mpr.command("demo-users")
def demo_users_command() -> None:
    """Print the demo logins as CSV: username, password, role, office."""
    _refuse_if_invalid()
    from app.services.accounts.seeding import demo_users

    writer = csv.writer(sys.stdout)
    writer.writerow(["username", "password", "role", "office"])
    for user in demo_users():
        writer.writerow([user.username, user.password, user.role, user.office])


@mpr.command("demo-history")
def demo_history_command() -> None:
    """Write two financial years of demo returns (skipped once any return exists)."""
    _refuse_if_invalid()
    from app.demo.history import seed_demo_history

    counts = seed_demo_history()
    if not counts:
        click.echo("Returns already exist: the demo history was not written again.")
        return
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


@mpr.command("generate-national")
@click.option("--zones", default=25, show_default=True, help="Zones (12 commissionerates each).")
@click.option("--commissionerates-per-zone", default=12, show_default=True)
@click.option("--months", default=24, show_default=True, help="Months of returns, ending last month.")
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
def generate_national_command(zones: int, commissionerates_per_zone: int, months: int, seed: int) -> None:
    """Add a national-size synthetic organisation and its returns (benchmarks; not for production)."""
    _refuse_if_invalid()
    from app.demo.national import NationalDataExists, NationalPlan, generate_national

    plan = NationalPlan(
        zones=zones, commissionerates_per_zone=commissionerates_per_zone, months=months, seed=seed
    )
    _print_counts(lambda: generate_national(plan), NationalDataExists)


@mpr.command("verify-audit")
def verify_audit_command() -> None:
    """Check every audit chain and its anchors: report altered, deleted, inserted or back-dated events."""
    _refuse_if_invalid()
    from app.services.audit import verify_chains

    reports = verify_chains()
    problems = [p for r in reports for p in r.problems]
    for report in reports:
        found = len(report.problems)
        line = f"{report.chain}: {report.events} events, head {report.head_seq}, {found} problem(s)"
        click.echo(line, err=bool(found))
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
    count = sum(r.events for r in reports)
    summary = f"{count} audit events checked in {len(reports)} chain(s), {len(problems)} problem(s)"
    click.echo(summary, err=bool(problems))
    raise SystemExit(1 if problems else 0)


@mpr.command("anchor-audit")
def anchor_audit_command() -> None:
    """Record each office audit chain's moved head in the global chain (run it from the scheduler)."""
    _refuse_if_invalid()
    from app.extensions import db
    from app.services.audit import anchor_all

    anchored = anchor_all()
    db.session.commit()
    click.echo(f"{anchored} chain(s) anchored")


@mpr.command("provision")
@click.option(
    "--csv", "csv_path", type=click.Path(exists=True, dir_okay=False), help="username,role,office rows."
)
@click.option("--zone", help="Provision the Zone and every office under it.")
@click.option(
    "--include-settled",
    is_flag=True,
    help="With --zone: also give users who already set their own password a new one-time password.",
)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="Hand-over workbook (.xlsx) to write."
)
def provision_command(csv_path: str | None, zone: str | None, include_settled: bool, out: str) -> None:
    """Create users with one-time passwords; write the hand-over sheet (one tab per Zone)."""
    _refuse_if_invalid()
    from app.services.accounts import provisioning

    if bool(csv_path) == bool(zone):
        raise click.UsageError("give exactly one of --csv or --zone")
    try:
        if zone:
            issued = provisioning.for_zone(zone, "cli", include_settled)
        else:
            with open(csv_path, encoding="utf-8-sig") as handle:
                issued = provisioning.from_csv(handle.read(), "cli")
    except provisioning.ProvisioningError as error:
        click.echo(f"Nothing was created: {error}", err=True)
        raise SystemExit(1) from None
    with open(out, "wb") as handle:
        handle.write(provisioning.handover_workbook(issued))
    click.echo(f"{len(issued)} user(s) provisioned; one-time passwords written to {out}")


@mpr.command("reissue")
@click.argument("username")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="Hand-over workbook (.xlsx) to write."
)
def reissue_command(username: str, out: str) -> None:
    """Give a user a new one-time password (the old one stops working at once)."""
    _refuse_if_invalid()
    from app.services.accounts import provisioning

    try:
        issued = provisioning.reissue(username, "cli")
    except provisioning.ProvisioningError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    with open(out, "wb") as handle:
        handle.write(provisioning.handover_workbook([issued]))
    click.echo(f"new one-time password for {username} written to {out}")


@mpr.command("deliver")
def deliver_command() -> None:
    """Deliver every e-mail and SMS due in the outbox once (with retries and back-off), then exit."""
    _refuse_if_invalid()
    from app.services.messaging.delivery import deliver_due

    report = deliver_due()
    click.echo(str(report))


@mpr.command("remind")
@click.option(
    "--on", "day", default=None, help="The day to compute reminders for (YYYY-MM-DD; default today)."
)
def remind_command(day: str | None) -> None:
    """Queue the deadline reminders, validation reminders and escalations due on a day (idempotent)."""
    _refuse_if_invalid()
    import datetime as dt

    from app.services.messaging.reminders import remind

    try:
        on = dt.date.fromisoformat(day) if day else dt.date.today()
    except ValueError:
        raise click.BadParameter("write the day as YYYY-MM-DD", param_hint="--on") from None
    for line in remind(on).lines():
        click.echo(line)


@mpr.command("bulk-load")
@click.argument("format_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="The administrator or owner who loads (audit trail).")
@click.option("--apply", "apply_load", is_flag=True, help="Load; without it, only check (dry run).")
@click.option(
    "--status", type=click.Choice(["submitted", "validated"]), default="submitted", show_default=True
)
def bulk_load_command(format_code: str, path: str, username: str, apply_load: bool, status: str) -> None:
    """Check (and with --apply load) past months of FORMAT for many offices from FILE (.xlsx or .csv)."""
    _refuse_if_invalid()
    from app.errors import Refusal
    from app.services.exchange import bulk_cli

    try:
        code = bulk_cli.run(format_code, path, username, apply_load, status, click.echo)
    except Refusal as refusal:
        click.echo(refusal.message, err=True)
        raise SystemExit(1) from None
    raise SystemExit(code)


masters = AppGroup("masters", help="Master lists kept as data: show them, load a file of items.")
mpr.add_command(masters)


@masters.command("show")
@click.argument("code", required=False)
def masters_show_command(code: str | None) -> None:
    """List the declared master lists, or the items of one list with their months and use."""
    _refuse_if_invalid()
    from app.services.accounts import master_plan
    from app.services.engine import catalogue

    declared = catalogue.definitions().masters
    if code is None:
        for master in declared.values():
            click.echo(f"{master.code}: {master.title} ({master_plan.item_count(master.code)} items)")
        return
    if code not in declared:
        click.echo(f"{code}: not a master list declared in the definitions ({', '.join(declared)})", err=True)
        raise SystemExit(1)
    use = master_plan.list_use(code)
    for row in master_plan.current_rows(code):
        months = f"{row.valid_from or '...'} to {row.valid_until or '...'}"
        click.echo(f"{row.key}\t{months}\t{use.returns_of(row.key)} month(s) with figures\t{row.label}")


@masters.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only print what would change.")
def masters_load_command(path: str, dry_run: bool) -> None:
    """Replace the items of the lists named in FILE: every problem at once, nothing loaded if any."""
    _refuse_if_invalid()
    from pathlib import Path

    from app.extensions import db
    from app.services.accounts import master_plan
    from app.services.engine import catalogue

    text = Path(path).read_text(encoding="utf-8")
    plan = master_plan.plan_file(text, catalogue.definitions().masters, Path(path).name)
    for problem in plan.problems:
        click.echo(problem, err=True)
    if plan.problems:
        click.echo(f"Nothing was loaded: {len(plan.problems)} problem(s).", err=True)
        raise SystemExit(1)
    for change in plan.changes:
        click.echo(change.describe())
    if dry_run or not plan.changes:
        click.echo(f"{len(plan.changes)} change(s){' (dry run: nothing changed)' if dry_run else ''}")
        return
    count = master_plan.apply(plan, None, "cli")
    db.session.commit()
    click.echo(f"{count} change(s) made")


def register_cli(app: Flask) -> None:
    """Attach the `mpr` command group to the app."""
    app.cli.add_command(mpr)


__all__ = ["mpr", "register_cli"]
