"""gunicorn as production runs it (deploy/gunicorn.conf.py, MPR_CONFIG=production), for the load test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One gunicorn master and its workers on 127.0.0.1; its log goes to a file."""

    def __init__(self, database_url: str, log_path: Path, workers: int, threads: int) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "MPR_CONFIG": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": os.urandom(32).hex(),
            "SESSION_COOKIE_SECURE": "0",  # plain HTTP on 127.0.0.1; production sits behind HTTPS
            "MPR_BIND": f"127.0.0.1:{self.port}",
            "MPR_WORKERS": str(workers),
            "MPR_THREADS": str(threads),
            "MPR_PROXY_HOPS": "1",  # the load client plays the reverse proxy: one address per user
            "MPR_JSON_LOGS": "1",
            "RATELIMIT_STORAGE_URI": os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/15"),
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> None:
        """Start gunicorn and wait until /health answers 200."""
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn with our own config
            [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "run:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 120) -> float:
        """Seconds until /health answered 200 (raises after `timeout`)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return time.monotonic() - start
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become healthy in {timeout:.0f} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the master)."""
        if self.process is None:
            return []
        found = subprocess.run(  # noqa: S603, S607 - pgrep from procps
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def kill_workers(self) -> list[int]:
        """`kill -9` every worker; the master starts new ones."""
        pids = self.worker_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids

    def stop(self) -> None:
        """Stop gunicorn gracefully (TERM), then for good."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        self.process = None

    def log_text(self) -> str:
        """Everything gunicorn and the app wrote."""
        return self.log_path.read_text(errors="replace")
