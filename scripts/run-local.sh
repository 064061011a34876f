#!/usr/bin/env bash
# `make run`: the local mail sink, the scheduler process and the web server, stopped together on Ctrl-C.
# PORT (5000), MAIL_PORT (8025) and INSTANCE_PATH (./instance) may be set to run a second copy.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export FLASK_APP=wsgi.py
export MAIL_PORT=${MAIL_PORT:-8025}
PORT=${PORT:-5000}
export BASE_URL=${BASE_URL:-http://127.0.0.1:$PORT}
MAIL_DIR="${INSTANCE_PATH:-instance}/mail"
# A whole Maildir: Python's mailbox.Maildir only creates tmp/, new/ and cur/ when it also creates
# the folder itself, so a bare `mkdir mail` would make every delivery fail.
mkdir -p "$MAIL_DIR/tmp" "$MAIL_DIR/new" "$MAIL_DIR/cur"
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null || true' INT TERM EXIT

# Every e-mail the app sends lands in $MAIL_DIR/new (a Maildir); nothing leaves the machine.
"$VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$MAIL_PORT" -c aiosmtpd.handlers.Mailbox "$MAIL_DIR" &
"$VENV/bin/python" - "$MAIL_PORT" <<'PY'
import socket, sys, time
deadline = time.monotonic() + 20
while True:  # the scheduler's first tick must find the sink listening
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("the local mail sink did not start")
        time.sleep(0.1)
PY
"$VENV/bin/flask" scheduler run &
echo "Theo dõi thực hiện kết luận: http://127.0.0.1:$PORT  (mail sink: $MAIL_DIR/new, Ctrl-C to stop)"
# Two sync workers are plenty on one machine (gunicorn.conf.py would start (2 × cores) + 1).
WEB_CONCURRENCY=${WEB_CONCURRENCY:-2} "$VENV/bin/gunicorn" --config gunicorn.conf.py --bind "127.0.0.1:$PORT" \
  --access-logfile - wsgi:app
