"""Work set aside in a forked child: the same result as here, and errors raised here with their own traceback."""

from __future__ import annotations

import os
import sys
import threading

import pytest

import tfl_inspect
from tests.conftest import sample
from tfl_inspect.commands import _aside
from tfl_inspect.commands._aside import aside
from tfl_inspect.errors import UsageError

forks = pytest.mark.skipif(not _aside._can_fork(), reason="no cheap fork here (not Linux, one CPU, or threads running)")


@forks
def test_the_child_does_the_work_and_sends_it_back() -> None:
    result = aside(lambda: (os.getpid(), {"k": [1, 2.5, "x"]}))
    pid, value = result()
    assert pid != os.getpid()  # computed in the child
    assert value == {"k": [1, 2.5, "x"]}


@forks
def test_a_report_s_analyses_equal_those_made_here() -> None:
    from tfl_inspect.commands.report import _analyses

    model = tfl_inspect.load(sample("torch/gen_decoder_f32.tflite"))
    assert aside(lambda: _analyses(model))() == _analyses(model)


@forks
def test_a_failing_child_raises_here_with_the_real_error() -> None:
    calls: list[int] = []

    def work() -> None:
        calls.append(os.getpid())
        raise UsageError("bad input, said once")

    pending = aside(work)
    with pytest.raises(UsageError, match="bad input"):
        pending()
    assert calls == [os.getpid()]  # the child's attempt is not seen here; the rerun here is


def test_threads_running_or_no_fork_means_the_work_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not _aside._can_fork()
        assert aside(os.getpid)() == os.getpid()
    finally:
        stop.set()
        t.join()
    monkeypatch.setattr(sys, "platform", "darwin")
    assert aside(os.getpid)() == os.getpid()
