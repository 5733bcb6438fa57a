"""The one child-process runner: results, exceptions, crashes and timeouts each come back as what they are."""

from __future__ import annotations

import signal
import time

from tfl_inspect.runtime import call, call_each, start


def test_a_result_comes_back_as_json() -> None:
    out = call("json:loads", '{"a": [1, 2.5, null]}')
    assert out.ok and out.value == {"a": [1, 2.5, None]}


def test_an_exception_is_raised_not_a_crash() -> None:
    out = call("json:loads", "{not json")
    assert out.ended == "raised" and out.exception == "JSONDecodeError" and "Expecting property name" in out.error


def test_a_crash_is_reported_with_its_signal_and_the_next_calls_run_in_a_new_child() -> None:
    harmless, abort = [int(signal.SIGCHLD)], [int(signal.SIGABRT)]  # raised in the child itself
    outs = call_each("signal:raise_signal", [harmless, abort, harmless])
    assert [o.ended for o in outs] == ["ok", "crash", "ok"]
    assert outs[1].returncode == -signal.SIGABRT and outs[1].how() == "crashed (signal 6, SIGABRT)"


def test_a_call_past_its_timeout_is_killed_and_the_rest_go_on() -> None:
    t0 = time.monotonic()
    outs = call_each("time:sleep", [[0], [60], [0]], timeout=2)
    assert [o.ended for o in outs] == ["ok", "timeout", "ok"]
    assert outs[1].how() == "took longer than 2 s" and time.monotonic() - t0 < 30


def test_what_the_child_prints_does_not_mix_with_results() -> None:
    """print() (like LiteRT's C++ output) goes to stderr; the result still arrives."""
    out = call("builtins:print", '{"id": 0, "ended": "ok", "value": "forged"}')
    assert out.ok and out.value is None


def test_start_runs_while_the_caller_works() -> None:
    t0 = time.monotonic()
    running = start("time:sleep", 2.0)
    started = time.monotonic() - t0
    assert running.result().ok
    assert started < 1.5 and time.monotonic() - t0 >= 2.0  # start returned at once; result waited
