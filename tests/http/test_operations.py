"""Production set-up: configuration chosen by one variable, health, request ids, cache and HSTS headers."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from app.operations import JsonLogFormatter
from config import Config, ProductionConfig, config_from_env


def test_mpr_config_selects_production_and_production_needs_a_secret_key(monkeypatch):
    monkeypatch.delenv("MPR_CONFIG", raising=False)
    assert config_from_env() is Config
    monkeypatch.setenv("MPR_CONFIG", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SystemExit, match="SECRET_KEY"):
        config_from_env()
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    assert config_from_env() is ProductionConfig
    monkeypatch.setenv("MPR_CONFIG", "staging")
    with pytest.raises(SystemExit, match="not one of"):
        config_from_env()


def test_production_settings_share_limits_pool_connections_and_send_secure_cookies():
    assert ProductionConfig.RATELIMIT_STORAGE_URI.startswith("redis://")
    assert ProductionConfig.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.MPR_HSTS_SECONDS >= 31536000 and Config.MPR_HSTS_SECONDS == 0


def test_run_py_serves_production_when_asked(tmp_path):
    env = {
        **os.environ,
        "MPR_CONFIG": "production",
        "SECRET_KEY": "k" * 64,
        "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    }
    code = (
        "import run; print(run.app.config['SESSION_COOKIE_SECURE'], run.app.config['PREFERRED_URL_SCHEME'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "https"]


def test_health_answers_without_login_and_says_the_database_is_reachable(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_answers_503_when_the_database_is_unreachable(app, client, monkeypatch):
    from app.extensions import db

    def broken(*_args, **_kwargs):
        raise ConnectionError("database down")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_every_response_carries_a_request_id_and_keeps_a_well_formed_one_from_the_proxy(client):
    assert len(client.get("/login/").headers["X-Request-ID"]) == 16
    assert client.get("/health", headers={"X-Request-ID": "lb-42.a"}).headers["X-Request-ID"] == "lb-42.a"
    forged = client.get("/health", headers={"X-Request-ID": "<script>alert(1)</script>"}).headers[
        "X-Request-ID"
    ]
    assert forged != "<script>alert(1)</script>" and len(forged) == 16


def test_pages_and_api_data_are_not_cached_but_static_files_may_be(login_as, api_token):
    client = login_as("cgst-mum-e")
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/mpr/formats", headers=api_token("cgst-mum-e")).headers["Cache-Control"] == (
        "no-store"
    )
    static = client.get("/static/appbuilder/css/bootstrap.min.css")
    static.close()
    assert static.status_code == 200 and static.headers.get("Cache-Control") != "no-store"


def test_hsts_only_when_configured_and_served_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/health", base_url="https://localhost").headers
    app.config["MPR_HSTS_SECONDS"] = 31536000
    try:
        assert "Strict-Transport-Security" not in client.get("/health").headers
        secure = client.get("/health", base_url="https://localhost")
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    finally:
        app.config["MPR_HSTS_SECONDS"] = 0


def test_access_log_lines_are_json_with_the_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="mpr.access"):
        response = client.get("/health", headers={"X-Request-ID": "trace-7"})
    record = next(r for r in caplog.records if r.name == "mpr.access")
    line = json.loads(JsonLogFormatter().format(record))
    assert response.status_code == 200
    assert line["request_id"] == "trace-7" and line["path"] == "/health" and line["status"] == 200
    assert line["level"] == "INFO" and isinstance(line["ms"], float)
