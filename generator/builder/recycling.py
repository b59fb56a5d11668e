"""A process pool whose workers retire after a number of tasks, and which notices a worker that dies.

Why not a standard pool with recycling, on Python 3.11:

* ``multiprocessing.Pool(maxtasksperchild=...)`` replaces a retired or dead worker silently. A task
  that was running in a worker that died (a crash in native code, the OOM killer) is never
  answered, and the parent waits forever: a 1,000-incident PDF build once stopped that way, with
  both workers idle on an empty queue. CPython gh-91315 (still open) reports the same wait under
  load with ``maxtasksperchild``.
* ``ProcessPoolExecutor(max_tasks_per_child=...)`` hangs once a worker retires (gh-115634).

A ``ProcessPoolExecutor`` *without* recycling does notice a dead worker: every unfinished future
raises ``BrokenProcessPool`` at once. So tasks run in *generations*: one executor takes
``workers × tasks_per_child`` tasks, and when the caller has collected them, that executor is shut
down and a fresh one takes the next tasks. No worker outlives its share of tasks (WeasyPrint grows
by ~30 MiB per 100 PDFs in one process). When a worker dies, the unfinished tasks run once more on
fresh workers; a task whose worker dies again is reported, with how the workers ended, as
``WorkerLost`` instead of a wait without end.

The caller collects results in the order it submitted them (the build does), which is what lets a
generation start exactly when the previous one has been collected.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import Any

RETIRE_SECONDS = 30.0  # how long a broken executor's clean-up, and each of its workers, may take before being cut short
BROKEN_CLEANUP_SECONDS = 5.0  # how long a broken executor may end its workers by itself before the rest are killed


class PoolStalled(Exception):
    """No result came within the caller's limit (a worker hangs, or the pool lost a task)."""


class WorkerLost(PoolStalled):
    """A task's worker died twice running it (a crash or a kill each time); the message says how they ended."""


class RecyclingPool:
    """Run tasks on ``workers`` processes of ``context``, each retiring after ``tasks_per_child`` tasks."""

    def __init__(self, workers: int, context: Any, tasks_per_child: int,
                 initializer: Callable[[], None] | None = None) -> None:
        self.workers, self.context, self.initializer = workers, context, initializer
        self.generation_size = max(1, workers * tasks_per_child)
        self.tasks: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.futures: list[Future[Any]] = []  # the handed-over tasks' futures, by task number
        self.executor: ProcessPoolExecutor | None = None
        self.started = 0  # tasks handed to an executor so far (whole generations)
        self.retried: set[int] = set()  # tasks run again after their worker died
        self.closed = False

    def submit(self, function: Callable[..., Any], *args: Any) -> TaskResult:
        """Queue ``function(*args)``; the first generation starts at once, later ones when the caller reaches them."""
        if self.closed:
            raise RuntimeError("the pool is shut down")
        self.tasks.append((function, args))
        number = len(self.tasks) - 1
        if number < self.generation_size:
            if self.executor is None:
                self.executor = self._executor()
            self.futures.append(self._hand_over(function, args))
            self.started = number + 1
        return TaskResult(self, number)

    def result(self, number: int, timeout: float | None) -> Any:
        """Task ``number``'s value, or its exception; ``WorkerLost`` / ``PoolStalled`` when none can come."""
        while number >= self.started:
            self._next_generation(timeout)
        try:
            return self.futures[number].result(timeout)
        except BrokenProcessPool:
            pass
        except FutureTimeout:
            raise PoolStalled(f"no result within {timeout:g} s") from None
        # One dead worker breaks the whole executor, and every unfinished task fails with it. This task
        # runs again alone on a fresh worker, which tells whether it is the one that kills its worker
        # (WorkerLost), then the other unfinished ones follow on the same executor.
        how = self._retire_broken_executor()
        if number in self.retried:
            raise WorkerLost(f"{how}, and again when this task ran alone")
        rest = [n for n in range(number + 1, self.started)
                if not self.futures[n].done() or isinstance(self.futures[n].exception(), BrokenProcessPool)]
        self.executor = self._executor()
        function, args = self.tasks[number]
        self.retried.add(number)
        self.futures[number] = self._submit(function, args)
        value = self.result(number, timeout)
        for other in rest:
            self.futures[other] = self._submit(*self.tasks[other])
        return value

    def _retire_broken_executor(self) -> str:
        """Stop the broken executor; how its workers ended, in words (``signal 11 (SIGSEGV)``, ``exit code 1``).

        Every wait here is bounded: a broken executor's own clean-up has been seen to hang on
        Python 3.11 (``shutdown`` never returned while a worker sat on the task queue), so the
        workers still alive after ``BROKEN_CLEANUP_SECONDS`` of it are killed. No status is read
        before the executor's thread is done with them (two threads reading one status race, and
        the loser sees 255).
        """
        executor, self.executor = self.executor, None
        if self.closed:
            raise PoolStalled("the pool is shut down")
        # The executor's own clean-up ends its workers and reads their exit statuses; asking a worker whether it
        # is alive reads its status too, and beside that clean-up one of the two readers got 255 (a SIGKILL was
        # reported as "exit code 255" in ~3 % of runs). So the clean-up goes first, for a bounded time.
        manager = getattr(executor, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(BROKEN_CLEANUP_SECONDS)
        # Nothing of a broken executor is worth waiting for beyond that: a worker still alive is killed at once (one
        # was seen idle on the task queue for good, keeping the executor's clean-up, and the build, waiting).
        processes, killed = _stop_now(executor, wait=True)
        ended = sorted({code for p in processes if p not in killed and (code := _exit_code(p)) is not None})
        # The executor ends the surviving workers with SIGTERM: that is its clean-up, not the cause.
        ended = [code for code in ended if code != -signal.SIGTERM] or ended
        words = [f"signal {-code} ({signal.Signals(-code).name})" if code < 0 and -code in signal.valid_signals()
                 else f"exit code {code}" for code in ended]
        return "a worker process ended" + (f" with {', '.join(words)}" if words else "")

    def _submit(self, function: Callable[..., Any], args: tuple[Any, ...]) -> Future[Any]:
        """Hand one task to the current executor, made again if starting its worker fails.

        Right after a broken executor is retired, starting a fresh one's worker has failed now and
        then with EBADF or "handle is closed" (about 1 suite run in 20 of the sibling-crash test;
        the cause, in Python 3.11's executor clean-up, is not found): the fresh executor is then
        retired and made once more, up to three times.
        """
        for attempt in range(3):
            try:
                return self._hand_over(function, args)
            except OSError:
                if attempt == 2:
                    raise
                self._retire_broken_executor()
                self.executor = self._executor()
        raise AssertionError("unreachable")

    def _hand_over(self, function: Callable[..., Any], args: tuple[Any, ...]) -> Future[Any]:
        """The current executor's future for ``function(*args)``; one that has failed with ``BrokenProcessPool`` when
        the executor broke before it took the task.

        A task handed over earlier may kill its worker at any moment, also between two hand-overs: the task
        then fails as every unfinished task of that executor does, and ``result`` runs it again on a fresh one
        (seen once in about ten suite runs, where ``submit`` raised ``BrokenProcessPool`` out of ``result``).
        """
        assert self.executor is not None
        try:
            return self.executor.submit(function, *args)
        except BrokenProcessPool as broken:
            failed: Future[Any] = Future()
            failed.set_exception(broken)
            return failed

    def _next_generation(self, timeout: float | None) -> None:
        """Retire the current executor once its tasks are collected, and hand the next tasks to a fresh one."""
        if self.closed:
            raise PoolStalled("the pool is shut down")
        for number in range(self.started - min(self.started, self.generation_size), self.started):
            self.result(number, timeout)  # every task of the generation is in: its workers may go
        if self.executor is not None:
            self.executor.shutdown(wait=True)
        self.executor = self._executor()
        end = min(len(self.tasks), self.started + self.generation_size)
        self.futures.extend(self._hand_over(function, args) for function, args in self.tasks[self.started:end])
        self.started = end

    def _executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self.context, initializer=self.initializer)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop the pool: at once, killing its workers (``cancel_futures``), or after the handed-over tasks."""
        self.closed = True
        executor, self.executor = self.executor, None
        if executor is None:
            return
        if cancel_futures:  # a hung task would otherwise keep its worker, and a waiting shutdown, forever
            _stop_now(executor, wait=wait)
        else:
            executor.shutdown(wait=wait)


def _stop_now(executor: ProcessPoolExecutor | None, *, wait: bool) -> tuple[list[Any], list[Any]]:
    """Kill the executor's live workers, then shut it down; with ``wait``, wait (bounded) for its thread and
    workers. Returns its worker processes and those this killed."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    killed = [process for process in processes if _alive(process)]
    for process in killed:
        with suppress(OSError, ValueError):  # gone meanwhile, or closed by the executor's thread
            process.kill()
    if executor is None:
        return processes, killed
    # Taken before shutdown(), which forgets it: the next executor must not be made while this thread
    # still closes its pipes, or it may close a descriptor number the new one has reused.
    manager = getattr(executor, "_executor_manager_thread", None)
    executor.shutdown(wait=False, cancel_futures=True)
    if wait:
        if manager is not None:
            manager.join(RETIRE_SECONDS)
        for process in processes:
            with suppress(OSError, ValueError):
                process.join(RETIRE_SECONDS)
    return processes, killed


def _alive(process: Any) -> bool:
    try:
        return bool(process.is_alive())
    except (OSError, ValueError):  # the executor's thread closed it: it has ended
        return False


def _exit_code(process: Any) -> int | None:
    try:
        return process.exitcode
    except (OSError, ValueError):
        return None


class TaskResult:
    """One submitted task; ``result(timeout)`` is its value, like a future's."""

    def __init__(self, pool: RecyclingPool, number: int) -> None:
        self.pool, self.number = pool, number

    def result(self, timeout: float | None = None) -> Any:
        return self.pool.result(self.number, timeout)
