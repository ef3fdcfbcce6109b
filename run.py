"""`python run.py`: set up the demo database on first run and serve the MIS.

Also the Flask CLI entry point: `flask --app run mpr check|sync|seed|demo-users`.
"""

from __future__ import annotations

import os
import sys

from config import config_from_env


def _under_flask_cli() -> bool:
    return os.path.basename(sys.argv[0]) in {"flask", "flask.exe"} or "flask" in sys.argv[:2]


def _only_checking_definitions() -> bool:
    """`flask ... mpr check [FILE]`: the definitions layer answers; the application is not booted."""
    args = sys.argv[1:]
    return (
        _under_flask_cli()
        and "mpr" in args
        and args[args.index("mpr") + 1 : args.index("mpr") + 2] == ["check"]
    )


if _only_checking_definitions():
    from app.cli import definitions_check_app

    app = definitions_check_app(config_from_env())
else:
    from app import InvalidDefinitions, create_app

    try:
        app = create_app(config_from_env(), tolerate_invalid=_under_flask_cli())
    except InvalidDefinitions as invalid:
        print(str(invalid), file=sys.stderr)
        print("The application refuses to start until mpr_definitions.yaml is fixed.", file=sys.stderr)
        raise SystemExit(1) from None


def prepare_demo() -> None:
    """Migrate the core schema and sync the format tables, seed the demo on first run, print the logins."""
    import time

    from sqlalchemy import func, select

    from app.config_paths import SEED_DIR
    from app.demo.history import seed_demo_history
    from app.extensions import db
    from app.models.org import Office
    from app.services.accounts.seeding import demo_users, seed_demo
    from app.services.sync.sync_all import sync_all

    with app.app_context():
        lines, ok = sync_all()
        print("\n".join(lines))
        if not ok:
            raise SystemExit(1)
        if db.session.execute(select(func.count(Office.id))).scalar_one() == 0:
            print("First run: loading the demo organisation ...")
            print(seed_demo(SEED_DIR / "organisation.yaml", app.config["MPR_MASTERS"]))
            started = time.perf_counter()
            print("First run: writing two financial years of demo returns ...")
            history = seed_demo_history()
            print(f"{history} in {time.perf_counter() - started:.1f} s")
        print("\nDemo logins (username, password, role, office):")
        for user in demo_users():
            print(f"  {user.username:<22} {user.password}  {user.role:<16} {user.office}")


if __name__ == "__main__":
    prepare_demo()
    port = int(os.environ.get("PORT", "8080"))
    print(f"\nServing on http://127.0.0.1:{port}  (Ctrl+C to stop)")
    app.run(host="127.0.0.1", port=port, debug=False, threaded=True)
