"""The host side of a run: the guest console on the user's terminal, and
the ways a user stops a run.

- stdin feeds the board's UART from a reader thread; when stdin is a
  terminal it is put in raw mode (restored on exit, whatever happens) and
  Ctrl-A X quits as in QEMU (Ctrl-A Ctrl-A sends a Ctrl-A);
- SIGINT (when stdin is not the guest's terminal) and SIGTERM stop the run
  within a fraction of a second even while the guest loops in native code:
  the C-level handler writes to a wake-up pipe (``signal.set_wakeup_fd``), a
  watcher thread reads it and asks the board to stop, and the board's
  request reaches native code through the pending word (runtime/abi.py
  ``request_exit``), not through Python's handler, which native code would
  never let run;
- ``--timeout`` is a timer thread doing the same.
"""
from __future__ import annotations

import os
import signal
import sys
import threading

CTRL_A = 0x01
SIGNAL_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class HostIO:
    def __init__(self, board, *, stdin=None, timeout: float | None = None, handle_signals: bool = True):
        self.board = board
        self.stdin_fd = (stdin if stdin is not None else sys.stdin).fileno() if (stdin or sys.stdin) else None
        self.timeout = timeout
        self.handle_signals = handle_signals and threading.current_thread() is threading.main_thread()
        self.status = None                # the exit status a stop request asks for
        self._term = None
        self._old_handlers = {}
        self._old_wakeup = None
        self._pipe = None
        self._escape = False
        self._timer = None

    # -- setup / teardown ----------------------------------------------------------
    def __enter__(self):
        fd = self.stdin_fd
        self.raw = fd is not None and os.isatty(fd)
        if self.raw:
            import termios
            import tty
            self._term = termios.tcgetattr(fd)
            tty.setraw(fd)
        if fd is not None:
            self.board.input_open = True
            threading.Thread(target=self._reader, name="a64jit-stdin", daemon=True).start()
        if self.handle_signals:
            r, w = os.pipe()
            os.set_blocking(w, False)
            self._pipe = (r, w)
            sigs = [signal.SIGTERM] + ([] if self.raw else [signal.SIGINT])
            for sig in sigs:
                self._old_handlers[sig] = signal.signal(sig, lambda *_: None)   # the watcher acts
            self._old_wakeup = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
            threading.Thread(target=self._watch, name="a64jit-signals", daemon=True).start()
        if self.timeout:
            self._timer = threading.Timer(self.timeout, self._stop, (f"timeout after {self.timeout:g} s", 124))
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc):
        if self._timer is not None:
            self._timer.cancel()
        if self._term is not None:
            import termios
            termios.tcsetattr(self.stdin_fd, termios.TCSADRAIN, self._term)
        if self.handle_signals:
            signal.set_wakeup_fd(self._old_wakeup if self._old_wakeup is not None else -1)
            for sig, h in self._old_handlers.items():
                signal.signal(sig, h)
            os.close(self._pipe[1])          # ends the watcher
        self.board.input_open = False
        return False

    # -- threads -----------------------------------------------------------------------
    def _stop(self, reason: str, status: int) -> None:
        if self.status is None:
            self.status = status
        self.board.request_stop(reason)

    def _watch(self):
        r = self._pipe[0]
        while True:
            try:
                data = os.read(r, 16)
            except OSError:
                return
            if not data:
                os.close(r)
                return
            for signum in data:
                if signum in SIGNAL_STATUS:
                    self._stop(f"stopped by {signal.Signals(signum).name}", SIGNAL_STATUS[signum])

    def _reader(self):
        fd = self.stdin_fd
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                self.board.input_open = False
                return
            if self.raw:
                data = self._escapes(data)
            if data:
                self.board.feed_input(data)

    def _escapes(self, data: bytes) -> bytes:
        """Ctrl-A X quits; Ctrl-A Ctrl-A sends Ctrl-A; other Ctrl-A pairs are dropped."""
        out = bytearray()
        for b in data:
            if self._escape:
                self._escape = False
                if b in (ord("x"), ord("X")):
                    self._stop("quit (Ctrl-A X)", 0)
                elif b == CTRL_A:
                    out.append(CTRL_A)
            elif b == CTRL_A:
                self._escape = True
            else:
                out.append(b)
        return bytes(out)
