"""A GDB remote serial protocol stub for AArch64 guests.

This is what ``qemu-system-aarch64 -s -S`` offers: a TCP port that
``gdb-multiarch`` connects to with ``set architecture aarch64`` and
``target remote :1234``.  The stub speaks to an abstract :class:`GdbTarget`
(registers by name, memory by virtual address, resume/step, break- and
watchpoints), so the protocol is tested here without the emulator, and the
emulator supplies one adapter.

Section names below are those of the GDB manual's appendix "Remote Serial
Protocol" (and "Target Descriptions" for the register layout).

Framing ("Overview", "Packet Acknowledgment")
    ``$payload#cs`` with a two-digit modulo-256 checksum.  Each good packet
    is acknowledged with ``+``, a bad checksum with ``-`` (the client then
    resends); a ``-`` from the client makes the stub resend its last reply.
    ``QStartNoAckMode`` turns acknowledgments off for the rest of the
    connection.  Binary data (``X`` packets, ``qXfer`` replies) escapes
    ``$ # } *`` as ``}`` followed by the byte XOR 0x20; replies are never
    run-length encoded (the protocol lets a stub choose).

Packets ("Packets", "General Query Packets")
    ``?``, ``g``/``G`` (the core and FPU registers, in register-number
    order), ``p``/``P`` (any register by number, including the system
    registers outside the ``g`` block), ``m``/``M``/``X``, ``c``/``s``
    (optionally with an address), ``C``/``S`` (the signal is ignored: there
    are no guest signals), ``vCont?`` and ``vCont;ACTION[:THREAD]...``,
    ``Z0``-``Z4``/``z0``-``z4``, ``H``, ``T``, ``qC``, ``qfThreadInfo``/
    ``qsThreadInfo`` (one thread, id 1), ``qAttached``, ``qSupported``,
    ``qXfer:features:read``, ``QStartNoAckMode``, ``D``, ``k``, ``vKill``,
    ``vMustReplyEmpty``.  Anything else gets the empty reply, which the
    protocol defines as "not supported".

Stop replies ("Stop Reply Packets")
    ``T05thread:1;`` for a breakpoint or a finished step, with
    ``swbreak:;``/``hwbreak:;`` (only if the client announced them in
    ``qSupported``, as the manual requires) or ``watch:ADDR;``/
    ``rwatch:ADDR;``/``awatch:ADDR;``; ``T02thread:1;`` after Ctrl-C;
    ``WNN`` when the guest powered off.

Interrupts ("Interrupts")
    While the target runs, a reader thread watches the socket: the byte
    0x03 calls :meth:`GdbTarget.interrupt`, which makes :meth:`resume`
    return a SIGINT stop.  The same thread notices a client that went away
    mid-run and interrupts the target too, so ``serve`` can return.

Registers ("Target Descriptions", "Standard Target Features" /
"AArch64 Features")
    ``target.xml`` holds ``org.gnu.gdb.aarch64.core`` (x0-x30 = 0-30,
    sp 31, pc 32, cpsr 33), ``org.gnu.gdb.aarch64.fpu`` (v0-v31 = 34-65,
    fpsr 66, fpcr 67) and ``org.a64jit.sysregs`` (EL1/EL2 system registers
    from 68 on, group "system": ``info registers system`` lists them,
    ``p/x $SCTLR_EL1`` reads one).  A register the target leaves out of
    :meth:`GdbTarget.read_registers` is sent as ``xx`` bytes: GDB shows it
    as ``<unavailable>`` instead of failing.

Not supported: non-stop mode, multiprocess/extended-remote (``!``,
``vRun``, ``vAttach``), tracepoints, ``qRcmd`` (monitor commands), host
I/O, more than one thread (the adapter presents the boot CPU).

The server (:class:`GdbServer`) listens at construction, so ``.port`` is
known before a client connects (port 0 picks a free one);
:meth:`GdbServer.serve` handles one connection and says why it ended.
:func:`parse_gdb_address` reads QEMU's ``-gdb`` spellings.
"""
from __future__ import annotations

import abc
import logging
import os
import re
import select
import socket
import threading
from dataclasses import dataclass
from typing import Optional

__all__ = [
    "SIGINT", "SIGTRAP", "GdbTarget", "GdbTargetError", "StopReason", "Register", "REGISTERS",
    "SYSREG_NAMES", "G_REGISTERS", "target_xml", "GdbServer", "parse_gdb_address",
]

log = logging.getLogger("a64jit.gdbstub")

#: the signal numbers GDB's remote protocol uses (its own numbering, equal to Linux's for these)
SIGINT, SIGTRAP = 2, 5

#: the largest packet the stub accepts, announced in qSupported; a 'g' reply
#: (788 bytes, 1576 hex digits) and page-sized memory transfers fit easily
PACKET_SIZE = 0x4000

# Error replies carry errno values written in decimal, as QEMU writes them
# (GDB shows the number but gives it no meaning):
#: a memory fault: EFAULT
_E_FAULT = "E14"
#: a packet whose arguments do not parse: EINVAL
_E_INVAL = "E22"
#: any other failure of the target: EPERM
_E_TARGET = "E01"


# --------------------------------------------------------------------------- target interface

class GdbTargetError(Exception):
    """A target operation failed: a memory fault (``m``/``M``/``X`` reply
    ``E14``), a register that cannot be written, a breakpoint that cannot
    be placed (reply ``E01``).  ``code`` (0-255) replaces the number sent,
    which the protocol writes as two hex digits."""

    def __init__(self, message: str = "", code: Optional[int] = None):
        super().__init__(message)
        self.code = code


@dataclass
class StopReason:
    """Why :meth:`GdbTarget.resume` returned.

    signal
        SIGTRAP (5) for a breakpoint, a watchpoint or a finished step;
        SIGINT (2) after :meth:`GdbTarget.interrupt`.
    watch
        for a watchpoint stop: (``"watch"`` | ``"rwatch"`` | ``"awatch"``,
        data address).
    exited
        the guest powered off with this exit code: reply ``W<code>``.
    thread
        the thread (CPU) that stopped; None means thread 1.
    breakpoint
        ``"sw"`` or ``"hw"`` if the target knows a breakpoint stopped it.
        Left None, the stub works it out itself: a SIGTRAP stop of a
        continue at an address where it placed a Z0/Z1 breakpoint.
    """
    signal: int = SIGTRAP
    watch: Optional[tuple[str, int]] = None
    exited: Optional[int] = None
    thread: Optional[int] = None
    breakpoint: Optional[str] = None


class GdbTarget(abc.ABC):
    """What the stub needs from the machine being debugged.

    Every method except :meth:`interrupt` is called from the thread that
    runs :meth:`GdbServer.serve`, and only while the guest is stopped
    (outside :meth:`resume`).
    """

    @abc.abstractmethod
    def read_registers(self) -> dict[str, int]:
        """All registers by name: ``"x0"``..``"x30"``, ``"sp"`` (the stack
        pointer of the current EL and PSTATE.SP), ``"pc"``, ``"cpsr"``
        (PSTATE in SPSR format, 32 bits), ``"v0"``..``"v31"`` (128-bit
        ints), ``"fpsr"``, ``"fpcr"`` and the names in :data:`SYSREG_NAMES`
        (``"CurrentEL"`` as MRS reads it: EL << 2).  A name left out is
        reported to GDB as unavailable.  The stub caches the result until
        the next resume or register write."""

    @abc.abstractmethod
    def write_register(self, name: str, value: int) -> None:
        """Set one register (names as in :meth:`read_registers`; the value
        is already masked to the register's width).  Raise
        :class:`GdbTargetError` for a register that cannot be written."""

    @abc.abstractmethod
    def read_memory(self, addr: int, length: int) -> bytes:
        """``length`` bytes at virtual address ``addr``, translated by the
        current translation regime as the CPU would for a load (but with no
        side effects on the guest).  Raise :class:`GdbTargetError` on a
        fault.  Returning fewer bytes than asked is allowed (a read that
        stops at a fault)."""

    @abc.abstractmethod
    def write_memory(self, addr: int, data: bytes) -> None:
        """Store ``data`` at virtual address ``addr``; raise
        :class:`GdbTargetError` on a fault.  Translated code covering the
        bytes must be dropped (GDB writes breakpoints this way if Z0 is not
        supported)."""

    @abc.abstractmethod
    def resume(self, step: bool) -> StopReason:
        """Run the guest in the calling thread until something stops it, or
        exactly one instruction if ``step``.  A continue that starts at an
        address with a breakpoint stops there at once (GDB steps over its
        own breakpoints first)."""

    @abc.abstractmethod
    def interrupt(self) -> None:
        """Make a running :meth:`resume` return soon with a SIGINT stop.
        Called from another thread.  It may come just before ``resume``
        starts (a Ctrl-C that arrived together with the continue packet),
        so latch the request in a flag that ``resume`` checks and clears as
        it returns."""

    @abc.abstractmethod
    def set_breakpoint(self, kind: str, addr: int, length: int) -> bool:
        """Place a breakpoint or watchpoint.  ``kind`` is ``"sw"`` (Z0),
        ``"hw"`` (Z1), ``"write"`` (Z2), ``"read"`` (Z3) or ``"access"``
        (Z4); ``length`` is the instruction size (4) for breakpoints and
        the watched byte count for watchpoints.  Return False if the kind is
        not supported (the client is told so and falls back, e.g. to
        writing BRK instructions itself)."""

    @abc.abstractmethod
    def clear_breakpoint(self, kind: str, addr: int, length: int) -> bool:
        """Remove what :meth:`set_breakpoint` placed; False if the kind is
        not supported."""

    @abc.abstractmethod
    def kill(self) -> None:
        """The debugger killed the program: stop the guest for good."""

    @abc.abstractmethod
    def detach(self) -> None:
        """The debugger detached: remove every breakpoint and watchpoint
        and let the guest run freely once :meth:`GdbServer.serve` has
        returned.  Should not block."""

    def attach(self) -> None:  # noqa: B027 (an optional hook: doing nothing is the default)
        """A client connected (called before its first packet).  The
        default does nothing; a target whose guest is running (``-s``
        without ``-S``) stops it here, as QEMU does."""


# --------------------------------------------------------------------------- registers

@dataclass(frozen=True)
class Register:
    """One register of the target description."""
    name: str
    bitsize: int
    regnum: int
    type: str
    group: Optional[str]
    feature: str

    @property
    def size(self) -> int:
        return self.bitsize // 8


#: the system registers a kernel developer reads, in register-number order from 68
SYSREG_NAMES = (
    "CurrentEL",
    "SCTLR_EL1", "TCR_EL1", "TTBR0_EL1", "TTBR1_EL1", "VBAR_EL1", "ESR_EL1", "FAR_EL1", "ELR_EL1", "SPSR_EL1",
    "SCTLR_EL2", "TCR_EL2", "TTBR0_EL2", "VBAR_EL2", "ESR_EL2", "FAR_EL2", "ELR_EL2", "SPSR_EL2",
    "HCR_EL2", "VTCR_EL2", "VTTBR_EL2",
    "MPIDR_EL1", "MIDR_EL1",
)

_CORE, _FPU, _SYS = "org.gnu.gdb.aarch64.core", "org.gnu.gdb.aarch64.fpu", "org.a64jit.sysregs"


def _build_registers() -> tuple[Register, ...]:
    # GDB's aarch64 support looks the core and FPU registers up by these
    # names and expects them in this order; the numbers are what p/P use
    regs = [Register(f"x{i}", 64, i, "int", "general", _CORE) for i in range(31)]
    regs += [Register("sp", 64, 31, "data_ptr", "general", _CORE),
             Register("pc", 64, 32, "code_ptr", "general", _CORE),
             Register("cpsr", 32, 33, "cpsr_flags", "general", _CORE)]
    regs += [Register(f"v{i}", 128, 34 + i, "aarch64v", "vector", _FPU) for i in range(32)]
    regs += [Register("fpsr", 32, 66, "int", "float", _FPU), Register("fpcr", 32, 67, "int", "float", _FPU)]
    regs += [Register(name, 64, 68 + i, "uint64", "system", _SYS) for i, name in enumerate(SYSREG_NAMES)]
    return tuple(regs)


#: every register the stub serves, in register-number order
REGISTERS = _build_registers()
_BY_NUM = {r.regnum: r for r in REGISTERS}
#: the registers of the 'g'/'G' block: core and FPU (the system registers go by p/P only,
#: as a 'g' reply shorter than the description tells GDB to fetch the rest one by one)
G_REGISTERS = tuple(r for r in REGISTERS if r.feature != _SYS)


def _cpsr_flags_xml() -> str:
    # PSTATE fields at their SPSR_ELx bit positions (Arm ARM, "SPSR_EL1"),
    # so 'p $cpsr' decodes them
    fields = [("SP", 0, 0), ("EL", 2, 3), ("nRW", 4, 4), ("F", 6, 6), ("I", 7, 7), ("A", 8, 8), ("D", 9, 9),
              ("BTYPE", 10, 11), ("SSBS", 12, 12), ("ALLINT", 13, 13), ("IL", 20, 20), ("SS", 21, 21),
              ("PAN", 22, 22), ("UAO", 23, 23), ("DIT", 24, 24), ("TCO", 25, 25),
              ("V", 28, 28), ("C", 29, 29), ("Z", 30, 30), ("N", 31, 31)]
    body = "".join(f'    <field name="{n}" start="{s}" end="{e}"/>\n' for n, s, e in fields)
    return f'    <flags id="cpsr_flags" size="4">\n{body}    </flags>\n'


def _vector_types_xml() -> str:
    # one 128-bit register seen as lanes of every width, as GDB's own
    # AArch64 FPU description does: 'p $v0.d.u[1]', 'p $v0.s.f'
    vectors = [("v2d", "ieee_double", 2), ("v2u", "uint64", 2), ("v2i", "int64", 2),
               ("v4f", "ieee_single", 4), ("v4u", "uint32", 4), ("v4i", "int32", 4),
               ("v8bf16", "bfloat16", 8), ("v8f", "ieee_half", 8), ("v8u", "uint16", 8), ("v8i", "int16", 8),
               ("v16u", "uint8", 16), ("v16i", "int8", 16),
               ("v1u", "uint128", 1), ("v1i", "int128", 1)]
    unions = [("vnd", [("f", "v2d"), ("u", "v2u"), ("s", "v2i")]),
              ("vns", [("f", "v4f"), ("u", "v4u"), ("s", "v4i")]),
              ("vnh", [("bf", "v8bf16"), ("f", "v8f"), ("u", "v8u"), ("s", "v8i")]),
              ("vnb", [("u", "v16u"), ("s", "v16i")]),
              ("vnq", [("u", "v1u"), ("s", "v1i")]),
              ("aarch64v", [("d", "vnd"), ("s", "vns"), ("h", "vnh"), ("b", "vnb"), ("q", "vnq")])]
    out = "".join(f'    <vector id="{i}" type="{t}" count="{c}"/>\n' for i, t, c in vectors)
    for uid, fields in unions:
        out += f'    <union id="{uid}">\n'
        out += "".join(f'      <field name="{n}" type="{t}"/>\n' for n, t in fields)
        out += "    </union>\n"
    return out


def target_xml() -> str:
    """The target description served as ``target.xml``."""
    parts = ['<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target version="1.0">\n',
             "  <architecture>aarch64</architecture>\n"]
    for feature, types in ((_CORE, _cpsr_flags_xml()), (_FPU, _vector_types_xml()), (_SYS, "")):
        parts.append(f'  <feature name="{feature}">\n{types}')
        for r in REGISTERS:
            if r.feature == feature:
                parts.append(f'    <reg name="{r.name}" bitsize="{r.bitsize}" regnum="{r.regnum}" '
                             f'type="{r.type}" group="{r.group}"/>\n')
        parts.append("  </feature>\n")
    parts.append("</target>\n")
    return "".join(parts)


_TARGET_XML = target_xml().encode()


# --------------------------------------------------------------------------- addresses

_ADDR_FORMS = "expected tcp::PORT, tcp:HOST:PORT, :PORT or PORT"


def parse_gdb_address(text: str) -> tuple[str, int]:
    """QEMU's ``-gdb`` spellings to (host, port): ``tcp::1234``,
    ``tcp:HOST:1234`` (``tcp:[::1]:1234`` for IPv6), ``:1234``, ``1234``.
    An empty host means 127.0.0.1: QEMU listens on every interface then,
    but a debugger port that can rewrite guest memory should not be open
    to the network unless asked for (``tcp:0.0.0.0:1234``).
    Raises ValueError with a one-line message."""
    s = str(text).strip()
    rest = s[4:] if s.startswith("tcp:") else s
    if rest.isdigit():                       # "1234", "tcp:1234"
        host, port_s = "", rest
    else:
        m = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[^:\[\]]*):(\d+)", rest)
        if not m:
            raise ValueError(f"bad GDB address {text!r}: {_ADDR_FORMS}")
        host, port_s = m.group(1), m.group(2)
        if host.startswith("["):
            host = host[1:-1]
    port = int(port_s)
    if port > 65535:
        raise ValueError(f"bad GDB address {text!r}: port {port} is out of range (0-65535)")
    return host or "127.0.0.1", port


# --------------------------------------------------------------------------- framing

class _Disconnected(Exception):
    """The client closed the connection (or it broke)."""


def _checksum(data: bytes) -> int:
    return sum(data) & 0xFF


_ESCAPE_RE = re.compile(rb"[#$}*]")
_UNESCAPE_RE = re.compile(rb"\}(.)", re.S)


def _escape(data: bytes) -> bytes:
    """Binary data as the protocol carries it ("Overview": '}' then the byte
    XOR 0x20 for '#', '$', '}' and '*', the last because a client would
    read it as run-length encoding)."""
    return _ESCAPE_RE.sub(lambda m: bytes((0x7D, m.group()[0] ^ 0x20)), data)


def _unescape(data: bytes) -> bytes:
    return _UNESCAPE_RE.sub(lambda m: bytes((m.group(1)[0] ^ 0x20,)), data)


class _Link:
    """One client connection: packets in and out, acknowledgments.

    ``buf`` holds bytes received but not yet parsed; while the target runs,
    the interrupt watcher (not this object) reads the socket and appends to
    it, so exactly one thread reads at any time.
    """

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()
        self.ack = True
        self._last: Optional[bytes] = None

    def _fill(self) -> None:
        try:
            data = self.sock.recv(65536)
        except OSError as e:
            raise _Disconnected(str(e)) from None
        if not data:
            raise _Disconnected("closed by the client")
        self.buf += data

    def _send_raw(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise _Disconnected(str(e)) from None

    def send(self, payload: bytes) -> None:
        frame = b"$" + payload + b"#%02x" % _checksum(payload)
        log.debug("<- %r", payload[:200])
        self._last = frame
        self._send_raw(frame)

    def read_packet(self) -> bytes:
        """The next well-formed packet's payload, unescaped.  Acks, nacks,
        stray bytes (a late Ctrl-C included) and corrupt packets are dealt
        with here."""
        while True:
            buf = self.buf
            if not buf:
                self._fill()
                continue
            c = buf[0]
            if c != 0x24:                                  # '$'
                del buf[0]
                if c == 0x2D and self.ack and self._last:  # '-': our last reply was garbled
                    self._send_raw(self._last)
                # '+' and anything else between packets (0x03 after the target
                # already stopped, line noise) carry nothing
                continue
            end = buf.find(b"#", 1)
            restart = buf.find(b"$", 1, end if end >= 0 else len(buf))
            if restart >= 0:
                # a '$' inside a packet: the packet was cut short; the raw
                # protocol never has one there (binary data escapes it)
                del buf[:restart]
                continue
            if end < 0 or len(buf) < end + 3:
                if len(buf) > 4 * PACKET_SIZE:
                    # no end in sight: drop it rather than grow without bound
                    del buf[:]
                    if self.ack:
                        self._send_raw(b"-")
                self._fill()
                continue
            body, cs = bytes(buf[1:end]), bytes(buf[end + 1:end + 3])
            del buf[:end + 3]
            try:
                good = int(cs, 16) == _checksum(body)
            except ValueError:
                good = False
            if not good:
                log.debug("bad checksum on %r", body[:80])
                if self.ack:
                    self._send_raw(b"-")
                # without acks nobody can ask for it again: the client times out
                continue
            if self.ack:
                self._send_raw(b"+")
            log.debug("-> %r", body[:200])
            return _unescape(body)


# --------------------------------------------------------------------------- the server

class _End(Exception):
    """The connection is over; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_BP_KINDS = {"0": "sw", "1": "hw", "2": "write", "3": "read", "4": "access"}
_WATCH_KINDS = ("watch", "rwatch", "awatch")


def _hex(s: str) -> int:
    if not s or not re.fullmatch(r"[0-9a-fA-F]+", s):
        raise ValueError(f"not a hex number: {s!r}")
    return int(s, 16)


def _thread_id(s: str) -> int:
    """A thread id: hex, -1 (all), 0 (any); the multiprocess form p1.1 too."""
    if s.startswith("p"):
        s = s.split(".", 1)[1] if "." in s else "1"
    return -1 if s == "-1" else _hex(s)


class GdbServer:
    """Serve the GDB remote protocol for ``target`` on ``host:port``.

    Listens from construction on (port 0: a free port, see ``.port``).
    Use :meth:`wait_for_client`, then :meth:`serve` for one connection;
    both may be repeated for another client.  :meth:`close` (or leaving a
    ``with`` block) stops listening and ends a connection being served.
    """

    def __init__(self, target: GdbTarget, host: str = "127.0.0.1", port: int = 1234):
        self.target = target
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, _, _, _, sockaddr = infos[0]
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            # a restarted emulator can take the port back at once (TIME_WAIT)
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind(sockaddr)
            self._listener.listen(1)
        except OSError:
            self._listener.close()
            raise
        self.host = host
        self.port: int = self._listener.getsockname()[1]
        self._client: Optional[socket.socket] = None

    # -- lifecycle

    def wait_for_client(self, timeout: Optional[float] = None) -> tuple:
        """Accept one client; returns its address.  Raises TimeoutError if
        none connects within ``timeout`` seconds (None: wait for ever)."""
        self._listener.settimeout(timeout)
        try:
            conn, peer = self._listener.accept()
        except TimeoutError:     # socket.timeout
            raise TimeoutError(f"no GDB client connected to port {self.port} within {timeout} s") from None
        conn.settimeout(None)
        # the protocol is many tiny request/reply exchanges: Nagle would add
        # a delayed-ACK wait to each of them
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client = conn
        log.info("GDB client connected from %s", peer)
        return peer

    def close(self) -> None:
        """Stop listening; a connection being served ends as "disconnect"."""
        client = self._client
        if client is not None:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._listener.close()

    def __enter__(self) -> "GdbServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one connection

    def serve(self) -> str:
        """Handle the connected client (waiting for one if none is) until it
        ends: returns "detach" (D), "kill" (k / vKill), "disconnect" (the
        socket closed; the guest is left stopped where it was) or "exited"
        (the guest powered off during the session and the client then left,
        whichever way).  Never raises for anything the client sends."""
        if self._client is None:
            self.wait_for_client()
        sock = self._client
        assert sock is not None
        self._link = _Link(sock)
        self._stop = StopReason(SIGTRAP)      # the guest is halted when a client attaches
        self._exited = False
        self._regs: Optional[dict[str, int]] = None
        self._bps: dict[str, set[int]] = {"sw": set(), "hw": set()}
        self._client_features: set[str] = set()
        self._wake_r, self._wake_w = os.pipe()
        reason = "disconnect"
        try:
            self.target.attach()
            while True:
                try:
                    payload = self._link.read_packet()
                except _Disconnected:
                    break
                try:
                    reply = self._dispatch(payload)
                except _End as e:
                    reason = e.reason
                    break
                except _Disconnected:
                    break
                except Exception:   # a stub bug or an unexpected target exception: answer, go on
                    log.exception("packet %r failed", payload[:80])
                    reply = _E_TARGET.encode()
                if reply is not None:
                    try:
                        self._link.send(reply)
                    except _Disconnected:
                        break
        except Exception:
            log.exception("GDB connection failed")
        finally:
            os.close(self._wake_r)
            os.close(self._wake_w)
            try:
                sock.close()
            except OSError:
                pass
            self._client = None
        if self._exited:
            reason = "exited"
        log.info("GDB session ended: %s", reason)
        return reason

    # -- packets

    def _dispatch(self, payload: bytes) -> Optional[bytes]:
        """The reply to one packet (None: no reply)."""
        if payload[:1] == b"X":
            return self._write_binary(payload)
        pkt = payload.decode("latin-1")
        if not pkt:
            return b""
        cmd, args = pkt[0], pkt[1:]
        try:
            reply = self._command(cmd, args, pkt)
        except ValueError as e:
            log.debug("malformed packet %r: %s", pkt[:80], e)
            reply = _E_INVAL
        return None if reply is None else reply.encode("latin-1") if isinstance(reply, str) else reply

    def _command(self, cmd: str, args: str, pkt: str):
        if cmd == "?":
            return self._stop_reply(self._stop)
        if cmd == "g":
            return self._read_g()
        if cmd == "G":
            return self._write_g(args)
        if cmd == "p":
            return self._read_p(_hex(args))
        if cmd == "P":
            num, _, value = args.partition("=")
            return self._write_p(_hex(num), value)
        if cmd == "m":
            addr, _, length = args.partition(",")
            return self._read_mem(_hex(addr), _hex(length))
        if cmd == "M":
            where, _, data = args.partition(":")
            addr, _, length = where.partition(",")
            return self._write_mem(_hex(addr), _hex(length), bytes.fromhex(data))
        if cmd in "cs":
            return self._resume(cmd == "s", _hex(args) if args else None)
        if cmd in "CS":
            # "C sig[;addr]": no guest signals exist, so the signal is dropped
            _, _, addr = args.partition(";")
            return self._resume(cmd == "S", _hex(addr) if addr else None)
        if cmd in "Zz":
            return self._breakpoint(cmd == "Z", args)
        if cmd == "H":
            return "OK" if len(args) > 1 and args[0] in "gc" and _thread_id(args[1:]) in (-1, 0, 1) else "E01"
        if cmd == "T":
            return "OK" if _thread_id(args) == 1 else "E01"
        if cmd == "D":
            self._reply_and_end(b"OK")
            self._finish(self.target.detach)
            raise _End("detach")
        if cmd == "k":
            # 'k' has no reply
            self._finish(self.target.kill)
            raise _End("kill")
        if cmd == "q":
            return self._query(pkt)
        if cmd == "Q":
            if pkt == "QStartNoAckMode":
                # this packet is still acknowledged (done on receipt), and so is the
                # OK; from here on neither side acks
                self._link.send(b"OK")
                self._link.ack = False
                return None
            return ""
        if cmd == "v":
            return self._v_packet(pkt)
        return ""

    @staticmethod
    def _finish(action) -> None:
        # the client has been told OK (or expects nothing): the session ends
        # whatever the target makes of it
        try:
            action()
        except Exception:
            log.exception("%s failed", getattr(action, "__name__", action))

    def _reply_and_end(self, reply: bytes) -> None:
        try:
            self._link.send(reply)
        except _Disconnected:
            pass

    def _query(self, pkt: str) -> str:
        name, _, args = pkt.partition(":")
        if name == "qSupported":
            self._client_features = {f[:-1] for f in args.split(";") if f.endswith("+")}
            return (f"PacketSize={PACKET_SIZE:x};qXfer:features:read+;QStartNoAckMode+;"
                    "swbreak+;hwbreak+;vContSupported+")
        if name == "qXfer":
            return self._xfer(args)
        if pkt == "qAttached" or name == "qAttached":
            return "1"      # attached to a running machine: 'quit' detaches, it does not kill
        if pkt == "qC":
            return "QC1"
        if pkt == "qfThreadInfo":
            return "m1"
        if pkt == "qsThreadInfo":
            return "l"
        return ""

    def _xfer(self, args: str):
        parts = args.split(":")
        if len(parts) != 4 or parts[0] != "features" or parts[1] != "read":
            return ""
        if parts[2] != "target.xml":
            return "E00"
        offset_s, _, length_s = parts[3].partition(",")
        offset, length = _hex(offset_s), _hex(length_s)
        chunk = _TARGET_XML[offset:offset + min(length, PACKET_SIZE // 2)]
        more = offset + len(chunk) < len(_TARGET_XML)
        return (b"m" if more else b"l") + _escape(chunk)

    def _v_packet(self, pkt: str):
        if pkt == "vCont?":
            return "vCont;c;C;s;S"
        if pkt.startswith("vCont;"):
            return self._vcont(pkt[6:])
        if pkt.startswith("vKill"):
            self._reply_and_end(b"OK")
            self._finish(self.target.kill)
            raise _End("kill")
        return ""   # vMustReplyEmpty and everything not supported

    def _vcont(self, actions: str):
        # "the first action that applies to a thread wins"; with one thread
        # that is the first action naming thread 1 or no thread
        for action in actions.split(";"):
            what, _, tid = action.partition(":")
            if tid and _thread_id(tid) not in (-1, 0, 1):
                continue
            if what[:1] in ("c", "C"):
                return self._resume(False, None)
            if what[:1] in ("s", "S"):
                return self._resume(True, None)
            raise ValueError(f"unsupported vCont action {action!r}")
        return "E01"

    # -- registers

    def _registers(self) -> dict[str, int]:
        if self._regs is None:
            self._regs = dict(self.target.read_registers())
        return self._regs

    @staticmethod
    def _encode_reg(reg: Register, value: Optional[int]) -> str:
        if value is None:
            return "xx" * reg.size       # "unavailable" in the protocol
        return (int(value) & ((1 << reg.bitsize) - 1)).to_bytes(reg.size, "little").hex()

    def _read_g(self) -> str:
        if self._exited:
            return _E_TARGET
        try:
            regs = self._registers()
        except GdbTargetError as e:
            return self._error(e, _E_TARGET)
        return "".join(self._encode_reg(r, regs.get(r.name)) for r in G_REGISTERS)

    def _read_p(self, num: int) -> str:
        reg = _BY_NUM.get(num)
        if reg is None or self._exited:
            return _E_TARGET
        try:
            return self._encode_reg(reg, self._registers().get(reg.name))
        except GdbTargetError as e:
            return self._error(e, _E_TARGET)

    def _write_reg(self, reg: Register, data: bytes) -> None:
        value = int.from_bytes(data, "little")
        self._regs = None      # a write can change others (cpsr picks which sp is "sp")
        self.target.write_register(reg.name, value)

    def _write_p(self, num: int, value: str) -> str:
        reg = _BY_NUM.get(num)
        if reg is None or self._exited:
            return _E_TARGET
        data = bytes.fromhex(value)
        if len(data) != reg.size:
            raise ValueError(f"{reg.name} takes {reg.size} bytes, got {len(data)}")
        try:
            self._write_reg(reg, data)
        except GdbTargetError as e:
            return self._error(e, _E_TARGET)
        return "OK"

    def _write_g(self, hexdata: str) -> str:
        if self._exited:
            return _E_TARGET
        if len(hexdata) % 2:
            raise ValueError("odd number of hex digits")
        try:
            current = self._registers()
            pos = 0
            for reg in G_REGISTERS:
                field = hexdata[pos:pos + 2 * reg.size]
                if not field:
                    break              # a shorter block sets the first registers only
                if len(field) != 2 * reg.size:
                    raise ValueError(f"G block ends inside {reg.name}")
                pos += 2 * reg.size
                if "x" in field.lower():
                    continue           # unavailable: leave it alone
                data = bytes.fromhex(field)
                # write only what changed: G carries every register, and
                # rewriting an unchanged one is not always free of effects
                if self._encode_reg(reg, current.get(reg.name)) != field.lower():
                    self._write_reg(reg, data)
            if pos != len(hexdata):
                raise ValueError("G block is longer than the registers")
        except GdbTargetError as e:
            return self._error(e, _E_TARGET)
        return "OK"

    # -- memory

    @staticmethod
    def _error(e: GdbTargetError, default: str) -> str:
        log.debug("target error: %s", e)
        return default if e.code is None else f"E{e.code & 0xFF:02x}"

    def _read_mem(self, addr: int, length: int):
        if self._exited:
            return _E_TARGET
        length = min(length, PACKET_SIZE // 2 - 8)   # the reply must fit in a packet
        first_err: Exception = GdbTargetError("nothing read")
        try:
            data = bytes(self.target.read_memory(addr, length)[:length])
            if data or not length:
                return data.hex()
        except (GdbTargetError, MemoryError) as e:
            first_err = e
        # a fault somewhere in the range: the protocol allows a partial read,
        # which lets GDB show the readable part; faults come in pages, so
        # retry page by page and stop at the first failing one
        out = bytearray()
        a, end = addr, addr + length
        while a < end:
            n = min(end, (a | 0xFFF) + 1) - a
            try:
                chunk = bytes(self.target.read_memory(a, n)[:n])
            except (GdbTargetError, MemoryError):
                break
            out += chunk
            if len(chunk) < n:
                break
            a += n
        if out:
            return out.hex()
        return self._error(first_err, _E_FAULT) if isinstance(first_err, GdbTargetError) else _E_FAULT

    def _write_mem(self, addr: int, length: int, data: bytes) -> str:
        if self._exited:
            return _E_TARGET
        if len(data) != length:
            raise ValueError(f"length {length} but {len(data)} bytes of data")
        if length:
            try:
                self.target.write_memory(addr, data)
            except (GdbTargetError, MemoryError) as e:
                return self._error(e, _E_FAULT) if isinstance(e, GdbTargetError) else _E_FAULT
        return "OK"

    def _write_binary(self, payload: bytes) -> bytes:
        # X addr,length:binary ("Packets"); 'X addr,0:' is GDB's probe for X support
        colon = payload.find(b":")
        try:
            if colon < 0:
                raise ValueError("X packet without ':'")
            addr_s, _, length_s = payload[1:colon].decode("latin-1").partition(",")
            return self._write_mem(_hex(addr_s), _hex(length_s), payload[colon + 1:]).encode()
        except ValueError as e:
            log.debug("malformed X packet: %s", e)
            return _E_INVAL.encode()

    # -- breakpoints

    def _breakpoint(self, insert: bool, args: str) -> str:
        # "Z type,addr,kind[;cond...]": conditions are not announced, so any
        # trailer is ignored
        fields = args.split(";", 1)[0].split(",")
        if fields[0] not in _BP_KINDS:
            return ""           # a breakpoint type this protocol version does not define
        if len(fields) != 3:
            raise ValueError("Z/z wants type,addr,kind")
        kind, addr, length = _BP_KINDS[fields[0]], _hex(fields[1]), _hex(fields[2])
        if self._exited:
            return _E_TARGET
        try:
            ok = (self.target.set_breakpoint if insert else self.target.clear_breakpoint)(kind, addr, length)
        except GdbTargetError as e:
            return self._error(e, _E_TARGET)
        if not ok:
            return ""
        if kind in self._bps:
            (self._bps[kind].add if insert else self._bps[kind].discard)(addr)
        return "OK"

    # -- running

    def _resume(self, step: bool, addr: Optional[int]) -> str:
        if self._exited:
            return self._stop_reply(self._stop)
        if addr is not None:
            try:
                self._write_reg(_BY_NUM[32], addr.to_bytes(8, "little"))
            except GdbTargetError as e:
                return self._error(e, _E_TARGET)
        self._regs = None
        peer_gone = threading.Event()
        watcher = threading.Thread(target=self._watch_for_interrupt, args=(peer_gone,),
                                   name="gdbstub-interrupt", daemon=True)
        watcher.start()
        try:
            stop = self.target.resume(step)
        except Exception as e:
            # GDB reads an 'E' stop reply as "stopped, out of sync": better
            # than leaving it waiting for ever
            log.exception("resume failed")
            stop = None
            err = self._error(e, _E_TARGET) if isinstance(e, GdbTargetError) else _E_TARGET
        finally:
            os.write(self._wake_w, b"!")
            watcher.join()
        self._regs = None
        if stop is None:
            if peer_gone.is_set():
                raise _Disconnected("client left while the target ran")
            return err
        if stop.exited is not None:
            self._exited = True
        elif stop.breakpoint is None and stop.watch is None and not step and stop.signal == SIGTRAP:
            stop.breakpoint = self._which_breakpoint()
        self._stop = stop
        if peer_gone.is_set():
            raise _Disconnected("client left while the target ran")
        return self._stop_reply(stop)

    def _which_breakpoint(self) -> Optional[str]:
        if not (self._bps["sw"] or self._bps["hw"]):
            return None
        try:
            pc = self._registers().get("pc")
        except GdbTargetError:
            return None
        return "sw" if pc in self._bps["sw"] else "hw" if pc in self._bps["hw"] else None

    def _watch_for_interrupt(self, peer_gone: threading.Event) -> None:
        """While the target runs: 0x03 from the client interrupts it; other
        bytes are kept for the packet reader; EOF interrupts it too (nobody
        is left to report the stop to)."""
        link, sock, wake = self._link, self._link.sock, self._wake_r
        # a Ctrl-C that came in the same read as the resume packet
        if 0x03 in link.buf:
            link.buf = bytearray(link.buf.replace(b"\x03", b""))
            self.target.interrupt()
        try:
            while True:
                ready, _, _ = select.select([sock, wake], [], [])
                if wake in ready:
                    os.read(wake, 64)
                    return
                data = sock.recv(65536)
                if not data:
                    break
                if b"\x03" in data:
                    self.target.interrupt()
                    data = data.replace(b"\x03", b"")
                link.buf += data
        except (OSError, ValueError):
            pass
        peer_gone.set()
        self.target.interrupt()
        # wait for the wake-up so the pipe is empty for the next run
        try:
            select.select([wake], [], [])
            os.read(wake, 64)
        except (OSError, ValueError):
            pass

    def _stop_reply(self, stop: StopReason) -> str:
        if stop.exited is not None:
            return f"W{stop.exited & 0xFF:02x}"
        out = f"T{stop.signal & 0xFF:02x}"
        if stop.watch is not None:
            kind, addr = stop.watch
            if kind not in _WATCH_KINDS:
                raise ValueError(f"bad watchpoint kind {kind!r}")
            out += f"{kind}:{addr:x};"
        elif stop.breakpoint in ("sw", "hw") and f"{stop.breakpoint}break" in self._client_features:
            # only for a client that announced it ("Stop Reply Packets")
            out += f"{stop.breakpoint}break:;"
        return out + f"thread:{stop.thread or 1:x};"
