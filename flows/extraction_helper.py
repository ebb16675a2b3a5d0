"""A helper process that parses and extracts a share of a run's documents beside the flow's process.

The local runner codes documents in the flow's process; on a machine with a second CPU that CPU
would sit idle. So runs with many documents start this helper, and the flow's process and the
helper take small groups of documents from one shared queue until it is empty: each codes its
groups with the same model, lexicons and code, and the rows are put back in document order, so
they are exactly those of a run without the helper, whoever coded which group.

The helper is a plain child process (``python -m flows.extraction_helper MODEL``), not a
``multiprocessing`` worker: ``fork`` would copy Prefect's threads in whatever state they are,
and ``spawn`` re-imports the caller's main script in the child. It loads the models itself
(while the flow's process codes the first groups), reads pickled groups of
``DocumentForExtraction`` from stdin and writes the pickled rows (or the exception) to stdout.
A thread in the caller keeps it fed, so it never waits for the flow's process.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import BinaryIO

from transforms.extract import DocumentForExtraction, Rows

GROUP_SIZE = 8
"""Documents per request: small, so that at the end of a run neither process waits long for the
other's last group; spaCy parses groups of 8 about as fast as batches of 32."""
_CLOSE = None


class HelperDied(RuntimeError):
    """The helper process exited before answering every request."""


class ExtractionHelper:
    """The caller's side: ``code`` sends one group of documents and returns their rows."""

    def __init__(self, model: str) -> None:
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "flows.extraction_helper", model],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment,
        )
        self._exit: str | None = None
        self.ready = threading.Event()
        """Set once the helper has loaded its models (or has exited): until then it takes no group."""
        threading.Thread(target=self._await_ready, name="extraction-helper-ready", daemon=True).start()

    def _await_ready(self) -> None:
        try:
            pickle.load(self._process.stdout)  # ("ready", None), written once the models are loaded
        except Exception as error:
            self._exit = f"exit code {self._process.wait()} before it was ready ({error!r})"
        self.ready.set()

    def code(self, group: list[DocumentForExtraction]) -> list[Rows]:
        """Rows of each document of the group, in order. Raises a document's error, or HelperDied."""
        self.ready.wait()
        if self._exit is not None:
            raise HelperDied(f"the extraction helper exited ({self._exit})")
        try:
            pickle.dump(group, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
            kind, value = pickle.load(self._process.stdout)
        except (BrokenPipeError, EOFError, OSError) as error:
            self._exit = f"exit code {self._process.wait()}"
            raise HelperDied(f"the extraction helper exited ({self._exit})") from error
        except Exception as error:  # an answer that cannot be read: nothing after it can be trusted
            self._process.kill()
            self._exit = f"unreadable answer: {error!r}"
            raise HelperDied(f"the extraction helper sent an unreadable answer ({error!r})") from error
        if kind == "error":
            raise value
        return value

    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self) -> None:
        try:
            pickle.dump(_CLOSE, self._process.stdin)
            self._process.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def code_sharing_with_helper(items: list[DocumentForExtraction], code_here: Callable[[list[DocumentForExtraction]], list[Rows]],
                             helper: ExtractionHelper) -> Iterator[Rows]:
    """Rows of every item, yielded in order as they are ready: groups of items taken from one queue
    by this process (``code_here``) and, through a feeding thread, by the helper, so that only the
    few groups coded ahead of the helper's are held at once. A group the helper could not code
    because it died is coded here; a document's error is raised once the helper has stopped."""
    groups: queue.SimpleQueue[tuple[int, list[DocumentForExtraction]]] = queue.SimpleQueue()
    for start in range(0, len(items), GROUP_SIZE):
        groups.put((start, items[start : start + GROUP_SIZE]))
    coded: dict[int, list[Rows]] = {}
    returned: list[tuple[int, list[DocumentForExtraction]]] = []  # groups the helper died holding
    failure: list[BaseException] = []
    stop = threading.Event()

    def feed_helper() -> None:
        while not helper.ready.wait(0.05):  # still loading: this process codes meanwhile
            if stop.is_set():
                return
        while not stop.is_set():
            try:
                start, group = groups.get_nowait()
            except queue.Empty:
                return
            try:
                coded[start] = helper.code(group)
            except HelperDied:
                returned.append((start, group))
                return
            except BaseException as error:  # a document's error: the run fails with it
                failure.append(error)
                stop.set()
                return

    feeder = threading.Thread(target=feed_helper, name="extraction-helper-feeder", daemon=True)
    feeder.start()
    next_start = 0
    try:
        while not stop.is_set():
            while next_start in coded:
                yield from coded.pop(next_start)
                next_start += GROUP_SIZE
            try:
                start, group = groups.get_nowait()
            except queue.Empty:
                break
            coded[start] = code_here(group)
    finally:
        stop.set()  # on an error the helper finishes its group and takes no other; a helper still loading stops waiting
        feeder.join()
    if failure:
        raise failure[0]
    for start, group in returned:
        coded[start] = code_here(group)
    for start in sorted(coded):
        yield from coded.pop(start)


_helpers: dict[str, ExtractionHelper] = {}


def extraction_helper(model: str) -> ExtractionHelper | None:
    """This process's helper for ``model``, started on first use; None on a single CPU."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cpus < 2:
        return None
    if model not in _helpers or not _helpers[model].alive():
        _helpers[model] = ExtractionHelper(model)
        atexit.register(_helpers[model].close)
    return _helpers[model]


def forget_extraction_helper(model: str) -> None:
    """Stop and drop this process's helper for ``model`` (after it died), so the next use starts anew."""
    helper = _helpers.pop(model, None)
    if helper is not None:
        atexit.unregister(helper.close)
        helper.close()


def serve(model: str, requests: BinaryIO, answers: BinaryIO) -> None:
    """The helper's loop: groups in, ``("rows", rows)`` or ``("error", exception)`` out, until closed."""
    from flows.resources import load_models
    from transforms.extract import extract_documents

    models = load_models(model)
    pickle.dump(("ready", None), answers, protocol=pickle.HIGHEST_PROTOCOL)
    answers.flush()
    while True:
        try:
            group = pickle.load(requests)
        except EOFError:  # the caller went away
            return
        if group is _CLOSE:
            return
        try:
            answer = ("rows", [rows for _, rows in extract_documents(group, models, batch_size=len(group))])
        except Exception as error:  # handed back to the caller, who raises it
            error.add_note("in the extraction helper:\n" + traceback.format_exc())
            answer = ("error", error if _picklable(error) else RuntimeError(traceback.format_exc()))
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


def _picklable(value: object) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


if __name__ == "__main__":
    # Answers go to a copy of stdout; anything else printed goes to stderr, not into the pipe.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.argv[1], sys.stdin.buffer, answers)
