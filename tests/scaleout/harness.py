"""The production deployment on one machine, and a load that checks it (used by the test and the bench).

What runs, as the README's production section describes it:

- a database: PostgreSQL (a private server started with initdb/pg_ctl), migrated with the app's
  migrations, loaded with a district of agencies, officers and tasks due around today;
- two web processes: ``gunicorn --workers 2 --threads 4 --worker-class gthread wsgi:app`` on two
  ports of 127.0.0.1 (``APP_ENV=production``), requests spread over both like a load balancer;
- two scheduler processes: ``flask scheduler run``; one holds the leader lock and sends, the other
  waits as a standby;
- an SMTP server (aiosmtpd, in this process) that records every message.

The load: N client threads, each an agency officer, mix reads (web pages through a logged-in
session and API reads) with progress updates (the web report form and the API, carrying the task
version they read; a 409 conflict is re-read and retried) for a bounded time. Afterwards the
checks: no error (no 5xx, no connection error, no unexpected status), no lost update (every
accepted update is in the database and the task history, and each task shows its latest accepted
report), and every reminder sent exactly once (no Message-ID twice, each reminder log row in
exactly one message, every row marked sent was received).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlencode

from tests.plugins.net import free_port
from tests.plugins.processes import child_environment

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Mat-khau-tai-kiem-thu-2024"
AGENCIES = 8
OFFICERS_PER_AGENCY = 4
TASKS_PER_AGENCY = 6
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" (?:type="hidden" )?value="(\d+)"')
#: Statuses a well-behaved client can get; anything else is an error.
EXPECTED = {200, 201, 302, 303, 409}


def wait_for_port(port: int, timeout: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


def warm_up(port: int, *, workers: int, timeout: float = 120) -> None:
    """Until every worker of a web process answers quickly (each imports the app when it boots)."""
    deadline = time.monotonic() + timeout

    def probe(results: list) -> None:
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", "/healthz")
            ok = connection.getresponse().status == 200
            connection.close()
        except OSError:
            ok = False
        results.append(ok and time.perf_counter() - started < 1.0)

    while time.monotonic() < deadline:
        results: list[bool] = []
        threads = [threading.Thread(target=probe, args=(results,)) for _ in range(workers * 4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if all(results):
            return
    raise RuntimeError(f"the web process on port {port} did not warm up")


# ------------------------------------------------------------------------------------------------
# SMTP sink
# ------------------------------------------------------------------------------------------------


@dataclass
class Received:
    message_id: str
    reminder_ids: tuple[int, ...]
    recipients: tuple[str, ...]


class MailSink:
    """Records every message the schedulers send (thread-safe)."""

    def __init__(self):
        self.messages: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = message_from_bytes(envelope.original_content or envelope.content)
        ids = tuple(int(i) for i in (message.get("X-Reminder-Ids") or "").split(",") if i.strip())
        with self.lock:
            self.messages.append(Received(message.get("Message-ID", ""), ids, tuple(envelope.rcpt_tos)))
        return "250 OK"


@contextmanager
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


# ------------------------------------------------------------------------------------------------
# The deployment
# ------------------------------------------------------------------------------------------------


@dataclass
class Deployment:
    database_url: str
    env: dict
    web_ports: list[int]
    sink: MailSink
    seed: dict
    schedulers: list[subprocess.Popen] = field(default_factory=list)
    webs: list[subprocess.Popen] = field(default_factory=list)
    logs: Path | None = None

    def log_tail(self, limit: int = 4000) -> str:
        if self.logs is None:
            return ""
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-limit:]}")
        return "\n".join(parts)


#: Every process of the deployment starts its clock here (a working Wednesday morning in Vietnam),
#: so the district's due dates and the schedulers' "today" are the same at any hour of the run.
DEPLOYMENT_CLOCK_START = "2026-12-02T09:00:00+07:00"


def deployment_env(database_url: str, smtp_port: int, workdir: Path) -> dict:
    env = child_environment(("FLASK_", "APP_", "PYTEST"), CLOCK_START_AT=DEPLOYMENT_CLOCK_START)
    env.update({
        "APP_ENV": "production", "SECRET_KEY": "scale-out-test-secret-0123456789abcdef", "DATABASE_URL": database_url,
        "FLASK_APP": "wsgi.py", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port), "MAIL_TIMEOUT": "10",
        "BASE_URL": "https://theodoi.phunghiep.example", "UPLOAD_DIR": str(workdir / "uploads"),
        "SCHEDULER_LOCK_FILE": str(workdir / "scheduler.lock"), "INSTANCE_PATH": str(workdir),
        # Password hashing at full production cost would make the 32 logins the load test (argon2id
        # at 64 MiB each); the cost is not what this test measures.
        "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "8192", "ARGON2_PARALLELISM": "1",
        "PYTHONPATH": str(ROOT),
    })
    return env


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def prepare_database(env: dict) -> dict:
    """Migrate and seed in a separate process (the production app factory, as `flask db upgrade` does)."""
    out = subprocess.run([sys.executable, "-c", "from tests.scaleout.harness import _prepare_main; _prepare_main()"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"preparing the database failed:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _prepare_main() -> None:
    """Run inside the prepare process: migrate, load the district, print what the clients need as JSON."""
    import logging

    from flask_migrate import upgrade

    from app import create_app

    logging.disable(logging.INFO)
    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        print(json.dumps(seed_district()))


def seed_district() -> dict:
    """Agencies with officers (API tokens issued), an office chief, and tasks due around today."""
    from datetime import timedelta

    from app.auth.services import issue_api_token
    from app.core.clock import today_local
    from app.core.enums import DirectiveStatus, MeetingKind, OrganisationKind, Role, TaskKind, TaskStatus
    from app.core.security import hash_password
    from app.extensions import db
    from app.models import Directive, Meeting, Organisation, Task, User, WorkdayOverride
    from app.reminders.workdays import load_calendar

    today = today_local()
    # The reminders only go out on working days: make today one (a make-up day), whatever the date.
    db.session.add(WorkdayOverride(day=today, is_working_day=True, note="Ngày làm bù (kiểm thử tải)"))
    db.session.flush()
    calendar = load_calendar(today)
    office = Organisation(code="VP", name="Văn phòng Huyện ủy", kind=OrganisationKind.ADVISORY, display_order=10)
    db.session.add(office)
    password = hash_password(PASSWORD)
    db.session.add(User(email="chanh.vp@scale.example", name="Chánh Văn phòng", role=Role.OFFICE_CHIEF,
                        organisation=office, password_hash=password))
    meeting = Meeting(kind=MeetingKind.PERIODIC, period_label="quý hiện tại", year=today.year,
                      quarter=(today.month - 1) // 3 + 1, held_on=today - timedelta(days=40), chair="Thường trực Huyện ủy")
    directive = Directive(doc_type="TB", number="501", issuer_suffix="HU", issued_on=today - timedelta(days=38),
                          title="Thông báo kết luận buổi làm việc định kỳ", meeting=meeting, status=DirectiveStatus.ISSUED)
    db.session.add_all([meeting, directive])
    previous_working = today - timedelta(days=1)
    while not calendar.is_working_day(previous_working):
        previous_working -= timedelta(days=1)
    dues = [today, calendar.add_working_days(today, 3), calendar.add_working_days(today, 7), previous_working,
            today + timedelta(days=60), today - timedelta(days=30)]
    clients, tasks, ordinal = [], {}, 0
    for a in range(AGENCIES):
        org = Organisation(code=f"CQ{a:02d}", name=f"Cơ quan số {a + 1}", kind=OrganisationKind.ADVISORY,
                           display_order=20 + a, report_heading=f"Lĩnh vực {a + 1}")
        db.session.add(org)
        db.session.add(User(email=f"lanh.dao{a}@scale.example", name=f"Lãnh đạo {a + 1}", role=Role.AGENCY_HEAD,
                            organisation=org, password_hash=password))
        officers = [User(email=f"can.bo{a}.{o}@scale.example", name=f"Cán bộ {a + 1}.{o + 1}",
                         role=Role.AGENCY_OFFICER, organisation=org, password_hash=password)
                    for o in range(OFFICERS_PER_AGENCY)]
        db.session.add_all(officers)
        org_tasks = []
        for n in range(TASKS_PER_AGENCY):
            ordinal += 1
            due = dues[n % len(dues)]
            task = Task(directive=directive, ordinal=ordinal, title=f"Nhiệm vụ {ordinal} của cơ quan {a + 1}",
                        lead_org=org, due_date=due, original_due_date=due, status=TaskStatus.NOT_STARTED,
                        kind=TaskKind.ONE_OFF)
            db.session.add(task)
            org_tasks.append(task)
        db.session.flush()
        tasks[a] = [t.id for t in org_tasks]
        for officer in officers:
            clients.append({"agency": a, "email": officer.email, "token": issue_api_token(officer)})
    db.session.commit()
    return {"clients": clients, "tasks": tasks, "today": today.isoformat(), "due": [d.isoformat() for d in dues]}


@contextmanager
def running_deployment(*, database: str = "postgresql", schedulers: int = 2, webs: int = 2, workers: int = 2,
                       threads: int = 4, tick_seconds: float = 3.0):
    """Start the whole deployment; stop every process it started, whatever happens."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tracker-scaleout-")))
        logs = workdir / "logs"
        logs.mkdir()
        if database == "postgresql":
            from tests.plugins.postgres import running_postgres

            url, _port = stack.enter_context(running_postgres())
        else:
            url = f"sqlite:///{workdir / 'tracker.sqlite'}"
        sink, smtp_port = stack.enter_context(smtp_sink())
        env = deployment_env(url, smtp_port, workdir)
        seed = prepare_database(env)
        deployment = Deployment(database_url=url, env=env, web_ports=[], sink=sink, seed=seed, logs=logs)
        stack.callback(_stop_all, deployment)
        for n in range(webs):
            port = free_port()
            log = stack.enter_context(open(logs / f"web{n}.log", "w"))  # noqa: SIM115 (closed by the stack)
            process = subprocess.Popen(
                [_bin("gunicorn"), "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
                 "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5", "wsgi:app"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            deployment.webs.append(process)
            deployment.web_ports.append(port)
        for n in range(schedulers):
            log = stack.enter_context(open(logs / f"scheduler{n}.log", "w"))  # noqa: SIM115
            process = subprocess.Popen(
                [_bin("flask"), "scheduler", "run", "--heartbeat", "1", "--standby-retry", "1",
                 "--tick-minutes", str(tick_seconds / 60)],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            deployment.schedulers.append(process)
        for process, port in zip(deployment.webs, deployment.web_ports, strict=True):
            wait_for_port(port, process=process)
        for port in deployment.web_ports:
            warm_up(port, workers=workers)
        yield deployment


def _stop_all(deployment: Deployment) -> None:
    for process in deployment.webs + deployment.schedulers:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
    for process in deployment.webs + deployment.schedulers:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


# ------------------------------------------------------------------------------------------------
# Clients
# ------------------------------------------------------------------------------------------------


@dataclass
class Accepted:
    task_id: int
    marker: str
    percent: int
    via: str


@dataclass
class ClientStats:
    requests: int = 0
    reads: int = 0
    updates: int = 0
    conflicts: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)


class Client:
    """One agency officer: a browser session (cookie kept by hand, as behind a TLS proxy) and a token."""

    def __init__(self, number: int, info: dict, tasks: list[int], ports: list[int], seed: int):
        self.number = number
        self.info = info
        self.tasks = tasks
        self.ports = ports
        self.random = random.Random(seed)
        self.connections: dict[int, http.client.HTTPConnection] = {}
        self.cookie: str | None = None
        self.stats = ClientStats()
        self.sequence = 0

    # -- HTTP ---------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
                api: bool = False) -> tuple[int, dict, bytes]:
        port = self.random.choice(self.ports)
        sent = dict(headers or {})
        if api:
            sent["Authorization"] = f"Bearer {self.info['token']}"
        elif self.cookie:
            sent["Cookie"] = self.cookie
        started = time.perf_counter()
        for attempt in range(2):
            connection = self.connections.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            self.connections[port] = connection
            try:
                connection.request(method, path, body=body, headers=sent)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                # A keep-alive connection the server closed between requests: reconnect once.
                connection.close()
                self.connections.pop(port, None)
                if attempt == 1:
                    self.stats.errors.append(f"{method} {path}: {type(error).__name__}: {error}")
                    return 0, {}, b""
            except OSError as error:
                connection.close()
                self.connections.pop(port, None)
                self.stats.errors.append(f"{method} {path}: {type(error).__name__}: {error}")
                return 0, {}, b""
        self.stats.latencies.append(time.perf_counter() - started)
        self.stats.requests += 1
        self.stats.statuses[response.status] += 1
        response_headers = {k.lower(): v for k, v in response.getheaders()}
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if response.status not in EXPECTED:
            self.stats.errors.append(f"{method} {path} → {response.status}: {data[:300]!r}")
        return response.status, response_headers, data

    def form(self, path: str, fields: dict) -> tuple[int, dict, bytes]:
        return self.request("POST", path, body=urlencode(fields).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def login(self) -> None:
        _status, _h, page = self.request("GET", "/login")
        token = CSRF_RE.search(page.decode()).group(1)
        status, headers, _data = self.form("/login", {"email": self.info["email"], "password": PASSWORD,
                                                      "csrf_token": token})
        if status != 302 or "/login" in headers.get("location", "/login"):
            raise RuntimeError(f"client {self.number} could not log in ({status})")

    # -- actions ------------------------------------------------------------------------------------
    def read(self) -> None:
        task = self.random.choice(self.tasks)
        choice = self.random.random()
        if choice < 0.25:
            self.request("GET", f"/tasks/{task}")
        elif choice < 0.4:
            self.request("GET", "/progress/inbox")
        elif choice < 0.5:
            self.request("GET", "/")
        elif choice < 0.8:
            self.request("GET", f"/api/v1/tasks/{task}", api=True)
        else:
            self.request("GET", "/api/v1/tasks?limit=20", api=True)
        self.stats.reads += 1

    def update(self) -> None:
        """One progress update, retried on conflict (re-read, re-apply) until it is accepted."""
        task = self.random.choice(self.tasks)
        self.sequence += 1
        marker = f"[tai-{self.number}-{self.sequence}]"
        percent = self.random.randint(1, 99)
        via = "web" if self.random.random() < 0.5 else "api"
        for _attempt in range(20):
            status = self._update_web(task, marker, percent) if via == "web" else self._update_api(task, marker, percent)
            if status == 409:
                self.stats.conflicts += 1
                time.sleep(self.random.uniform(0, 0.05))
                continue
            if status in (201, 302):
                self.stats.accepted.append(Accepted(task, marker, percent, via))
            break
        self.stats.updates += 1

    def _update_api(self, task: int, marker: str, percent: int) -> int:
        status, headers, _data = self.request("GET", f"/api/v1/tasks/{task}", api=True)
        if status != 200:
            return status
        body = json.dumps({"status": "in_progress", "progress_percent": percent,
                           "result_text": f"Đã triển khai, cập nhật qua API {marker}"}).encode()
        status, _h, _d = self.request("POST", f"/api/v1/tasks/{task}/progress-reports", body=body, api=True,
                                      headers={"Content-Type": "application/json", "If-Match": headers.get("etag", "")})
        return status

    def _update_web(self, task: int, marker: str, percent: int) -> int:
        status, _h, page = self.request("GET", f"/progress/tasks/{task}/report")
        if status != 200:
            return status
        html = page.decode()
        csrf, version = CSRF_RE.search(html), VERSION_RE.search(html)
        if not csrf or not version:
            self.stats.errors.append(f"report form of task {task} without csrf token or version")
            return 0
        status, headers, _d = self.form(f"/progress/tasks/{task}/report", {
            "csrf_token": csrf.group(1), "version": version.group(1), "status": "in_progress",
            "progress_percent": str(percent), "content_item_id": "0",
            "result_text": f"Đã triển khai, cập nhật trên web {marker}"})
        if status == 302 and f"/tasks/{task}" not in headers.get("location", ""):
            self.stats.errors.append(f"web update of task {task} redirected to {headers.get('location')}")
            return 0
        return status

    def run(self, deadline: float, update_share: float) -> None:
        try:
            self.login()
        except Exception as error:  # counted as an error of the run, not a crash of the thread
            self.stats.errors.append(f"login: {error}")
            return
        while time.monotonic() < deadline:
            if self.random.random() < update_share:
                self.update()
            else:
                self.read()
        for connection in self.connections.values():
            connection.close()


@dataclass
class LoadResult:
    clients: int
    seconds: float
    stats: ClientStats
    lost: list[str]
    reminder_problems: list[str]
    messages: int
    sent_rows: int
    leaders: int

    @property
    def errors(self) -> list[str]:
        return self.stats.errors

    def percentile(self, p: float) -> float:
        values = sorted(self.stats.latencies)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000

    def summary(self) -> str:
        s = self.stats
        return (f"{self.clients} clients, {self.seconds:.0f} s: {s.requests} requests ({s.requests / self.seconds:.0f}/s), "
                f"{s.reads} reads, {s.updates} updates ({len(s.accepted)} accepted, {s.conflicts} conflicts retried), "
                f"p50 {self.percentile(50):.0f} ms, p95 {self.percentile(95):.0f} ms; errors {len(s.errors)}, "
                f"lost updates {len(self.lost)}; reminders: {self.messages} messages for {self.sent_rows} sent rows, "
                f"problems {len(self.reminder_problems)}; leaders {self.leaders}; statuses {dict(sorted(s.statuses.items()))}")


def run_load(deployment: Deployment, *, clients: int, seconds: float, update_share: float = 0.35,
             seed: int = 2024) -> LoadResult:
    infos = deployment.seed["clients"]
    workers = []
    for n in range(clients):
        info = infos[n % len(infos)]
        tasks = deployment.seed["tasks"][str(info["agency"])]
        workers.append(Client(n, info, tasks, deployment.web_ports, seed + n))
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=c.run, args=(deadline, update_share), name=f"client-{c.number}")
               for c in workers]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.monotonic() - started
    total = ClientStats()
    for c in workers:
        s = c.stats
        total.requests += s.requests
        total.reads += s.reads
        total.updates += s.updates
        total.conflicts += s.conflicts
        total.latencies += s.latencies
        total.errors += s.errors
        total.accepted += s.accepted
        total.statuses.update(s.statuses)
    wait_for_reminders(deployment)
    lost = check_updates(deployment, total.accepted)
    problems, messages, sent_rows, leaders = check_reminders(deployment)
    return LoadResult(clients, elapsed, total, lost, problems, messages, sent_rows, leaders)


# ------------------------------------------------------------------------------------------------
# Leader fail-over
# ------------------------------------------------------------------------------------------------


def _add_task_main() -> None:
    """Run in a helper process: one more task, due today, for the first agency (new reminders)."""
    import logging

    import sqlalchemy as sa

    from app import create_app
    from app.core.clock import today_local
    from app.core.enums import TaskKind, TaskStatus
    from app.extensions import db
    from app.models import Directive, Organisation, Task

    logging.disable(logging.INFO)
    app = create_app()
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.code == "CQ00"))
        directive = db.session.scalar(sa.select(Directive))
        task = Task(directive=directive, ordinal=999, title="Nhiệm vụ giao thêm sau khi đổi tiến trình lập lịch",
                    lead_org=org, due_date=today_local(), original_due_date=today_local(),
                    status=TaskStatus.NOT_STARTED, kind=TaskKind.ONE_OFF)
        db.session.add(task)
        db.session.commit()
        print(task.id)


def fail_over(deployment: Deployment, timeout: float = 60) -> list[str]:
    """Kill the leading scheduler outright; the standby must take over and send new reminders once."""
    import sqlalchemy as sa

    problems: list[str] = []
    engine = _engine(deployment)
    try:
        with engine.connect() as conn:
            leader = conn.execute(sa.text("SELECT process FROM scheduler_heartbeat WHERE is_leader "
                                          "ORDER BY last_seen_at DESC LIMIT 1")).scalar()
        pid = int(leader.rsplit(":", 1)[1]) if leader else None
        victim = next((p for p in deployment.schedulers if p.pid == pid), None)
        if victim is None:
            return [f"no running scheduler is the leader (heartbeat says {leader!r})"]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        out = subprocess.run([sys.executable, "-c", "from tests.scaleout.harness import _add_task_main; _add_task_main()"],
                             env=deployment.env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            return [f"adding a task failed: {out.stderr[-2000:]}"]
        task_id = int(out.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + timeout
        sent = 0
        while time.monotonic() < deadline and not sent:
            time.sleep(1)
            with engine.connect() as conn:
                sent = conn.execute(sa.text("SELECT count(*) FROM reminder_log WHERE task_id = :t AND state = 'sent'"),
                                    {"t": task_id}).scalar()
        if not sent:
            problems.append(f"after the leader died no reminder for the new task {task_id} was sent within {timeout:.0f} s")
        survivors = [p for p in deployment.schedulers if p.poll() is None]
        with engine.connect() as conn:
            new_leader = conn.execute(sa.text("SELECT process FROM scheduler_heartbeat WHERE is_leader "
                                              "ORDER BY last_seen_at DESC LIMIT 1")).scalar()
        if not survivors or new_leader is None or int(new_leader.rsplit(":", 1)[1]) != survivors[0].pid:
            problems.append(f"the standby did not take over (leader now {new_leader!r})")
    finally:
        engine.dispose()
    wait_for_reminders(deployment)
    return problems


# ------------------------------------------------------------------------------------------------
# Checks against the database
# ------------------------------------------------------------------------------------------------


def _engine(deployment: Deployment):
    import sqlalchemy as sa

    return sa.create_engine(deployment.database_url, poolclass=sa.pool.NullPool)


def check_updates(deployment: Deployment, accepted: list[Accepted]) -> list[str]:
    """Every accepted update is stored once, in the task's history, and each task shows its latest one."""
    import sqlalchemy as sa

    engine = _engine(deployment)
    problems = []
    try:
        with engine.connect() as conn:
            reports = conn.execute(sa.text(
                "SELECT id, task_id, progress_percent, result_text FROM progress_report ORDER BY id")).all()
            tasks = {row.id: row for row in conn.execute(sa.text("SELECT id, progress_percent, version_id FROM task"))}
            history = Counter(row.task_id for row in conn.execute(sa.text(
                "SELECT task_id FROM audit_event WHERE action = 'report' AND entity_type = 'ProgressReport'")))
    finally:
        engine.dispose()
    by_marker = defaultdict(list)
    for row in reports:
        match = re.search(r"\[tai-\d+-\d+\]", row.result_text)
        if match:
            by_marker[match.group(0)].append(row)
    for update in accepted:
        rows = by_marker.get(update.marker, [])
        if len(rows) != 1:
            problems.append(f"accepted update {update.marker} on task {update.task_id} stored {len(rows)} times")
        elif rows[0].task_id != update.task_id or rows[0].progress_percent != update.percent:
            problems.append(f"accepted update {update.marker} stored on task {rows[0].task_id} with "
                            f"{rows[0].progress_percent}% instead of task {update.task_id} {update.percent}%")
    accepted_markers = {u.marker for u in accepted}
    for marker in by_marker:
        if marker not in accepted_markers:
            problems.append(f"report {marker} stored but its client never saw it accepted")
    latest: dict[int, object] = {}
    per_task = Counter()
    for row in reports:
        latest[row.task_id] = row
        per_task[row.task_id] += 1
    for task_id, row in latest.items():
        if tasks[task_id].progress_percent != row.progress_percent:
            problems.append(f"task {task_id} shows {tasks[task_id].progress_percent}% but its latest report says "
                            f"{row.progress_percent}% (an update was lost)")
        if history[task_id] != per_task[task_id]:
            problems.append(f"task {task_id}: {per_task[task_id]} reports but {history[task_id]} in its history")
    return problems


def wait_for_reminders(deployment: Deployment, timeout: float = 60) -> None:
    """Until no reminder is claimed but unsent and the leader has ticked since the load ended."""
    import sqlalchemy as sa

    engine = _engine(deployment)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                pending = conn.execute(sa.text(
                    "SELECT count(*) FROM reminder_log WHERE state = 'claimed' AND next_attempt_at IS NULL")).scalar()
                total = conn.execute(sa.text("SELECT count(*) FROM reminder_log")).scalar()
            if total and not pending:
                time.sleep(1.0)  # a send in progress is marked in the same commit as the next claim
                return
            time.sleep(0.5)
    finally:
        engine.dispose()


def check_reminders(deployment: Deployment) -> tuple[list[str], int, int, int]:
    """No message twice, each sent log row in exactly one message, every sent row received; and the
    number of live scheduler processes that say they lead."""
    import sqlalchemy as sa

    engine = _engine(deployment)
    alive = {p.pid for p in deployment.schedulers if p.poll() is None}
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, state, dedupe_key FROM reminder_log")).all()
            leading = conn.execute(sa.text("SELECT process FROM scheduler_heartbeat WHERE is_leader")).scalars().all()
            leaders = sum(1 for process in leading if int(process.rsplit(":", 1)[1]) in alive)
    finally:
        engine.dispose()
    with deployment.sink.lock:
        messages = list(deployment.sink.messages)
    problems = []
    ids = Counter(message.message_id for message in messages)
    problems += [f"Message-ID {mid} received {n} times" for mid, n in ids.items() if n > 1]
    carried = Counter(i for message in messages for i in message.reminder_ids)
    problems += [f"reminder {rid} sent in {n} messages" for rid, n in carried.items() if n > 1]
    sent = {row.id for row in rows if row.state == "sent"}
    missing = sent - set(carried)
    problems += [f"reminder {rid} marked sent but never received" for rid in sorted(missing)]
    unknown = set(carried) - {row.id for row in rows}
    problems += [f"a message carried unknown reminder id {rid}" for rid in sorted(unknown)]
    not_marked = {rid for rid in carried if rid in {row.id for row in rows} and rid not in sent}
    problems += [f"reminder {rid} received but not marked sent" for rid in sorted(not_marked)]
    if not messages:
        problems.append("no reminder was sent at all (the scheduler never ticked?)")
    return problems, len(messages), len(sent), leaders
