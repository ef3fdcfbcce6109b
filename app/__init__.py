"""Application factory: extensions -> definitions -> tables -> security -> views -> CLI."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from app.config_paths import MIGRATIONS_DIR
from app.definitions import DefinitionErrors, load_definitions
from app.definitions.schema import DefinitionSet
from config import Config

log = logging.getLogger(__name__)


class InvalidDefinitions(RuntimeError):
    """mpr_definitions.yaml has errors; the message is the full report."""


def _load(app: Flask, tolerate_invalid: bool) -> DefinitionSet | None:
    path = app.config["MPR_DEFINITIONS"]
    try:
        return load_definitions(path)
    except DefinitionErrors as errors:
        report = errors.report(path)
        if not tolerate_invalid:
            raise InvalidDefinitions(report) from None
        app.extensions["mpr_definition_errors"] = report
        return None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the application is built.

    Building allocates about a million long-lived objects (imports, tables, view classes,
    routes); with the collector on, the growing heap was walked again and again (some 800
    collections, about a third of start-up with 150 formats). Paused, it is walked once:
    one full collection at the end, which also puts everything built in the oldest
    generation, so the first requests do not walk it again either.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()


def create_app(config_class: type = Config, *, tolerate_invalid: bool = False) -> Flask:
    """Build the MIS application; refuses invalid definitions unless told to tolerate them.

    `tolerate_invalid` is only for the `flask mpr` CLI, so that `flask mpr check` can
    print the report; every other command and the web server still refuse to run.
    """
    with _collector_paused():
        return _build_app(config_class, tolerate_invalid)


def _build_app(config_class: type, tolerate_invalid: bool) -> Flask:
    app = Flask(__name__)
    app.config.from_object(config_class)
    from app.routing import LazyBuildRule
    from app.security.edges import install_converters

    app.url_rule_class = LazyBuildRule  # URL builders compiled at first use (start-up time)

    install_converters(app)  # before any route is registered
    from app.security.passwords import fab_password_validator

    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", fab_password_validator)
    definitions = _load(app, tolerate_invalid)
    app.extensions["mpr_definitions"] = definitions

    # imported here, not at the top: `flask mpr check` imports this package without booting FAB
    from flask_appbuilder import AppBuilder, Model

    from app.database import harden_sqlite
    from app.extensions import csrf, db, mail, migrate
    from app.models.generated import build_format_tables

    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), compare_type=True, render_as_batch=True)
    mail.init_app(app)
    if definitions is not None:
        app.extensions["mpr_tables"] = build_format_tables(definitions, Model.metadata)
    with app.app_context():
        harden_sqlite(db.engine)
        appbuilder = AppBuilder(update_perms=app.config.get("FAB_UPDATE_PERMS", False))
        appbuilder.init_app(app, db.session)
        from app.security.language import install_language_choice
        from app.security.ratelimit import limit_api_login
        from app.security.sessions import register_session_control

        limit_api_login(appbuilder)
        register_session_control(app)
        install_language_choice(app)
        if definitions is not None:
            from app.views import register_views

            register_views(appbuilder, definitions)
        appbuilder.post_init()

    from app.cli import register_cli
    from app.operations import register_operations
    from app.web import register_web_hooks

    register_web_hooks(app)
    register_operations(app)
    register_cli(app)
    return app
