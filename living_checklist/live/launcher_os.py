"""What the launcher asks of the operating system: ptrace and prctl, ``/proc``, the first process's start.

Stdlib only: ``launcher.py``, run as a file with ``python -I -S``, imports this module from the
folder beside it (nothing else of the package).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from typing import Any

WALL = 0x40000000  # __WALL: threads and tracees too
SEIZE, LISTEN, CONT, DETACH, GETEVENTMSG, SETOPTIONS, TRACEEXEC = 0x4206, 0x4208, 7, 17, 0x4201, 0x4200, 0x10
OPTIONS = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x100000  # TRACEFORK VFORK CLONE EXEC EXIT, EXITKILL
EVENT_FORK, EVENT_VFORK, EVENT_CLONE, EVENT_EXEC, EVENT_EXIT, EVENT_STOP = 1, 2, 3, 4, 6, 128
STOPS = (signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)
RESET = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGCHLD)


class Libc:
    """``prctl`` and ``ptrace`` through ctypes; None where this platform has neither."""

    def __init__(self) -> None:
        self.prctl: Any = None
        self.ptrace: Any = None
        with contextlib.suppress(OSError):
            libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
            self.prctl, self.ptrace = getattr(libc, "prctl", None), getattr(libc, "ptrace", None)
        if self.ptrace is not None:
            self.ptrace.restype = ctypes.c_long
            self.ptrace.argtypes = (ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p)

    def call(self, request: int, pid: int, data: int = 0) -> int:
        return int(self.ptrace(request, pid, None, data))

    def event_message(self, pid: int) -> int:
        value = ctypes.c_ulong(0)
        self.ptrace(GETEVENTMSG, pid, None, ctypes.byref(value))
        return int(value.value)


LIBC = Libc()


def status_field(pid: int, name: bytes) -> int:
    """A number of ``/proc/<pid>/status`` (``VmHWM:`` in KiB, ``Tgid:``); -1 when it cannot be read."""
    try:
        fd = os.open(f"/proc/{pid}/status", os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = b"\n" + os.read(fd, 1 << 16)  # one read: a few KiB, read whole (at every run: kept cheap)
        finally:
            os.close(fd)
        at = data.index(b"\n" + name) + len(name) + 1
        return int(data[at : data.index(b"\n", at)].split()[0])
    except (OSError, ValueError, IndexError):
        return -1


def hwm_kib(pid: int) -> int:
    return status_field(pid, b"VmHWM:")


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            words = handle.read(512).split(b"\0")
    except OSError:
        return f"process {pid}"
    return " ".join(w.decode("utf-8", "replace") for w in words if w)[:200] or f"process {pid}"


def session(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[3])
    except (OSError, ValueError, IndexError):
        return -1


def children() -> list[int]:
    """This process's children (for the fallback without ptrace, where tracees are not known)."""
    me = os.getpid()
    try:
        with open(f"/proc/{me}/task/{me}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def resolve(program: str, env: dict[str, str] | None) -> str:
    """The file ``execvp`` would run (searched once here, not tried at every PATH entry in the child)."""
    if "/" in program:
        return program
    return _search(program, (env if env is not None else os.environ).get("PATH", os.defpath))


def _search(program: str, path: str) -> str:
    """The first executable ``program`` in the folders of ``path``; EACCES or ENOENT as execvp says."""
    denied = False
    for folder in path.split(os.pathsep):
        candidate = os.path.join(folder or ".", program)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
        denied = denied or os.path.exists(candidate)  # as execvp: a folder or a file without x is EACCES
    if denied:
        raise PermissionError(13, "permission denied")
    raise FileNotFoundError(2, "not found on PATH")


def start_child(request: dict[str, Any], fds: list[int], program: str) -> tuple[int, int, int]:
    """Fork the first process; it waits for ``go`` before it execs. (pid, ready fd, go fd)."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        child(request, fds, ready_w, go_r, program)
    os.close(ready_w)
    os.close(go_r)
    return pid, ready_r, go_w


def child(request: dict[str, Any], fds: list[int], ready: int, go: int, program: str) -> None:  # pragma: no cover
    try:
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target, inheritable=True)
        close_others(keep=(0, 1, 2, ready, go))
        signal.set_wakeup_fd(-1)
        for number in RESET:
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())
        if LIBC.prctl is not None:
            LIBC.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: its parent may trace it; exec resets it anyway
        if request.get("cwd"):
            os.chdir(request["cwd"])
        os.write(ready, b"r")  # dumpable now, so it can be seized (this process is not)
        if os.read(go, 1) == b"g":
            env = request.get("env")
            os.execve(program, request["argv"], env if env is not None else os.environ)
    except OSError as exc:
        try:
            os.write(ready, b"e %d %s" % (exc.errno or 0, (exc.strerror or str(exc)).encode("utf-8", "replace")))
        finally:
            os._exit(127)
    os._exit(0)


def close_others(keep: tuple[int, ...]) -> None:
    """Close every descriptor but ``keep`` (the open ones, as /proc lists them; else the first 1024)."""
    try:
        open_fds = {int(name) for name in os.listdir("/proc/self/fd")}
    except OSError:
        open_fds = set(range(1024))
    for fd in open_fds - set(keep):
        with contextlib.suppress(OSError):
            os.close(fd)
