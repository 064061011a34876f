"""The deployment kit's systemd units are valid (`systemd-analyze verify`, with the install paths moved to
this checkout), run commands that exist, and the README's deployment section names only real files."""

from __future__ import annotations

import re
import shutil
import subprocess

from tests.deploy.servers import ROOT

UNITS = ROOT / "deploy" / "systemd"


def test_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is needed (Debian package systemd; make test installs it)"
    env = tmp_path / "theodoi.env"
    env.write_text((ROOT / "deploy" / "theodoi.env.example").read_text())
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/srv/theodoi", str(ROOT)).replace("/etc/theodoi/theodoi.env", str(env))
        text = text.replace("User=theodoi", "User=root").replace("Group=theodoi", "Group=root")
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text)
    names = sorted(p.name for p in tmp_path.glob("theodoi-*"))
    assert names == ["theodoi-backup.service", "theodoi-backup.timer", "theodoi-scheduler@1.service",
                     "theodoi-web.service"]
    result = subprocess.run([analyze, "verify", *names], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    complaints = [line for line in result.stderr.splitlines() if "theodoi" in line]
    assert complaints == []


def test_units_run_the_app_commands(runner):
    commands = {line.split("flask ", 1)[1].split()[:2][0] + " " + line.split("flask ", 1)[1].split()[1]
                for unit in UNITS.glob("*.service") for line in unit.read_text().splitlines()
                if line.startswith("ExecStart=") and "/flask " in line}
    assert commands == {"scheduler run", "backup create"}
    for command in commands:
        assert runner.invoke(args=[*command.split(), "--help"]).exit_code == 0
    assert "--out-dir" in runner.invoke(args=["backup", "create", "--help"]).output


def test_readme_deployment_section_names_real_files():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Deploying on Debian", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"/srv/theodoi/(deploy/[\w./@-]+)", section))
    assert {"deploy/nginx/theodoi.conf", "deploy/theodoi.env.example", "deploy/logrotate/theodoi"} <= named
    for path in named:
        assert (ROOT / path.rstrip("*")).exists(), path
    env_names = set(re.findall(r"^([A-Z_]+)=", (ROOT / "deploy" / "theodoi.env.example").read_text(), re.MULTILINE))
    config_names = set(re.findall(r"env_\w+\(\"([A-Z_]+)\"", (ROOT / "config.py").read_text()))
    extra = {"APP_ENV", "DATABASE_URL", "INSTANCE_PATH", "TRUSTED_PROXIES", "BIND", "WEB_CONCURRENCY", "FLASK_APP",
             "BACKUP_KEEP_DAYS", "BACKUP_DIR"}
    assert env_names - config_names - extra == set()  # no misspelt setting in the example


def test_environment_file_reads_the_same_in_a_shell_and_in_systemd(tmp_path):
    """The README sources the file in sh (`set -a; . theodoi.env`); systemd reads it as EnvironmentFile."""
    example = ROOT / "deploy" / "theodoi.env.example"
    result = subprocess.run(["sh", "-c", f"set -a; . {example}; set +a; env -0"], capture_output=True, timeout=10,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and result.stderr == b"", result.stderr
    shell = dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)
    assert shell["MAIL_DEFAULT_SENDER"] == "Văn phòng Huyện ủy <vanphong@example.vn>"
    assert shell["DISTRICT_NAME"] == "Long Mỹ" and shell["APP_ENV"] == "production"
