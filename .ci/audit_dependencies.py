"""pip-audit of the pinned runtime dependencies (requirements.txt), fail on any known vulnerability.

pip-audit asks a vulnerability service about every pinned release: PyPI's JSON API
(the default) or OSV. This script first checks which of them answers from this
machine and runs pip-audit against that one with --strict, so a release that could not
be looked up fails the run instead of passing silently (pip-audit alone reports "No
known vulnerabilities found" when it could audit nothing).

When no service answers (a network that reaches only the package index), the audit
cannot happen: the script says so plainly and exits 0, unless MPR_REQUIRE_AUDIT=1, in
which case that is a failure too. It never hides a vulnerability that was found.
"""

from __future__ import annotations

import json
import os
import subprocess  # noqa: S404 - runs pip-audit, a fixed command
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBES = {
    # pip-audit's "pypi" service reads https://pypi.org/pypi/<name>/<version>/json
    "pypi": urllib.request.Request("https://pypi.org/pypi/pip/24.0/json"),
    "osv": urllib.request.Request(
        "https://api.osv.dev/v1/query",
        data=json.dumps({"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "24.0"}).encode(),
        headers={"Content-Type": "application/json"},
    ),
}


def answers(request: urllib.request.Request) -> str | None:
    """None when the service answers properly, else why not."""
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - fixed https URLs
            json.load(response)
        return None
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        return str(getattr(error, "reason", error))


def main() -> int:
    """Run pip-audit against the first service that answers; 0 only when nothing vulnerable was found."""
    reasons = {}
    for service, probe in PROBES.items():
        reasons[service] = answers(probe)
        if reasons[service] is None:
            print(f"pip-audit: auditing requirements.txt against the {service} service", flush=True)
            command = [sys.executable, "-m", "pip_audit", "-r", str(ROOT / "requirements.txt"), "--strict"]
            command += ["--vulnerability-service", service, "--progress-spinner", "off"]
            return subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603
    why = "; ".join(f"{service}: {reason}" for service, reason in reasons.items())
    print(f"pip-audit: NOT RUN - no vulnerability service reachable from this machine ({why}).")
    print("pip-audit: the pinned dependencies were NOT checked for known vulnerabilities here.")
    if os.environ.get("MPR_REQUIRE_AUDIT") == "1":
        print("pip-audit: MPR_REQUIRE_AUDIT=1, so this is a failure.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
