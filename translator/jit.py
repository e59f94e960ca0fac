"""The JIT engine: LLVM ownership, batched compilation, the code cache, and
the run loop around the native dispatcher.

- ``Llvm`` (one per process) owns the target machine and the LLJIT, turns
  module text into object code (``emit_object``) and links object code into
  the JIT.  Object code is what the disk cache stores, so a warm run links
  cached objects and never invokes LLVM's compiler.
- ``CodeCache``: content-addressed object files (key = SHA-256 of the module
  IR, which is a function of guest bytes, translation context, translator
  and state-layout versions; plus the LLVM version and options), each stored
  with a SHA-256 of its contents: a corrupt or truncated entry is detected,
  deleted and rebuilt, never executed.  Directory: $A64JIT_CACHE_DIR, else
  the platform's user cache directory; disabled by A64JIT_NO_CACHE=1.
- ``JitEngine`` (one per vCPU) owns the jump cache, the soft TLB, the helper
  callback and the translations of its CPU, and runs guest code:
  ``run(budget)`` executes until the budget, an exception, a pending event
  or a PC it may not translate.
"""
from __future__ import annotations

import collections
import concurrent.futures
import ctypes
import hashlib
import inspect
import os
import sys
import threading
import time
import weakref

import llvmlite
import llvmlite.binding as llvm

from runtime import helpers as H
from runtime.exceptions import GuestException
from runtime.memory import RamRegion
from runtime.state import STATE_LAYOUT_VERSION
from .lift import emitter as E
from .lift.block import lift_block, module_text, MAX_BLOCK_INSNS, MODULE_FN
from .lift.dispatch import dispatcher_ir, jc_index, JC_ENTRIES, JC_ENTRY_SIZE

TRANSLATOR_VERSION = 2
BATCH_BLOCKS = 64
MODULES_KEPT = 1024          # linked modules the process keeps for reuse beyond live engines
HOT_OPT = 2                  # optimisation level of the hot tier
HOT_THRESHOLD = 4096         # block executions that make its module hot (A64JIT_HOT_THRESHOLD; 0: no tier-up)
# Bits of CpuState.pending (any bit set: leave native code at the next block boundary)
PENDING_HALT = 1             # WFI, or a runtime error to report
PENDING_INVALIDATED = 2      # translations were dropped while native code ran
PENDING_HOT = 4              # a hot-tier module finished compiling: come back to swap it in
M64 = (1 << 64) - 1


def request_exit(state, bit: int) -> None:
    """Make native code leave at the next block boundary: set a pending bit
    and zero the budget word, which every block checks on entry (as QEMU's
    icount_decr exit request).  Safe from any thread: the run loop restores
    the budget after it has cleared the pending word."""
    state.pending |= bit
    state.budget = 0

HELPER_NAMES = ["mrs", "msr", "sys", "msr_spsel", "msr_daif", "hvc", "smc", "wfi", "wfe", "eret"]
HELPER_IDS = {n: i for i, n in enumerate(HELPER_NAMES)}
HELPER_FNS = [getattr(H, n) for n in HELPER_NAMES]
HELPER_ARITY = [len(inspect.signature(f).parameters) - 1 for f in HELPER_FNS]

HELPER_CFUNC = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                                ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64)   # (s, info, a, b, c, pc)
DISPATCH_CFUNC = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p)

# Generated code calls one process-wide entry (the symbol E.HELPER_SYMBOL,
# bound when a module is linked, so linked modules can be shared between
# engines); it finds the engine that owns the calling CPU state.
_ENGINES: "weakref.WeakValueDictionary[int, JitEngine]" = weakref.WeakValueDictionary()


def _helper_entry(sptr, info, a, b, c, pc):
    engine = _ENGINES.get(sptr)
    if engine is None:               # cannot happen: an engine outlives its native code
        return 0
    return engine._helper(sptr, info, a, b, c, pc)


_HELPER_ENTRY = HELPER_CFUNC(_helper_entry)
HELPER_ADDR = ctypes.cast(_HELPER_ENTRY, ctypes.c_void_p).value
BLOCK_CFUNC = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64)    # module fn(s, block index)


def default_cache_dir() -> str:
    if os.environ.get("A64JIT_CACHE_DIR"):
        return os.environ["A64JIT_CACHE_DIR"]
    if sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    elif os.name == "nt":
        base = os.environ.get("LOCALAPPDATA", os.path.expanduser("~"))
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "a64jit")


def cache_enabled_by_env() -> bool:
    return os.environ.get("A64JIT_NO_CACHE", "") in ("", "0")


class Stats:
    def __init__(self):
        self.blocks_lifted = 0
        self.blocks_compiled = 0
        self.llvm_compiles = 0          # modules given to LLVM's compiler
        self.cache_hits = 0             # modules loaded from the disk cache
        self.cache_rejected = 0         # corrupt/stale entries found and rebuilt
        self.hot_recompiles = 0         # modules recompiled at the hot tier
        self.hot_failed = 0             # hot-tier compiles that failed (tier 0 kept)
        self.hot_seconds = 0.0
        self.lift_seconds = 0.0
        self.compile_seconds = 0.0
        self.guest_insns_compiled = 0

    def as_dict(self):
        return dict(self.__dict__)


def cache_max_bytes() -> int:
    """The disk code cache's size bound: $A64JIT_CACHE_MAX_MB (default 2048 MiB)."""
    try:
        mb = int(os.environ.get("A64JIT_CACHE_MAX_MB", "") or 2048)
    except ValueError:
        mb = 2048
    return max(mb, 1) << 20


class CodeCache:
    """Object files on disk, bounded in size: when what was added since the
    last check passes 1/16 of the bound, the directory is measured and the
    least recently used entries (by modification time; a hit touches its
    entry) are deleted down to 7/8 of the bound."""
    MAGIC = b"A64JITO1"

    def __init__(self, directory: str, max_bytes: int | None = None):
        self.dir = directory
        self.max_bytes = cache_max_bytes() if max_bytes is None else max_bytes
        self._added = 0
        os.makedirs(directory, exist_ok=True)

    def _path(self, key):
        return os.path.join(self.dir, key[:2], key + ".obj")

    def get(self, key: str, stats: Stats):
        p = self._path(key)
        try:
            with open(p, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        if (len(data) < 40 or data[:8] != self.MAGIC
                or hashlib.sha256(data[40:]).digest() != data[8:40]):
            stats.cache_rejected += 1
            try:
                os.unlink(p)
            except OSError:
                pass
            return None
        try:
            os.utime(p)                 # recently used: evicted last
        except OSError:
            pass
        return data[40:]

    def put(self, key: str, obj: bytes):
        p = self._path(key)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        tmp = f"{p}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(self.MAGIC + hashlib.sha256(obj).digest() + obj)
        os.replace(tmp, p)          # atomic: readers never see a partial file
        self._added += len(obj) + 40
        if self._added > self.max_bytes // 16:
            self._added = 0
            self.trim()

    def trim(self) -> int:
        """Delete least recently used entries while the cache is over its
        bound, down to 7/8 of it.  Returns the bytes the cache then holds."""
        entries, total = [], 0
        try:
            subdirs = [d.path for d in os.scandir(self.dir) if d.is_dir()]
        except OSError:
            return 0
        for sub in subdirs:
            try:
                for f in os.scandir(sub):
                    if f.name.endswith(".obj"):
                        st = f.stat()
                        entries.append((st.st_mtime_ns, st.st_size, f.path))
                        total += st.st_size
            except OSError:
                continue
        if total <= self.max_bytes:
            return total
        entries.sort()
        for _, size, path in entries:
            if total <= self.max_bytes * 7 // 8:
                break
            try:
                os.unlink(path)
                total -= size
            except OSError:
                pass
        return total


class Llvm:
    """Process-wide LLVM state (created on first use)."""
    _instance = None
    _lock = threading.Lock()

    @classmethod
    def get(cls, cache=None, stats=None) -> "Llvm":
        with cls._lock:
            if cls._instance is None:
                cls._instance = Llvm(cache, stats or Stats())
            return cls._instance

    def __init__(self, cache, stats):
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        target = llvm.Target.from_default_triple()
        self.triple = llvm.get_process_triple()
        # Tier 0 (new code): A64JIT_OPT, default 0 = fast codegen, no IR passes.
        # Hot code is recompiled at HOT_OPT (IR pipeline + codegen at O2).
        self.opt = int(os.environ.get("A64JIT_OPT", "0") or 0)
        self.tms = {level: target.create_target_machine(opt=level, reloc="pic", codemodel="small")
                    for level in {self.opt, HOT_OPT}}
        self.tm = self.tms[self.opt]
        self.layout = str(self.tm.target_data)
        self.lljit = llvm.create_lljit_compiler(self.tm)
        self._pool = None                  # hot-tier compile thread, started on first use
        self._tls = threading.local()
        self._nlib = 0
        self.options_key = f"{llvmlite.__version__}|{llvm.llvm_version_info}|{self.triple}|" \
                           f"{TRANSLATOR_VERSION}|{STATE_LAYOUT_VERSION}"
        # module text hash -> (tracker, module function address): a batch seen
        # before in this process is linked once (blocks chain to each other inside
        # a module, so a block's code is only reusable together with its module).
        # Bounded: code stays mapped while its tracker is referenced, here or by
        # an engine that uses it; the least recently used modules are let go.
        self.by_module_hash: collections.OrderedDict = collections.OrderedDict()
        obj = self.object_code(f'target triple = "{self.triple}"\n' + dispatcher_ir(), cache, stats)
        self.dispatch_tracker, self.dispatch_addr = self.link(obj, "a64_dispatch")

    def compile(self, text: str, opt: int | None = None, context=None) -> bytes:
        opt = self.opt if opt is None else opt
        mod = llvm.parse_assembly(text, context=context)
        tm = self.tms[opt]
        if opt:
            pto = llvm.create_pipeline_tuning_options(speed_level=opt)
            pb = llvm.create_pass_builder(tm, pto)
            pb.getModulePassManager().run(mod, pb)
        return tm.emit_object(mod)

    def key(self, text: str, opt: int | None = None) -> str:
        """A module's identity: its IR text at an optimisation level, with
        the LLVM/translator/state-layout versions (disk cache key, and the
        key of the linked modules kept in this process)."""
        opt = self.opt if opt is None else opt
        return hashlib.sha256(f"{self.options_key}|opt{opt}\n{text}".encode()).hexdigest()

    def object_code(self, text: str, cache, stats, opt: int | None = None, context=None,
                    key: str | None = None) -> bytes:
        """Object code for a module: from the disk cache when present and
        intact, else compiled by LLVM (and stored)."""
        opt = self.opt if opt is None else opt
        key = key or self.key(text, opt)
        obj = cache.get(key, stats) if cache else None
        if obj is not None:
            stats.cache_hits += 1
            return obj
        obj = self.compile(text, opt, context)
        stats.llvm_compiles += 1
        if cache:
            try:
                cache.put(key, obj)
            except OSError:
                pass                     # a read-only cache directory is not an error
        return obj

    def link(self, obj: bytes, name: str = MODULE_FN):
        """Link object code into the JIT: (tracker, address of ``name``); the
        code stays mapped as long as the tracker is referenced.  Every module
        gets its own library, so each can define the same function name."""
        self._nlib += 1
        tracker = llvm.JITLibraryBuilder().add_object_img(obj).export_symbol(name) \
            .import_symbol(E.HELPER_SYMBOL, HELPER_ADDR).link(self.lljit, f"a64lib{self._nlib}")
        return tracker, tracker[name]

    def compile_in_background(self, text: str, cache, stats, opt: int, key: str):
        """Compile on the hot-tier thread (the second core: LLVM releases the
        GIL), in that thread's own LLVM context.  Returns a Future of the
        object code."""
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="a64jit-hot")

        def job():
            ctx = getattr(self._tls, "ctx", None)
            if ctx is None:
                ctx = self._tls.ctx = llvm.create_context()
            return self.object_code(text, cache, stats, opt, ctx, key)
        return self._pool.submit(job)

    def module(self, h: str):
        got = self.by_module_hash.get(h)
        if got is not None:
            self.by_module_hash.move_to_end(h)
        return got

    def remember(self, h: str, linked) -> None:
        self.by_module_hash[h] = linked
        while len(self.by_module_hash) > MODULES_KEPT:
            self.by_module_hash.popitem(last=False)


class Translation:
    __slots__ = ("addr", "idx", "pc", "end", "ninsns", "ctx", "module")

    def __init__(self, addr, idx, pc, end, ninsns, ctx, module):
        self.addr, self.idx = addr, idx       # the module function, and this block's index in it
        self.pc, self.end, self.ninsns, self.ctx = pc, end, ninsns, ctx
        self.module = module          # batch number: blocks of one module chain to each other


class JitEngine:
    def __init__(self, cpu, *, code_range: tuple[int, int] | None = None, use_cache: bool | None = None,
                 cache_dir: str | None = None):
        self.cpu = cpu
        self.stats = Stats()
        self.code_range = code_range
        if use_cache is None:
            use_cache = cache_enabled_by_env()
        self.cache = None
        if use_cache:
            try:
                self.cache = CodeCache(cache_dir or default_cache_dir())
            except OSError:
                self.cache = None        # no writable cache directory: run without
        t0 = time.perf_counter()
        self.llvm = Llvm.get(self.cache, self.stats)
        self.stats.compile_seconds += time.perf_counter() - t0
        s = cpu.state
        self.state = s
        self.sptr = ctypes.addressof(s)
        self.helper_ret_addr = self.sptr + E.OFF_HELPER_RET
        # Jump cache: {pc, ctx, module function, block index}; an empty entry never
        # matches a real pc/ctx pair because its pc tag is odd (impossible).
        self.jc = (ctypes.c_uint64 * (JC_ENTRIES * JC_ENTRY_SIZE // 8))()
        self.tlb = s.tlb                    # the soft TLB lives in the state struct
        self.flush_jump_cache()
        self.flush_tlb()
        _ENGINES[self.sptr] = self
        s.jc_ptr = ctypes.addressof(self.jc)
        self.dispatch = DISPATCH_CFUNC(self.llvm.dispatch_addr)
        self.translations: dict[tuple, Translation] = {}
        self.code_pages: dict[int, set] = {}          # physical page -> translation keys
        self.modules: dict[int, list] = {}            # batch number -> translation keys
        self.trackers: list = []                      # LLJIT resource trackers of code this engine runs
        self.batches: dict[int, list] = {}            # batch number -> lifted blocks (for the hot tier)
        self.hot_pending: dict[int, tuple] = {}       # batch number -> (future, batch, module hash, start time)
        self.hot_async = os.environ.get("A64JIT_HOT_SYNC", "") in ("", "0")
        self.hot_threshold = 0 if self.llvm.opt >= HOT_OPT else \
            int(os.environ.get("A64JIT_HOT_THRESHOLD", HOT_THRESHOLD) or 0)
        self._nbatch = 0
        self.exc: GuestException | None = None
        self.internal_error: BaseException | None = None
        cpu.mem.write_observers.append(self._on_write)
        cpu.ic_observers.append(self._on_ic)

    # -- caches -----------------------------------------------------------------
    def flush_jump_cache(self):
        ctypes.memset(self.jc, 0xFF, ctypes.sizeof(self.jc))    # pc tag ~0: odd, never a PC

    def flush_tlb(self):
        # Empty tag = all ones: never equal to a probe key (a page address,
        # or a page address with only alignment bits 3:0 set).
        ctypes.memset(self.tlb, 0xFF, ctypes.sizeof(self.tlb))

    def _fill_tlb(self, va: int, write: bool):
        """After a successful slow-path access to RAM: map the page for the fast path.
        Pages holding translated code are never mapped for writing, so guest
        stores to them come through the slow path and invalidate (SMC)."""
        page = va & E.PAGE_MASK
        try:
            r = self.cpu.mem.region_of(page, 1 << E.PAGE_BITS)
        except Exception:
            return
        if type(r) is not RamRegion:
            return
        i = (va >> E.PAGE_BITS & (E.TLB_ENTRIES - 1)) * 4
        addend = (r.host_addr + (page - r.base) - page) & M64
        if self.tlb[i + 2] != addend or self.tlb[i] != page:
            self.tlb[i] = self.tlb[i + 1] = E.TLB_EMPTY
        self.tlb[i + 2] = addend
        if write:
            if page not in self.code_pages:
                self.tlb[i + 1] = page
        else:
            self.tlb[i] = page

    def _unmap_page_for_writes(self, page):
        for i in range(E.TLB_ENTRIES):
            if self.tlb[i * 4 + 1] == page:
                self.tlb[i * 4 + 1] = E.TLB_EMPTY

    # -- invalidation -------------------------------------------------------------
    def invalidate_page(self, page: int):
        """Drop the translations on a page, and with them every block of the
        same modules (those may tail-call the stale ones directly)."""
        keys = self.code_pages.pop(page, None)
        if not keys:
            return
        self._drop_modules({self.translations[k].module for k in keys if k in self.translations})
        self.flush_jump_cache()
        # A chain of blocks running now may tail-call dropped code: make it
        # return to the dispatcher at its next block boundary.
        request_exit(self.state, PENDING_INVALIDATED)

    def _drop_modules(self, modules):
        for m in modules:
            self.batches.pop(m, None)
            for k in self.modules.pop(m, ()):
                t = self.translations.get(k)
                if t is not None and t.module == m:
                    del self.translations[k]

    def invalidate_all(self):
        self.batches.clear()
        self.translations.clear()
        self.code_pages.clear()
        self.modules.clear()
        self.flush_jump_cache()
        request_exit(self.state, PENDING_INVALIDATED)

    def _on_write(self, addr, size):
        if not self.code_pages:
            return
        first, last = addr & E.PAGE_MASK, (addr + size - 1) & E.PAGE_MASK
        for page in {first, last}:
            if page in self.code_pages:
                self.invalidate_page(page)

    def _on_ic(self, op, va):
        if op == "IC_IVAU":
            self.invalidate_page(va & E.PAGE_MASK)      # MMU off: VA = PA
        else:
            self.invalidate_all()

    # -- the helper callback (native code -> Python) --------------------------------
    def _helper(self, sptr, info, a, b, c, pc):
        """Runtime entry from generated code (see ``LlvmEmitter._call_helper``).
        Returns the address of the helper_ret words (where a slow-path load
        finds its value), or 0 when the instruction at ``pc`` raised an
        exception (then PC and the count are set so that the block can
        simply return EXIT_EXCEPTION)."""
        cpu = self.cpu
        s = self.state
        kind = info & 0xFF
        try:
            if kind == E.HELPER_CALL:
                hid = info >> 8 & 0xFF
                r = HELPER_FNS[hid](cpu, *(a, b, c)[:HELPER_ARITY[hid]])
                s.helper_ret = (r or 0) & M64
                s.ctx = cpu.compute_ctx()
                if cpu.halted:
                    request_exit(s, PENDING_HALT)
                return self.helper_ret_addr
            size, acc = info >> 8 & 0xFF, info >> 16 & 0xFF
            if kind == E.HELPER_MEM_READ:
                s.helper_ret = cpu.read(a, size, acc, E.unpack_isv(info >> 24 & 0xFFFF))
                self._fill_tlb(a, False)
            elif kind == E.HELPER_MEM_WRITE:
                cpu.write(a, size, b, acc, E.unpack_isv(info >> 24 & 0xFFFF))
                self._fill_tlb(a, True)
            elif kind == E.HELPER_MEM_READ_PAIR:
                v1 = cpu.read(a, size, acc)
                v2 = cpu.read((a + size) & M64, size, acc)
                if size == 8:
                    s.helper_ret, s.helper_ret2 = v1, v2
                else:
                    s.helper_ret = v1 | v2 << 8 * size
                self._fill_tlb(a, False)
            elif kind == E.HELPER_MEM_WRITE_PAIR:
                cpu.write(a, size, b, acc)
                cpu.write((a + size) & M64, size, c, acc)
                self._fill_tlb(a, True)
            else:
                raise RuntimeError(f"unknown helper kind {kind}")
            return self.helper_ret_addr
        except GuestException as exc:
            self.exc = exc
            s.pc = pc
            s.icount += info >> 40          # exact for helpers already; memory: + index in block
            return 0
        except BaseException as exc:          # an a64jit bug: stop, report outside native code
            self.internal_error = exc
            self.exc = None
            request_exit(s, PENDING_HALT)
            s.pc = pc
            s.icount += info >> 40
            return 0

    # -- translation ------------------------------------------------------------------
    def _fetch(self, addr):
        if self.code_range is not None and not (self.code_range[0] <= addr < self.code_range[1] - 3):
            return None
        if addr & 3:
            return None
        try:
            r = self.cpu.mem.region_of(addr, 4)      # MMU off: VA = PA
        except Exception:
            return None
        if type(r) is not RamRegion:                 # code runs from RAM only (no device reads here)
            return None
        off = addr - r.base
        return int.from_bytes(r.buf[off:off + 4], "little")

    def _ctx_flags(self, ctx):
        return {"align_all": bool(ctx >> 3 & 1), "sp_align": bool(ctx >> 4 & 1)}

    def translate(self, pc: int, ctx: int, limit: int = MAX_BLOCK_INSNS) -> Translation | None:
        """Translate the block at (pc, ctx) and, in the same LLVM module, the
        blocks statically reachable from it (up to BATCH_BLOCKS)."""
        t0 = time.perf_counter()
        flags = self._ctx_flags(ctx)
        first = lift_block(self._fetch, pc, ctx, flags, HELPER_IDS, limit)
        if first is None:
            return None
        base = first.next_base
        batch = [first]
        if limit == MAX_BLOCK_INSNS:
            seen = {pc}
            todo = list(first.successors) + [first.end_pc]
            while todo and len(batch) < BATCH_BLOCKS:
                nxt = todo.pop(0)
                if nxt in seen or (nxt, ctx, MAX_BLOCK_INSNS) in self.translations:
                    continue
                seen.add(nxt)
                b = lift_block(self._fetch, nxt, ctx, flags, HELPER_IDS, MAX_BLOCK_INSNS, base)
                if b is not None:
                    base = b.next_base
                    batch.append(b)
                    # also the code right after the block: return points of
                    # calls (BL/BLR) and not-taken paths are likely next.
                    todo.extend(b.successors + [b.end_pc])
        self.stats.blocks_lifted += len(batch)
        t1 = time.perf_counter()
        self.stats.lift_seconds += t1 - t0
        fn = self._compile(batch)
        self.stats.compile_seconds += time.perf_counter() - t1
        result = None
        self._nbatch += 1
        self.modules[self._nbatch] = keys = []
        if self.hot_threshold:
            self.batches[self._nbatch] = batch
        for k, b in enumerate(batch):
            t = Translation(fn, k, b.pc, b.end_pc, b.ninsns, ctx, self._nbatch)
            key = (b.pc, ctx, limit if b is first else MAX_BLOCK_INSNS)
            old = self.translations.get(key)
            if old is not None:                       # superseded: its module-mates may chain to it
                self._drop_modules({old.module})
            self.translations[key] = t
            keys.append(key)
            for page in {b.pc & E.PAGE_MASK, (b.end_pc - 1) & E.PAGE_MASK}:
                if page not in self.code_pages:
                    self.code_pages[page] = set()
                    self._unmap_page_for_writes(page)
                self.code_pages[page].add(key)
            if b is first:
                result = t
        return result

    def _compile(self, batch, opt: int | None = None) -> dict:
        L = self.llvm
        hot = opt is not None and opt != L.opt
        # Cut blocks (run once, to end a budget exactly) do not count towards the hot tier.
        counted = not hot and batch[0].limit == MAX_BLOCK_INSNS
        text = module_text(batch, L.triple, L.layout, self.hot_threshold if counted else 0)
        h = L.key(text, opt)
        linked = L.module(h)
        if linked is None:
            compiles = self.stats.llvm_compiles
            obj = L.object_code(text, self.cache, self.stats, opt, key=h)
            if self.stats.llvm_compiles != compiles and not hot:
                self.stats.blocks_compiled += len(batch)
                self.stats.guest_insns_compiled += sum(b.ninsns for b in batch)
            linked = L.link(obj)
            L.remember(h, linked)
        self.trackers.append(linked[0])          # keep this engine's code mapped
        return linked[1]

    def tier_up(self, pc: int, ctx: int) -> None:
        """The block at (pc, ctx) became hot: recompile its whole module (its
        blocks chain to each other) at the hot tier, on the background
        thread; tier-0 code keeps running meanwhile, and the new code is
        swapped in (``_finish_hot``) at a return to Python, which the
        finished compile requests through the pending word.
        A64JIT_HOT_SYNC=1 compiles synchronously instead."""
        t = self.translations.get((pc, ctx, MAX_BLOCK_INSNS))
        if t is None or t.module in self.hot_pending:
            return
        batch = self.batches.pop(t.module, None)
        if batch is None:
            return
        L = self.llvm
        text = module_text(batch, L.triple, L.layout, 0)
        h = L.key(text, HOT_OPT)
        t0 = time.perf_counter()
        if self.hot_async and L.module(h) is None:
            fut = L.compile_in_background(text, self.cache, self.stats, HOT_OPT, h)
            state = self.state

            def done(_f):
                request_exit(state, PENDING_HOT)
            fut.add_done_callback(done)
            self.hot_pending[t.module] = (fut, batch, h, t0)
        else:
            self._swap(t.module, batch, self._compile(batch, HOT_OPT), t0)

    def _finish_hot(self):
        """Link hot-tier modules whose compilation has finished and switch to them."""
        for m, (fut, batch, h, t0) in list(self.hot_pending.items()):
            if not fut.done():
                continue
            del self.hot_pending[m]
            try:
                obj = fut.result()
            except Exception:                    # keep running tier 0; report in the stats
                self.stats.hot_failed += 1
                continue
            linked = self.llvm.module(h)
            if linked is None:
                linked = self.llvm.link(obj)
                self.llvm.remember(h, linked)
            self.trackers.append(linked[0])
            if m in self.modules:                # not invalidated meanwhile
                self._swap(m, batch, linked[1], t0)

    def _swap(self, module, batch, fn, t0):
        """Switch a module's blocks to the hot code (same block indices)."""
        for key in self.modules.get(module, ()):
            old = self.translations.get(key)
            if old is not None and old.module == module:
                old.addr = fn
        self.flush_jump_cache()
        self.stats.hot_recompiles += 1
        self.stats.hot_seconds += time.perf_counter() - t0

    def _translation(self, pc: int, ctx: int, limit: int) -> Translation | None:
        return self.translations.get((pc, ctx, limit)) or self.translate(pc, ctx, limit)

    def _install(self, t: Translation):
        i = jc_index(t.pc, t.ctx) * 4
        self.jc[i], self.jc[i + 1], self.jc[i + 2], self.jc[i + 3] = t.pc, t.ctx, t.addr, t.idx

    def _exception_from_state(self) -> GuestException:
        exc, self.exc = self.exc, None
        if exc is not None:                      # raised by a runtime helper
            return exc
        s = self.state                           # raised by generated code: syndrome in state
        fl = s.exc_flags
        return GuestException(s.exc_ec, s.exc_iss, s.exc_far if fl & 1 else None,
                              return_offset=fl >> 8 & 0xFF,
                              target_el=(fl >> 16 & 0xFF) - 1 if fl >> 16 & 0xFF else None)

    def _untranslatable(self):
        """No block at PC: inside the allowed range this is the architectural
        fetch fault (PC alignment, instruction abort); outside, a stop."""
        pc = self.state.pc
        if self.code_range is None or self.code_range[0] <= pc < self.code_range[1]:
            try:
                self.cpu.fetch(pc)
            except GuestException as exc:
                return "exception", exc
        return "untranslatable", None

    # -- running ---------------------------------------------------------------------------
    def run(self, budget: int):
        """Run until ``budget`` more instructions retired, an exception, a
        pending event, or a PC that cannot be translated.  Returns
        ("budget" | "exception" | "pending" | "untranslatable", GuestException or None)."""
        s = self.state
        cpu = self.cpu
        target = s.icount + budget
        while True:
            # Clear the pending word before looking for finished hot compiles:
            # a compile finishing after the look sets it again, so its swap is
            # never missed.  (An exit request zeroes the budget word: set it
            # again; the dispatcher looks at the pending word before anything.)
            s.pending = 0
            s.budget = target
            if self.hot_pending:
                self._finish_hot()
            s.ctx = cpu.compute_ctx()
            r = self.dispatch(self.sptr)
            if r == E.EXIT_BUDGET and s.budget > s.icount and not s.pending:
                # A block left at its entry with budget left and nothing pending:
                # it has just become hot if it fits, else run one cut to fit.
                t = self.translations.get((s.pc, s.ctx, MAX_BLOCK_INSNS))
                if t is not None and t.ninsns <= s.budget - s.icount and self.hot_threshold:
                    self.tier_up(s.pc, s.ctx)
                    continue
                t = self._translation(s.pc, s.ctx, s.budget - s.icount)
                if t is None:
                    return self._untranslatable()
                r = BLOCK_CFUNC(t.addr)(self.sptr, t.idx)
                if r == E.EXIT_OK and not s.pending:
                    continue
            if self.internal_error is not None:
                err, self.internal_error = self.internal_error, None
                raise RuntimeError("a64jit internal error in a runtime helper") from err
            if r == E.EXIT_EXCEPTION:
                return "exception", self._exception_from_state()
            if r == E.EXIT_PENDING or s.pending:
                if s.pending & ~(PENDING_INVALIDATED | PENDING_HOT) or cpu.halted:
                    return "pending", None
                continue                       # stale chains left, or hot code to swap in: carry on
            if r == E.EXIT_BUDGET:
                return "budget", None
            if r == E.EXIT_NOTRANS:
                t = self._translation(s.pc, s.ctx, MAX_BLOCK_INSNS)
                if t is None:
                    return self._untranslatable()
                self._install(t)
                continue
            raise RuntimeError(f"dispatcher returned {r}")
