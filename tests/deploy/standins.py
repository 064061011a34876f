"""Stand-ins for the README deployment lines marked ``# [stand-in]`` (tests/deploy/test_readme_walkthrough.py).

Run by the walk's shell, as root inside the walk's private mount namespace, with Debian's own python3
(standard library only): ``python3 standins.py COMMAND ARGS...``. Each command does what the real one
would do on a server with systemd, the network and a person at the keyboard, as far as the test needs:

- ``apt-install PKG...``: the packages must already be installed (``make system-deps``); then what the
  postgresql package's postinst does: a fresh cluster (initdb, peer/scram auth like Debian's) on $PGPORT.
- ``edit-env FILE``: the administrator's editor sets the values in $WALK_DIR/values.json.
- ``certificate DIR``: a self-signed certificate for $SERVER_NAME instead of the CA's.
- ``edit-site FILE``: the editor sets server_name, the listen ports and the upstream (BIND) to the test's.
- ``nginx-reload``: starts Debian's nginx with its own /etc/nginx/nginx.conf (and so the site).
- ``daemon-reload``: ``systemd-analyze verify`` on the installed units.
- ``enable-now UNIT...``/``start UNIT...``: runs the unit file's ExecStart (ExecStartPost for oneshot) as
  its User, in its WorkingDirectory, with its EnvironmentFile; a .timer is only checked.
- ``journal PATTERN``: the logs the started units wrote.
Every process left running is started in a new session and its id appended to $WALK_DIR/pids; the test
kills those process groups.
"""

from __future__ import annotations

import fnmatch
import glob
import json
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

WALK = Path(os.environ["WALK_DIR"])
VALUES = json.loads((WALK / "values.json").read_text())
JOURNAL = WALK / "journal"
UNITS = Path("/etc/systemd/system")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def fail(message: str) -> None:
    print(f"stand-in failed: {message}", file=sys.stderr)
    sys.exit(1)


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"{what} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    fail(f"{what} did not listen on {port} within {timeout} s")


def as_user(user: str):
    """preexec_fn dropping root for ``user`` (what systemd's User=/Group= and runuser do)."""
    entry = pwd.getpwnam(user)

    def drop() -> None:
        os.initgroups(user, entry.pw_gid)
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)

    return entry, drop


def start(name: str, argv: list[str], *, user: str, env: dict[str, str], cwd: str = "/") -> subprocess.Popen:
    """A long-running process in a session of its own, logging to the walk's journal folder."""
    JOURNAL.mkdir(exist_ok=True)
    log = open(JOURNAL / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
    _entry, drop = as_user(user)
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               preexec_fn=drop, start_new_session=True)
    with open(WALK / "pids", "a") as pids:
        pids.write(f"{process.pid}\n")
    return process


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return found[0] if found else shutil.which(name) or fail(f"no {name}")


def apt_install(packages: list[str]) -> None:
    missing = [p for p in packages if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if missing:
        fail(f"Debian packages missing: {' '.join(missing)} (`make system-deps` installs them)")
    # The postgresql package: a cluster owned by postgres, local peer and host scram-sha-256 like Debian's.
    data, sockets = Path("/var/lib/postgresql/walk"), Path("/var/run/postgresql")
    for folder in (data.parent, data, sockets):
        folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(folder, "postgres", "postgres")
    entry, drop = as_user("postgres")
    env = {"PATH": SYSTEM_PATH, "HOME": entry.pw_dir, "LANG": "C.UTF-8"}
    subprocess.run([pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth-local=peer",
                    "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                   env=env, preexec_fn=drop, check=True, capture_output=True)
    port = int(os.environ["PGPORT"])
    server = start("postgresql", [pg_bin("postgres"), "-D", str(data), "-p", str(port), "-k", str(sockets),
                                  "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                   user="postgres", env=env)
    wait_for_port(port, server, "postgres")


def edit_env(path: str) -> None:
    file = Path(path)
    lines = file.read_text().splitlines()
    wanted = dict(VALUES["env"])
    for index, line in enumerate(lines):
        key = line.split("=", 1)[0]
        if "=" in line and not line.startswith("#") and key in wanted:
            lines[index] = f"{key}={wanted.pop(key)}"
    lines += [f"{key}={value}" for key, value in wanted.items()]
    file.write_text("\n".join(lines) + "\n")


def certificate(folder: str) -> None:
    name = os.environ["SERVER_NAME"]
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", f"{folder}/privkey.pem", "-out", f"{folder}/fullchain.pem",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
                   check=True, capture_output=True)
    os.chmod(f"{folder}/privkey.pem", 0o600)


def edit_site(path: str) -> None:
    file = Path(path)
    text = file.read_text()
    edits = [
        (r"server_name [^;]+;", f"server_name {os.environ['SERVER_NAME']};"),
        (r"listen 80;", f"listen 127.0.0.1:{VALUES['http_port']};"),
        (r"listen 443 ssl", f"listen 127.0.0.1:{os.environ['HTTPS_PORT']} ssl"),
        (r"server 127\.0\.0\.1:8000;", f"server {VALUES['env']['BIND']};"),
        # The machine's IPv6 is not the test's: the IPv4 listeners above serve the same blocks.
        (r"\n\s*listen \[::\][^\n]*", ""),
    ]
    for pattern, replacement in edits:
        text, count = re.subn(pattern, replacement, text)
        if not count:
            fail(f"{pattern!r} not in {path}: the stand-in editor follows the shipped site file")
    file.write_text(text)


def nginx_reload() -> None:
    server = start("nginx", ["nginx", "-g", "daemon off;"], user="root", env={"PATH": SYSTEM_PATH})
    wait_for_port(int(os.environ["HTTPS_PORT"]), server, "nginx")


def unit_file(unit: str) -> tuple[Path, str]:
    name, _, instance = unit.partition("@")
    if not instance:
        suffix = unit if "." in unit else f"{unit}.service"
        return UNITS / suffix, ""
    instance, _, kind = instance.partition(".")
    return UNITS / f"{name}@.{kind or 'service'}", instance


def unit_sections(path: Path) -> dict[str, list[tuple[str, str]]]:
    """The unit file's ``Key=value`` settings by section, continuation lines joined."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = ""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
        elif line and not line.startswith(("#", ";")) and "=" in line:
            key, value = line.split("=", 1)
            sections[current].append((key.strip(), value.strip()))
    return sections


def environment_file(path: str) -> dict[str, str]:
    values = {}
    for line in Path(path).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = " ".join(shlex.split(value))
    return values


def command_line(value: str, env: dict[str, str], instance: str) -> list[str]:
    """systemd's ExecStart: %i, ${VAR} as one word, $VAR split on spaces."""
    value = value.replace("%i", instance)
    words = []
    for word in shlex.split(value):
        word = re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), word)
        if re.fullmatch(r"\$\w+", word):
            words += env.get(word[1:], "").split()
        else:
            words.append(word)
    return words


def service(unit: str) -> tuple[dict, list[tuple[str, str]], str]:
    path, instance = unit_file(unit)
    if not path.exists():
        fail(f"no unit file {path} for {unit}")
    settings = unit_sections(path)["Service"]
    one = dict(settings)
    user = one.get("User", "root")
    entry = pwd.getpwnam(user)
    env = {"PATH": SYSTEM_PATH, "HOME": entry.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8"}
    if "EnvironmentFile" in one:
        env.update(environment_file(one["EnvironmentFile"].lstrip("-")))
    return {"user": user, "env": env, "cwd": one.get("WorkingDirectory", "/"), "type": one.get("Type", "simple"),
            "instance": instance}, settings, unit


def enable_now(units: list[str], *, wait: bool) -> None:
    for unit in units:
        if unit.endswith(".timer"):
            timer = unit_sections(unit_file(unit)[0])["Timer"]
            assert dict(timer).get("OnCalendar"), f"{unit} has no OnCalendar"
            if not unit_file(unit.replace(".timer", ".service"))[0].exists():
                fail(f"{unit} has no service to start")
            print(f"{unit}: enabled (fires {dict(timer)['OnCalendar']}; the test starts its service itself)")
            continue
        options, settings, name = service(unit)
        run = [command_line(v, options["env"], options["instance"]) for k, v in settings if k == "ExecStart"]
        post = [command_line(v, options["env"], options["instance"]) for k, v in settings if k == "ExecStartPost"]
        if options["type"] == "oneshot" or wait:
            for argv in run + post:
                _entry, drop = as_user(options["user"])
                done = subprocess.run(argv, cwd=options["cwd"], env=options["env"], preexec_fn=drop,
                                      capture_output=True, text=True, timeout=120)
                JOURNAL.mkdir(exist_ok=True)
                with open(JOURNAL / f"{name}.log", "a") as log:
                    log.write(done.stdout + done.stderr)
                print(done.stdout + done.stderr, end="")
                if done.returncode:
                    fail(f"{unit}: {argv[0]} exited with {done.returncode}")
            continue
        (argv,) = run
        process = start(name, argv, user=options["user"], env=options["env"], cwd=options["cwd"])
        if options["type"] == "notify":  # systemctl waits for READY: the web answers on BIND
            wait_for_port(int(options["env"]["BIND"].rsplit(":", 1)[1]), process, unit)
        else:
            time.sleep(0.2)
            if process.poll() is not None:
                fail(f"{unit} exited with {process.returncode}")


def daemon_reload() -> None:
    """systemd-analyze verify the installed units (a template as its instance 1)."""
    folder = WALK / "units"
    folder.mkdir(exist_ok=True)
    for unit in UNITS.glob("theodoi-*"):
        shutil.copy(unit, folder / unit.name.replace("@.", "@1."))
    names = sorted(p.name for p in folder.iterdir())
    result = subprocess.run(["systemd-analyze", "verify", *names], cwd=folder, capture_output=True, text=True, timeout=60)
    complaints = [line for line in result.stderr.splitlines() if "theodoi" in line]
    if result.returncode or complaints:
        fail(result.stderr)


def journal(pattern: str) -> None:
    """The units' last lines; like journalctl a moment after start-up, once each has said something."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(log.stat().st_size for log in JOURNAL.glob("*.log")
                                                  if fnmatch.fnmatch(log.stem, pattern)):
        time.sleep(0.2)
    for log in sorted(JOURNAL.glob("*.log")):
        if fnmatch.fnmatch(log.stem, pattern):
            print(f"-- {log.stem}")
            print("\n".join(log.read_text(errors="replace").splitlines()[-20:]))


def main(command: str, *args: str) -> None:
    actions = {
        "apt-install": lambda: apt_install(list(args)),
        "edit-env": lambda: edit_env(*args),
        "certificate": lambda: certificate(*args),
        "edit-site": lambda: edit_site(*args),
        "nginx-reload": nginx_reload,
        "daemon-reload": daemon_reload,
        "enable-now": lambda: enable_now(list(args), wait=False),
        "start": lambda: enable_now(list(args), wait=True),
        "journal": lambda: journal(*args),
    }
    actions[command]()


if __name__ == "__main__":
    main(*sys.argv[1:])
