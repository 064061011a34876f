"""The README's "Deploying on Debian" block, run as written on a clean machine made inside the test.

How (issue 19, "the README's deployment section was followed on a clean machine in the test"):
- The machine: a private mount namespace (``unshare --mount``) with copy-on-write overlays on /etc,
  /var, /root, /srv and /run whose changes land in a temporary folder and vanish with it, so
  ``adduser``, /etc/theodoi, /srv/theodoi, /var/lib/theodoi, the nginx site... are fresh and never
  touch the real system. Network, /usr and /tmp are the host's.
- The code: ``git clone`` of this checkout, so what is deployed is the committed HEAD.
- The packages: ``make install`` as the README says, offline, from a wheelhouse the test repacks out of
  the test run's own virtualenv (PIP_NO_INDEX/PIP_FIND_LINKS, as the README's "offline server" says).
- PostgreSQL: a fresh cluster on a free port (what the postgresql package's postinst does), not the suite's.
- Every line of the block runs as written in ``sh -eu`` (a failing step ends the walk) except those marked ``# [stand-in]``, which
  tests/deploy/standins.py replaces (apt-get, the editor, the CA's certificate, systemctl, journalctl);
  a marked line the test does not know fails it, so the README stays the source of truth.
Then the site is shown to work from outside: HTTPS through nginx to gunicorn, an imported person's
invitation arrives at a real SMTP server (aiosmtpd), the link sets a password and the person logs in,
one scheduler leads and the other stands by, and the first backup is a PostgreSQL archive.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import importlib.metadata as metadata
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import zipfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from openpyxl import Workbook
from packaging.requirements import Requirement

from tests.deploy.servers import ROOT
from tests.directory.conftest import LINK_RE, ORGS_CSV, PEOPLE_CSV
from tests.plugins.net import free_port
from tests.reminders.conftest import RecordingHandler, SmtpServer

#: Brings its own servers and ignores the suite's database: run once, in the PostgreSQL pass.
pytestmark = [pytest.mark.once, pytest.mark.pg_pass]

SERVER_NAME = "theodoi.example.vn"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
OVERLAID = ("etc", "var", "root", "srv", "run")
WHEELHOUSE = "/var/cache/theodoi/wheelhouse"
PASSWORD = "mot-cau-de-nho-2026"

# Each `# [stand-in]` line of the README, by what it says, and the stand-in that replaces it.
STAND_INS = [
    (r"apt-get update && apt-get install (?P<args>.+)",
     lambda m: "standin apt-install " + " ".join(w for w in m["args"].split() if not w.startswith("-"))),
    (r"editor (?P<file>/etc/theodoi/\S+)", lambda m: f"standin edit-env {m['file']}"),
    (r"cp fullchain\.pem privkey\.pem (?P<dir>\S+?)/?", lambda m: f"standin certificate {m['dir']}"),
    (r"editor (?P<file>/etc/nginx/\S+)", lambda m: f"standin edit-site {m['file']}"),
    (r"systemctl reload nginx", lambda m: "standin nginx-reload"),
    (r"systemctl daemon-reload", lambda m: "standin daemon-reload"),
    (r"systemctl enable --now (?P<units>.+)", lambda m: f"standin enable-now {m['units']}"),
    (r"systemctl start (?P<units>.+)", lambda m: f"standin start {m['units']}"),
    (r"journalctl -u (?P<pattern>\S+) -n \d+", lambda m: f"standin journal {m['pattern']}"),
]


# --- the README block ------------------------------------------------------------------------------

def readme_block() -> str:
    section = (ROOT / "README.md").read_text().split("## Deploying on Debian", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "the deployment section has one sh block"
    return blocks[0]


def logical_lines(block: str) -> list[str]:
    lines, pending = [], ""
    for line in block.splitlines():
        pending += line + "\n"
        if not line.endswith("\\"):
            lines.append(pending.rstrip("\n"))
            pending = ""
    return lines


def stand_in(line: str) -> str:
    command = line.split("# [stand-in]", 1)[0].replace("\\\n", " ").strip()
    for pattern, replacement in STAND_INS:
        match = re.fullmatch(pattern, command)
        if match:
            return f"{replacement(match)}  # README: {' '.join(command.split())}"
    raise AssertionError(f"README line marked [stand-in] has no stand-in in this test: {command}")


def walk_script(block: str) -> str:
    lines = [stand_in(line) if "# [stand-in]" in line else line for line in logical_lines(block)]
    return "\n".join(lines) + "\n"


def test_every_stand_in_line_is_known_and_the_rest_run_as_written():
    block = readme_block()
    script = walk_script(block)
    marked = [line for line in logical_lines(block) if "# [stand-in]" in line]
    assert len(marked) == sum(line.startswith("standin ") for line in script.splitlines())
    assert not re.search(r"\bsudo -u", block)  # not installed on a minimal Debian
    assert "runuser -u theodoi -- make -C /srv/theodoi install translations" in script
    # `make system-deps` (make test) installs what the walk's apt-get stand-in expects to find.
    apt = re.search(r"^standin apt-install (.+?)  #", script, re.MULTILINE).group(1).split()
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    system_deps = re.search(r"^APT_PACKAGES := (.+)$", makefile, re.MULTILINE).group(1).split()
    assert set(apt) - set(system_deps) <= {"python3.11"}  # python3.11-venv depends on it


# --- the machine -----------------------------------------------------------------------------------

def runtime_distributions() -> list[metadata.Distribution]:
    """requirements.txt and everything it needs, as installed in the test run's virtualenv."""
    wanted = [Requirement(line) for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    found: dict[str, metadata.Distribution] = {}
    while wanted:
        requirement = wanted.pop()
        key = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if key in found and not requirement.extras:
            continue
        dist = found.setdefault(key, metadata.distribution(requirement.name))
        for needed in dist.requires or []:
            needed = Requirement(needed)
            environment = [{"extra": extra} for extra in requirement.extras] or [{"extra": ""}]
            if needed.marker is None or any(needed.marker.evaluate(e) for e in environment):
                wanted.append(needed)
    return list(found.values())


def repack(dist: metadata.Distribution, folder: Path) -> None:
    """An installed distribution back into a wheel: its files from RECORD, a fresh RECORD."""
    info = next(f for f in dist.files if f.parts[0].endswith(".dist-info"))
    tags = [line.split(": ", 1)[1] for line in dist.read_text("WHEEL").splitlines() if line.startswith("Tag: ")]
    pythons, abis, platforms = (sorted({t.split("-")[i] for t in tags}) for i in range(3))
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    wheel = folder / f"{name}-{dist.version}-{'.'.join(pythons)}-{'.'.join(abis)}-{'.'.join(platforms)}.whl"
    skipped = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    record = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as archive:
        for file in dist.files:
            if ".." in file.parts or "__pycache__" in file.parts or (file.parts[0] == info.parts[0] and file.name in skipped):
                continue
            data = Path(dist.locate_file(file)).read_bytes()
            archive.writestr(file.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{file.as_posix()},sha256={digest},{len(data)}")
        record.append(f"{info.parts[0]}/RECORD,,")
        archive.writestr(f"{info.parts[0]}/RECORD", "\n".join(record) + "\n")


def xlsx(path: Path, csv_text: str) -> None:
    book = Workbook()
    for row in csv_text.strip().splitlines():
        book.active.append(row.split(","))
    book.save(path)


def make_machine(walk: Path) -> None:
    """Overlay folders (the upper layers start empty but for what the machine's owner put there)."""
    for name in OVERLAID:
        for layer in ("upper", "work"):
            (walk / "ovl" / name / layer).mkdir(parents=True)
        os.chmod(walk / "ovl" / name / "upper", os.stat(f"/{name}").st_mode & 0o7777)
    for kept in ("hosts", "resolv.conf", "hostname"):  # the container's bind mounts, hidden by the overlay
        if Path(f"/etc/{kept}").exists():
            shutil.copy(f"/etc/{kept}", walk / "ovl" / "etc" / "upper" / kept)
    wheels = walk / "ovl" / "var" / "upper" / WHEELHOUSE.removeprefix("/var/")
    wheels.mkdir(parents=True)
    for dist in runtime_distributions():
        repack(dist, wheels)
    for folder in [wheels, *wheels.parents][:3]:
        os.chmod(folder, 0o755)
    home = walk / "ovl" / "root" / "upper"  # the office's files, in root's home as the README says
    xlsx(home / "to-chuc.xlsx", ORGS_CSV)
    xlsx(home / "nguoi-dung.xlsx", PEOPLE_CSV)


def prelude(walk: Path) -> str:
    mounts = "\n".join(f"mount -t overlay overlay -o lowerdir=/{n},upperdir={walk}/ovl/{n}/upper,"
                       f"workdir={walk}/ovl/{n}/work /{n}" for n in OVERLAID)
    return f"""set -eu
{mounts}
standin() {{ /usr/bin/python3 {ROOT}/tests/deploy/standins.py "$@"; }}
cd /root
PS4='+ $(date +%T.%N | cut -c1-12) '
set -x
"""


# --- the site, seen from outside -------------------------------------------------------------------

class Browser:
    """HTTPS to nginx on 127.0.0.1 for the server name (SNI and Host), with cookies and CSRF tokens."""

    def __init__(self, port: int, cafile: Path):
        self.port = port
        self.context = ssl.create_default_context(cafile=str(cafile))
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30, context=self.context)
        connection.sock = self.context.wrap_socket(
            socket.create_connection(("127.0.0.1", self.port), timeout=30), server_hostname=SERVER_NAME)
        # Flask-WTF compares the Referer with the origin the app sees over HTTPS; nginx passes the Host the
        # browser sent (`$http_host`, port included), as a browser on this port would send both.
        origin = f"{SERVER_NAME}:{self.port}"
        headers = {"Host": origin, "Referer": f"https://{origin}{path}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(header)
                self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def csrf(self, path: str) -> str:
        status, _headers, page = self.request("GET", path)
        assert status == 200, (path, status)
        return html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1))


def stop_all(walk: Path, walker: subprocess.Popen | None) -> None:
    """SIGTERM every process group the walk left running, then SIGKILL what is still there."""
    groups = [int(p) for p in (walk / "pids").read_text().split()] if (walk / "pids").exists() else []
    if walker is not None and walker.poll() is None:
        groups.append(walker.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for group in groups:
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(group) for group in groups):
            time.sleep(0.1)
    if walker is not None:
        walker.wait(5)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


# --- the walk --------------------------------------------------------------------------------------

def test_readme_deployment_walkthrough_on_a_clean_machine():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        # An administrator follows the README as root; CI runs as root, so there it must run.
        assert os.environ.get("CI", "").lower() != "true", "the README walk needs root and unshare on CI"
        pytest.skip("the walk runs as root (CI)")
    started = time.monotonic()
    walk = Path(tempfile.mkdtemp(prefix="theodoi-walk-"))
    os.chmod(walk, 0o755)  # postgres and theodoi reach the files the stand-ins keep here
    sink = SmtpServer(RecordingHandler(), free_port())
    walker = None
    https, http_port, web, pg = free_port(), free_port(), free_port(), free_port()
    env_values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"postgresql+psycopg://theodoi:choose-one@127.0.0.1:{pg}/theodoi",
        "BASE_URL": f"https://{SERVER_NAME}:{https}",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.port), "MAIL_USE_TLS": "false",
        "MAIL_USERNAME": "", "MAIL_PASSWORD": "",
        "BIND": f"127.0.0.1:{web}", "WEB_CONCURRENCY": "2",
    }
    (walk / "values.json").write_text(json.dumps({"env": env_values, "http_port": http_port}))
    try:
        make_machine(walk)
        (walk / "walk.sh").write_text(prelude(walk) + walk_script(readme_block()))
        sink.start()
        environment = {
            "PATH": SYSTEM_PATH, "HOME": "/root", "LANG": "C.UTF-8", "TERM": "dumb", "WALK_DIR": str(walk),
            "SERVER_NAME": SERVER_NAME, "REPOSITORY": str(ROOT), "HTTPS_PORT": str(https), "PGPORT": str(pg),
            "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": WHEELHOUSE, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "CURL_CA_BUNDLE": "/etc/ssl/theodoi/fullchain.pem",
            # The checkout may belong to another user than root (git's "dubious ownership").
            "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*",
        }
        with open(walk / "walk.log", "wb") as log:
            walker = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "/bin/sh", str(walk / "walk.sh")],
                                      env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
            walker.wait(240)
        output = (walk / "walk.log").read_text(errors="replace")
        assert walker.returncode == 0, output[-6000:]
        walk_seconds = time.monotonic() - started

        # The README's own checks ran: /healthz through nginx, the dry runs, the invitations.
        assert "dry run, nothing written" in output and "invitations sent: 3" in output, output[-4000:]

        show_site_works(walk, https, sink)
        show_services_work(walk)
        print(f"walk {walk_seconds:.1f} s, checks {time.monotonic() - started - walk_seconds:.1f} s")
    finally:
        stop_all(walk, walker)
        sink.stop()
        if not os.environ.get("WALK_KEEP"):  # WALK_KEEP=1 leaves the folder (walk.log, journal/) to read
            shutil.rmtree(walk, ignore_errors=True)


def show_site_works(walk: Path, https: int, sink: SmtpServer) -> None:
    messages = sink.wait_for(3)
    assert sorted(m.recipients[0] for m in messages) == ["canbo.btg@longmy.example", "chanhvp@longmy.example",
                                                         "quantri@longmy.example"]
    invitation = next(m for m in messages if m.recipients == ["chanhvp@longmy.example"])
    link = LINK_RE.search(invitation.text)
    assert link and link.group(0).startswith(f"https://{SERVER_NAME}:{https}/"), invitation.text
    path = urlsplit(link.group(0)).path

    browser = Browser(https, walk / "ovl" / "etc" / "upper" / "ssl" / "theodoi" / "fullchain.pem")
    assert browser.request("GET", "/healthz")[0] == 200
    token = browser.csrf(path)
    status, headers, page = browser.request("POST", path, {"new_password": PASSWORD, "confirm": PASSWORD,
                                                           "csrf_token": token})
    assert status == 302 and headers["Location"].endswith("/login"), page[:2000]
    token = browser.csrf("/login")
    status, headers, page = browser.request("POST", "/login", {"email": "chanhvp@longmy.example", "password": PASSWORD,
                                                               "csrf_token": token})
    assert status == 302, page[:2000]
    status, _headers, page = browser.request("GET", "/")
    assert status == 200 and "Trần Văn Chánh" in page


def show_services_work(walk: Path) -> None:
    journal = walk / "journal"
    schedulers = [journal / f"theodoi-scheduler@{n}.log" for n in (1, 2)]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all("scheduler " in s.read_text() for s in schedulers if s.exists()):
        time.sleep(0.2)
    roles = sorted(re.search(r"scheduler \S+: (leader|standby)", s.read_text()).group(1) for s in schedulers)
    assert roles == ["leader", "standby"]
    for pid in (walk / "pids").read_text().split():
        assert alive(int(pid)), f"a service stopped: {pid}"

    backups = list((walk / "ovl" / "var" / "upper" / "backups" / "theodoi").glob("tracker-*.tar.gz"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0
    assert re.search(r"postgresql: \d+ rows", (journal / "theodoi-backup.service.log").read_text())
    assert (walk / "ovl" / "srv" / "upper" / "theodoi" / ".venv" / "bin" / "gunicorn").exists()
    assert not Path("/srv/theodoi").exists() and not Path("/etc/theodoi").exists()  # the real machine untouched
