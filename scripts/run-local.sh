#!/usr/bin/env bash
# `make run`: the local mail sink, the scheduler process and the web server, stopped together on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export FLASK_APP=wsgi.py
mkdir -p instance/mail
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null || true' INT TERM EXIT

# Every e-mail the app sends lands in instance/mail/ (a Maildir); nothing leaves the machine.
"$VENV/bin/python" -m aiosmtpd -n -l 127.0.0.1:${MAIL_PORT:-8025} -c aiosmtpd.handlers.Mailbox instance/mail &
sleep 1
"$VENV/bin/flask" scheduler run &
echo "Theo dõi thực hiện kết luận: http://127.0.0.1:5000  (mail sink: instance/mail/new, Ctrl-C to stop)"
# Two sync workers are plenty on one machine (gunicorn.conf.py would start (2 × cores) + 1).
WEB_CONCURRENCY=${WEB_CONCURRENCY:-2} "$VENV/bin/gunicorn" --config gunicorn.conf.py --bind 127.0.0.1:5000 \
  --access-logfile - wsgi:app
