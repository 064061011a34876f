"""The send loop's messages are composed ahead on a thread; whatever goes wrong there, the loop
composes the message itself, so the result is the same as without it."""

from __future__ import annotations

import threading

from app.reminders.composing import Precomposer


class _Message:
    def __init__(self, rows, thread):
        self.rows, self.thread, self.frozen = rows, thread, False

    def freeze(self):
        self.frozen = True


class _Composer:
    """Fails on the group ["boom"] when called on the composing thread."""

    def message(self, rows, tag):
        thread = threading.current_thread().name
        if rows == ["boom"] and thread == "reminder-composer":
            raise RuntimeError("template error")
        return None if rows == ["gone"] else _Message(rows, thread)


def test_messages_come_in_order_composed_ahead_and_frozen(app):
    groups = [[f"r{i}"] for i in range(100)]  # more than the queue holds ahead
    ahead = Precomposer(_Composer(), groups, "tag")
    try:
        for index in (0, 1, 5, 99):  # the loop may skip groups another tick took
            message = ahead.take(index)
            assert message.rows == groups[index] and message.thread == "reminder-composer" and message.frozen
    finally:
        ahead.close()
    assert not ahead._thread.is_alive()


def test_a_failure_on_the_thread_is_composed_again_by_the_loop(app):
    ahead = Precomposer(_Composer(), [["a"], ["boom"], ["gone"], ["c"]], "tag")
    try:
        assert ahead.take(0).rows == ["a"]
        again = ahead.take(1)
        assert again.rows == ["boom"] and again.thread == threading.current_thread().name
        assert ahead.take(2) is None  # a vanished task: nothing to say, as before
        assert ahead.take(3).rows == ["c"]
    finally:
        ahead.close()


def test_closing_early_stops_the_thread(app):
    ahead = Precomposer(_Composer(), [[f"r{i}"] for i in range(1000)], "tag")
    ahead.take(0)
    ahead.close()
    assert not ahead._thread.is_alive()
