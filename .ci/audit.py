"""Dependency audit for CI (issue 8): known vulnerabilities in the packages installed here.

Run as ``.venv/bin/python .ci/audit.py [--json PATH]``. Two sources, because on this network
neither alone covers the environment:

1. ``pip-audit`` from the same venv. It asks PyPI's per-version endpoint
   (``/pypi/<name>/<version>/json``) and OSV; where those do not answer it *skips* the package and
   still reports "No known vulnerabilities found", so its skip list is read, not trusted.
2. For every package pip-audit skipped (editables, i.e. this project, are left out),
   ``https://pypi.org/pypi/<name>/json``. Its ``vulnerabilities`` field lists the known
   vulnerabilities of the *latest* release only, so:

   - installed == latest (a local label such as ``+cpu`` marks a build of the same release):
     audited; every entry not ``withdrawn`` is a finding.
   - installed older than latest: NOT audited, since vulnerabilities fixed between the two are
     not listed. But an entry listed for the latest release is unfixed there, so it is in the
     installed version too if the flawed code already existed: each is a "may affect" finding.
   - installed newer than latest (a pre-release), unknown to PyPI, or PyPI unreachable: not
     audited.

A finding is waived when its id or one of its aliases is in ``.ci/audit-ignore.txt``
(``ID  # reason``, one per line; the reason is required).

Exit status: 1 if there are findings not waived; else 2 if fewer than half the packages could be
audited at all (the services are unreachable: that is not a pass) or the ignore file is malformed;
else 0.
"""

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import httpx
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

IGNORE_FILE = Path(__file__).resolve().with_name("audit-ignore.txt")
PIP_AUDIT_TIMEOUT_S = 180
PYPI_JSON_URL = "https://pypi.org/pypi/{name}/json"
PYPI_TIMEOUT_S = 10.0
PYPI_WORKERS = 8
PYPI_RETRY_PAUSE_S = 1.0


class AuditError(Exception):
    """The audit could not run as configured (bad ignore file, no pip-audit)."""


@dataclass
class Finding:
    id: str
    aliases: list[str]
    fixed_in: list[str]
    link: str
    certain: bool  # False: listed for a newer release, "may affect" the installed one
    ignored: bool = False


@dataclass
class Package:
    name: str
    installed: str
    audited_by: Literal["pip-audit", "pypi"] | None = None
    latest: str | None = None
    not_audited: str = ""  # the reason, when audited_by is None
    findings: list[Finding] = field(default_factory=list)


def installed_distributions() -> tuple[dict[str, str], set[str]]:
    """Canonical name -> version of every distribution in this interpreter, and the editables."""
    versions: dict[str, str] = {}
    editables: set[str] = set()
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        if not name:
            continue
        versions.setdefault(name, dist.version)  # the first on sys.path is the one imported
        direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
        if direct_url.get("dir_info", {}).get("editable"):
            editables.add(name)
    return versions, editables


def run_pip_audit(versions: dict[str, str], editables: set[str]) -> list[Package]:
    """pip-audit's verdicts; a package it skipped comes back with ``audited_by=None``.

    If pip-audit itself fails (timeout, crash, no JSON), every installed package comes back
    unaudited, so the PyPI fallback still covers them.
    """
    pip_audit = Path(sys.executable).with_name("pip-audit")
    if not pip_audit.exists():
        raise AuditError(f"no pip-audit next to {sys.executable}; run with .venv/bin/python")
    cmd = [str(pip_audit), "--format", "json", "--skip-editable", "--progress-spinner", "off"]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=PIP_AUDIT_TIMEOUT_S, check=False
        )
        if proc.returncode not in (0, 1):  # 1 means "vulnerabilities found"
            raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
        report = json.loads(proc.stdout)
    except (subprocess.TimeoutExpired, RuntimeError, ValueError) as exc:
        print(f"warning: pip-audit failed ({exc}); asking PyPI for everything", file=sys.stderr)
        return [
            Package(name, version, not_audited="pip-audit failed")
            for name, version in sorted(versions.items())
            if name not in editables
        ]

    packages = []
    for dep in report["dependencies"]:
        name = canonicalize_name(dep["name"])
        if name in editables:
            continue
        if "skip_reason" in dep:
            installed = versions.get(name, "?")
            packages.append(Package(name, installed, not_audited="skipped by pip-audit"))
            continue
        findings = [
            Finding(
                id=vuln["id"],
                aliases=vuln.get("aliases", []),
                fixed_in=vuln.get("fix_versions", []),
                link=f"https://osv.dev/vulnerability/{vuln['id']}",
                certain=True,
            )
            for vuln in dep.get("vulns", [])
        ]
        packages.append(Package(name, dep["version"], audited_by="pip-audit", findings=findings))
    return packages


def fetch_latest(client: httpx.Client, name: str) -> dict[str, Any] | None:
    """PyPI's JSON for ``name``'s latest release; None if PyPI does not know it. Retries once."""
    for attempt in range(2):
        try:
            response = client.get(PYPI_JSON_URL.format(name=name))
            if response.status_code == 404:
                return None
            response.raise_for_status()
            data: dict[str, Any] = response.json()
            return data
        except (httpx.TransportError, httpx.HTTPStatusError):
            if attempt == 1:
                raise
            time.sleep(PYPI_RETRY_PAUSE_S)
    raise AssertionError("unreachable")


def audit_with_pypi(client: httpx.Client, package: Package) -> None:
    """Fill in ``package`` from its latest release's ``vulnerabilities`` (see the module doc)."""
    try:
        data = fetch_latest(client, package.name)
    except (httpx.HTTPError, ValueError) as exc:
        package.not_audited = f"PyPI unreachable ({type(exc).__name__})"
        return
    if data is None:
        package.not_audited = "not on PyPI"
        return
    package.latest = str(data["info"]["version"])
    try:
        installed, latest = Version(package.installed), Version(package.latest)
    except InvalidVersion:
        package.not_audited = f"cannot compare {package.installed} with latest {package.latest}"
        return
    same_release = Version(installed.public) == latest
    if not same_release and installed > latest:
        package.not_audited = f"{package.installed} installed, newer than latest {package.latest}"
        return
    package.findings = [
        Finding(
            id=vuln["id"],
            aliases=vuln.get("aliases") or [],
            fixed_in=vuln.get("fixed_in") or [],
            link=vuln.get("link") or "",
            certain=same_release,
        )
        for vuln in data.get("vulnerabilities") or []
        if not vuln.get("withdrawn")
    ]
    if same_release:
        package.audited_by, package.not_audited = "pypi", ""
    else:
        package.not_audited = f"{package.installed} installed, latest {package.latest}"


def read_ignore_file(path: Path) -> dict[str, str]:
    """Waived vulnerability id -> reason, from lines ``ID  # reason``."""
    if not path.exists():
        return {}
    waived = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        vuln_id, _, reason = (part.strip() for part in line.partition("#"))
        if not vuln_id:
            continue
        if not reason or " " in vuln_id:
            raise AuditError(f"{path}:{number}: expected 'ID  # reason', got {line!r}")
        waived[vuln_id] = reason
    return waived


def status(package: Package) -> str:
    active = [f for f in package.findings if not f.ignored]
    parts = []
    if certain := [f.id for f in active if f.certain]:
        parts.append("VULNERABLE " + " ".join(certain))
    if package.audited_by is None:
        parts.append(f"not audited: {package.not_audited}")
    if maybe := [f.id for f in active if not f.certain]:
        parts.append("may be VULNERABLE " + " ".join(maybe))
    if ignored := [f.id for f in package.findings if f.ignored]:
        parts.append("waived " + " ".join(ignored))
    return "; ".join(parts) or "ok"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args(argv)

    try:
        waived = read_ignore_file(IGNORE_FILE)
        versions, editables = installed_distributions()
        packages = run_pip_audit(versions, editables)
    except AuditError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2

    unaudited = [p for p in packages if p.audited_by is None]
    with (
        httpx.Client(timeout=PYPI_TIMEOUT_S, follow_redirects=True) as client,
        ThreadPoolExecutor(max_workers=PYPI_WORKERS) as pool,
    ):
        list(pool.map(lambda p: audit_with_pypi(client, p), unaudited))

    for finding in (f for p in packages for f in p.findings):
        finding.ignored = any(i in waived for i in [finding.id, *finding.aliases])

    width = max([len(p.name) for p in packages] + [7])
    print(f"{'package':<{width}}  {'installed':<16}  status")
    for package in sorted(packages, key=lambda p: p.name):
        print(f"{package.name:<{width}}  {package.installed:<16}  {status(package)}")

    total = len(packages)
    by_pip_audit = sum(p.audited_by == "pip-audit" for p in packages)
    by_pypi = sum(p.audited_by == "pypi" for p in packages)
    audited = by_pip_audit + by_pypi
    findings = sum(not f.ignored for p in packages for f in p.findings)
    waived_count = sum(f.ignored for p in packages for f in p.findings)
    summary = (
        f"audited {audited} of {total} packages ({by_pip_audit} by pip-audit, {by_pypi} by "
        f"PyPI's latest-release data); {findings} findings; {total - audited} not audited"
    )
    if waived_count:
        summary += f"; {waived_count} waived in {IGNORE_FILE.name}"
    print(summary)

    if findings:
        exit_code = 1
        print(f"FAILED: {findings} vulnerabilities (fix, or waive in .ci/{IGNORE_FILE.name})")
    elif 2 * audited < total:
        exit_code = 2
        print(
            f"FAILED: only {audited} of {total} packages could be audited: the vulnerability "
            "services (PyPI, OSV) are not answering from here, so this is not a pass."
        )
    else:
        exit_code = 0

    if args.json:
        result = {
            "summary": summary,
            "exit_code": exit_code,
            "audited": audited,
            "total": total,
            "findings": findings,
            "editables_skipped": sorted(editables),
            "packages": [asdict(p) for p in sorted(packages, key=lambda p: p.name)],
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
