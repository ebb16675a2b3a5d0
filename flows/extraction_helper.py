"""A helper process that extracts rows from documents parsed in the calling process.

Extraction (``transforms.extract.extract_parsed``) is pure Python and takes about a fifth of the
time spaCy takes to parse; run after the parse, in the same process, it adds that fifth to every
run. The nightly instead hands each parsed document to this helper as ``Doc.to_bytes()`` (every
annotation, the tensor included, so the rows are exactly those extracted in-process) and goes
on parsing, so extraction runs on a second CPU beside the parse.

The helper is a plain child process (``python -m flows.extraction_helper MODEL``), not a
``multiprocessing`` worker: ``fork`` would copy Prefect's threads in whatever state they are,
and ``spawn`` re-imports the caller's main script in the child. It loads the models itself
(while the first batch is parsed), reads pickled ``(doc_bytes, DocumentForExtraction)`` requests
from stdin and writes the pickled rows (or the exception) to stdout, in request order. Two
threads in the caller feed and drain the pipes, so the parse never waits for the helper.
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
from collections.abc import Iterable
from typing import Any, BinaryIO

from transforms.extract import DocumentForExtraction, Rows

_CLOSE = None


class HelperDied(RuntimeError):
    """The helper process exited before answering every request."""


class ExtractionHelper:
    """The caller's side: ``extract`` sends parsed documents and returns their rows, in order."""

    def __init__(self, model: str) -> None:
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "flows.extraction_helper", model],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment,
        )
        self._requests: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._answers: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._exit: str | None = None
        self._writer = threading.Thread(target=self._write, name="extraction-helper-writer", daemon=True)
        self._reader = threading.Thread(target=self._read, name="extraction-helper-reader", daemon=True)
        self._writer.start()
        self._reader.start()

    def extract(self, parsed: Iterable[tuple[bytes, DocumentForExtraction]]) -> list[Rows]:
        """Rows of each ``(Doc.to_bytes(), item)``, in order, sent as they come (so the caller parses
        the next document while the helper extracts this one). Raises a document's extraction
        error, or HelperDied. Every answer due is taken first, so none is left for the next call."""
        if self._exit is not None:
            raise HelperDied(f"the extraction helper exited ({self._exit})")
        submitted = 0
        try:
            for request in parsed:
                self._requests.put(request)
                submitted += 1
        finally:
            answers = self._take(submitted)
        rows = []
        for kind, value in answers:
            if kind == "error":
                raise value
            if kind == "exit":
                raise HelperDied(f"the extraction helper exited ({value})")
            rows.append(value)
        return rows

    def _take(self, count: int) -> list[tuple[str, Any]]:
        answers = []
        while len(answers) < count and self._exit is None:
            answer = self._answers.get()
            if answer[0] == "exit":
                self._exit = answer[1]
            answers.append(answer)
        return answers

    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self) -> None:
        self._requests.put(_CLOSE)
        self._writer.join(timeout=10)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _write(self) -> None:
        pipe = self._process.stdin
        try:
            while True:
                request = self._requests.get()
                pickle.dump(request, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                pipe.flush()
                if request is _CLOSE:
                    break
        except (BrokenPipeError, OSError):
            pass  # the helper died; the reader reports it
        finally:
            try:
                pipe.close()
            except OSError:
                pass

    def _read(self) -> None:
        pipe = self._process.stdout
        try:
            while True:
                self._answers.put(pickle.load(pipe))
        except EOFError:
            self._answers.put(("exit", f"exit code {self._process.wait()}"))
        except Exception as error:  # an answer that cannot be read: nothing after it can be trusted
            self._process.kill()
            self._answers.put(("exit", f"unreadable answer: {error!r}"))


_helpers: dict[str, ExtractionHelper] = {}


def extraction_helper(model: str) -> ExtractionHelper | None:
    """This process's helper for ``model``, started on first use; None on a single CPU."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cpus < 2:
        return None
    if model not in _helpers:
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
    """The helper's loop: requests in, ``("rows", rows)`` or ``("error", exception)`` out, until closed."""
    from spacy.tokens import Doc

    from flows.resources import load_models
    from transforms.extract import extract_parsed

    models = load_models(model)
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:  # the caller went away
            return
        if request is _CLOSE:
            return
        doc_bytes, item = request
        try:
            answer = ("rows", extract_parsed(Doc(models.nlp.vocab).from_bytes(doc_bytes), item, models))
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
