"""The JIT engine (one per vCPU): translations, the jump cache, soft-TLB
fills, invalidation, the runtime entry, the hot tier, and the run loop
around the native dispatcher.

``run(budget)`` executes until the budget, an exception, a pending event
or a PC it may not translate (the engine interface, translator/engine.py).

Code lifetime.  Translations are grouped in modules (a batch of blocks
lifted together and linked as one LLVM module; blocks of a module chain to
each other directly).  A module is dropped whole — by invalidation (a store
to a code page: stores are what change code, so IC IVAU/IALLU need not and
do not drop anything, as in QEMU), by being superseded, or by tier-up (its
tier-0 code replaced by the hot code) — and the engine then gives its
linked code back to the LLVM owner (llvm.py) at the next *safe point*: a
return from native code to this loop, where no native frame of this engine
can be inside it (as Dynarmic's deferred InvalidateCacheRange).  Dropping
while native code runs (a store from generated code) also requests an exit,
so running chains leave the dropped code at their next block boundary.
"""
from __future__ import annotations

import array
import collections
import ctypes
import time
import weakref
from time import perf_counter

from ...runtime import abi
from ...runtime.abi import (EXIT_NOTRANS, EXIT_PENDING, EXIT_BUDGET, EXIT_EXCEPTION,
                            PENDING_HALT, PENDING_INVALIDATED, PENDING_HOT, PENDING_IRQ, PENDING_HOST, request_exit,
                            HELPER_CALL, HELPER_MEM_READ, HELPER_MEM_WRITE, HELPER_MEM_READ_PAIR,
                            HELPER_MEM_WRITE_PAIR, HELPER_FP, HELPER_TRACE, TRACE_FULL, unpack_fp_id, HELPER_FNS, HELPER_ARITY, HELPER_KEEPS_CONTEXT, PAGE_BITS, PAGE_MASK,
                            TLB_ENTRY_WORDS, TLB_EMPTY, JC_ENTRIES, JC_ENTRY_SIZE, JC_EMPTY,
                            OFF_HELPER_RET, unpack_info, unpack_isv, unpack_exc_flags, jc_index, tlb_index,
                            CODE_VMAP_BITS, code_vmap_index)
from ...runtime.exceptions import GuestException, WatchHit
from ...runtime.helpers import sys as sys_helper
from ...runtime.sysreg_defs import DC_ZVA_KEY as _DC_ZVA_KEY
from ...runtime.memory import RamRegion, Unmapped, ACC_UNPRIV
from ...runtime.cpu import PA_BITS
from ...runtime.mmu import MmuFault, READ, WRITE, FETCH, ASID_OPS, tlbi_target
from ..fpops import FP_FNS
from ..engine import Engine, BUDGET, EXCEPTION, PENDING, NO_CODE, DEBUG
from ..lift.block import lift_block, module_text, MAX_BLOCK_INSNS, MODULE_FN
from ..lift.dispatch import dispatcher_ir, jc_fill_ir, DISPATCH_FN, JC_FILL_FN
from ..lift.refill import helper_front_ir, unmap_writes_ir, FRONT_FN, UNMAP_WRITES_FN
from . import entry
from .cache import open_cache
from .config import JitConfig, HOT_OPT
from .loader import is_image
from .index import TranslationIndex, Recipe, code_hash, code_hasher, words_bytes, namespace as index_namespace
from .llvm import llvm_jit

# Blocks in one module at most: the block missed and those statically reachable
# from it.  Measured on the Linux boot (docs/performance.md, session 13), 16
# against 64: cold 283 -> 162 s, cold peak RSS 971 -> 637 MB, warm 7.3 -> 6.4 s
# (one run each; in sequential runs the same within the noise): larger batches
# mostly lift code that never runs.  The price, until hot regions are formed
# apart from tier-0 batches: the hot tier recompiles a module's own blocks only,
# and smaller batches split hot loops and their callees over modules (the
# hot-code suite 11% slower, measured in interleaved pairs).
BATCH_BLOCKS = 16
_SYS_ID = HELPER_FNS.index(sys_helper)
_KIND_NAMES = {HELPER_MEM_READ: "memory read", HELPER_MEM_WRITE: "memory write",
               HELPER_MEM_READ_PAIR: "memory read pair", HELPER_MEM_WRITE_PAIR: "memory write pair",
               HELPER_FP: "fp (softfloat)", HELPER_TRACE: "trace"}
M64 = (1 << 64) - 1
_TLB_W = TLB_ENTRY_WORDS
_TLB_READ, _TLB_WRITE, _TLB_ADDEND = (off // 8 for off in (abi.TLB_READ_TAG, abi.TLB_WRITE_TAG, abi.TLB_ADDEND))
_JC_W = JC_ENTRY_SIZE // 8
_CTX_TRANSLATED = abi.pack_ctx(0, 0, False, False, True, True)    # stage 1 or stage 2 on
assert abi.JC_EMPTY == TLB_EMPTY == M64     # flushing is a memset of 0xFF bytes

DISPATCH_CFUNC = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p)
BLOCK_CFUNC = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64)    # module fn(s, block index)
# jc_fill(jc, pcs, block indices, n, ctx, module fn, out: word indices) (translator/lift/dispatch.py)
JC_FILL_CFUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64,
                                 ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p)
# unmap_writes(tlb, host page) (translator/lift/refill.py)
UNMAP_WRITES_CFUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64)


class Stats:
    def __init__(self):
        self.blocks_lifted = 0
        self.blocks_compiled = 0
        self.llvm_compiles = 0          # modules given to LLVM's compiler
        self.cache_hits = 0             # modules loaded from the disk cache
        self.cache_rejected = 0         # corrupt/stale entries found and rebuilt
        self.hot_recompiles = 0         # modules recompiled at the hot tier
        self.hot_failed = 0             # hot-tier compiles that failed (tier 0 kept)
        self.hot_ssa = 0                # hot-tier batches lifted with registers in SSA (JitEngine._relift)
        self.hot_seconds = 0.0
        self.lift_seconds = 0.0
        self.compile_seconds = 0.0
        self.guest_insns_compiled = 0
        self.index_modules = 0          # modules found by the translation index (not lifted)
        self.index_blocks = 0           # their blocks
        self.index_rejected = 0         # recipes whose bytes had changed
        self.index_seconds = 0.0        # checking recipes' bytes and linking their code
        self.pack_reads = 0             # code images read from the index's object pack (not the code cache)
        self.modules_dropped = 0        # modules given back (invalidation, tier-up, supersession)
        self.exits = 0                  # returns from native code to the run loop
        self.slow_accesses = 0          # memory accesses generated code handed to the runtime (TLB misses, MMIO...)
        self.tail_insns = 0             # instructions run by the interpreter to end a budget exactly
        self.fp_slow = 0                # FP operations generated code handed to the exact softfloat
        self.tlb_fills = 0              # slow accesses that mapped their page for the inline fast path
        self.native_fills = 0           # TLB misses the native front walked and filled (refill.py)
        self.tlbi_inline = 0            # TLBI by VA generated code did itself (the TLBI log)
        self.exit_codes = [0] * 5       # returns from native code by exit code (abi EXIT_*)
        self.dispatch_seconds = 0.0     # wall time inside native code (and the helpers it calls)
        self.calls = [0] * len(HELPER_FNS)   # runtime helper calls (MRS, MSR, SYS, ...) by helper id
        self.helpers = None             # with profiling on: helper kind -> [calls, seconds]

    def as_dict(self):
        return dict(self.__dict__)


#: A code map with every bit set (every TLBI by VA to the runtime): the state's while no engine owns it
_ALL_CODE = (ctypes.c_uint8 * (1 << (CODE_VMAP_BITS - 3)))(*([0xFF] * (1 << (CODE_VMAP_BITS - 3))))


def _jc_put(jc, pc, ctx, addr, idx) -> int:
    """Enter a block in the jump cache (abi.py: two ways, entry jc_index and
    its neighbour): where (pc, ctx) is already, else an empty way, else the
    first.  Returns the entry's word index."""
    i = jc_index(pc, ctx) * _JC_W
    if not (jc[i] == pc and jc[i + 1] == ctx):
        j = i ^ _JC_W
        if jc[j] == pc and jc[j + 1] == ctx or jc[i] != JC_EMPTY and jc[j] == JC_EMPTY:
            i = j
    jc[i], jc[i + 1], jc[i + 2], jc[i + 3] = pc, ctx, addr, idx
    return i


#: The hot tier keeps registers in SSA in a module whose tier-0 count was at
#: least this many loop iterations per entry (and with a loop: _closed_loop).
LOOPS_PER_ENTRY = 8


def _closed_loop(batch) -> bool:
    """Does a batch hold a loop (blocks that chain round to themselves) and
    no block on a loop that leaves the batch for code that comes back (a
    call, or an indirect branch: a return, a switch)?  The hot tier keeps
    such a batch's registers in SSA across its blocks: they are loaded at
    each entry and stored at each exit, which pays off in loops run many
    times per entry and costs where a loop's calls and returns leave and
    re-enter the module every iteration."""
    succ = {b.pc: b.chains for b in batch}
    ends = {b.pc: b.words[-1] for b in batch}
    looped = False
    for pc in succ:
        seen, todo = set(), list(succ[pc])
        while todo:                              # (at most BATCH_BLOCKS blocks: a search from each)
            t = todo.pop()
            if t in seen or t not in succ:
                continue
            seen.add(t)
            todo += succ[t]
        if pc in seen:                           # on a loop
            w = ends[pc]
            if w & 0xFE1F0000 == 0xD61F0000 or w >> 26 == 0x25:   # BR/BLR/RET (and variants), BL
                return False
            looped = True
    return looped


class Translation:
    __slots__ = ("addr", "idx", "pc", "end", "ninsns", "ctx", "module")

    def __init__(self, addr, idx, pc, end, ninsns, ctx, module):
        self.addr, self.idx = addr, idx       # the module function, and this block's index in it
        self.pc, self.end, self.ninsns, self.ctx = pc, end, ninsns, ctx
        self.module = module          # module number: blocks of one module chain to each other


# ``JitEngine.translations`` holds a Translation, or, for a block registered
# with its module and not looked up since, the int ``module << _IDX_BITS |
# index`` (a warm Linux boot registers some 300,000 blocks, most of them
# reached only through the jump cache and chains, never looked up).
_IDX_BITS = 20


def _module_of(t) -> int:
    return t >> _IDX_BITS if type(t) is int else t.module


_VA_PAGE = abi.TLB_VA_PAGE


def _drop_page(tlb, i, page):
    """Empty TLB slot ``i`` if it maps the virtual page ``page``."""
    for w in (_TLB_READ, _TLB_WRITE):
        tag = tlb[i + w]
        if tag != TLB_EMPTY and not (tag ^ page) & _VA_PAGE:
            tlb[i + _TLB_READ] = tlb[i + _TLB_WRITE] = TLB_EMPTY
            return


class EngineModule:
    """One module of this engine: its translation keys, its linked code, and
    (tier 0, until it tiers up) the lifted blocks to recompile."""
    __slots__ = ("keys", "linked", "pages", "map_gen", "recipe", "indexed", "blocks", "phys", "slots")

    def __init__(self, keys, linked, map_gen=0, recipe=None, indexed=False, blocks=()):
        self.keys, self.linked = keys, linked
        self.blocks = blocks             # [(pc, instructions)] of every block in its code
        self.phys = set()                # physical pages its code came from
        self.slots = set()               # jump-cache entries installed for its blocks
        self.pages = {}                  # translation on: virtual page -> physical page its code came from
        self.map_gen = map_gen           # the mapping generation the pages were last checked at
        # Tier 0, until it tiers up: how to lift the batch again for the hot tier
        # (its blocks and the hash of their bytes; the lifted IR is not kept: memory).
        self.recipe = recipe
        self.indexed = indexed           # its tier-0 code is in the translation index


def _release_all(llvm, held: collections.Counter):
    for m, n in held.items():
        for _ in range(n):
            llvm.release(m)
    held.clear()


class JitEngine(Engine):
    name = "jit"

    def __init__(self, cpu, *, code_range: tuple[int, int] | None = None, use_cache: bool | None = None,
                 cache_dir: str | None = None, config: JitConfig | None = None):
        self.cpu = cpu
        self.stats = Stats()
        self.code_range = code_range
        cfg = config or JitConfig.from_env()
        if use_cache is not None:
            cfg = cfg.replace(cache_enabled=use_cache)
        if cache_dir is not None:
            cfg = cfg.replace(cache_dir=cache_dir)
        self.config = cfg
        self.cache = open_cache(cfg)
        t0 = time.perf_counter()
        self.llvm = L = llvm_jit()
        # Warm runs find their modules by the guest bytes (index.py): with the disk cache only.
        self.index = (TranslationIndex(self.cache.dir + "/index",
                                       index_namespace(L.identity, L.layout, cfg.opt, cfg.tier_up, cfg.hot_regs))
                      if self.cache is not None else None)
        dispatch_addr = L.resident(f'target triple = "{L.triple}"\n' + dispatcher_ir(), DISPATCH_FN,
                                   self.cache, self.stats)
        self._jc_fill = JC_FILL_CFUNC(L.resident(f'target triple = "{L.triple}"\n' + jc_fill_ir(), JC_FILL_FN,
                                                 self.cache, self.stats))
        L.install_helper_front(f'target triple = "{L.triple}"\n' + helper_front_ir(), FRONT_FN, self.cache,
                               self.stats)
        self._unmap_writes = UNMAP_WRITES_CFUNC(L.resident(f'target triple = "{L.triple}"\n' + unmap_writes_ir(),
                                                           UNMAP_WRITES_FN, self.cache, self.stats))
        self.stats.compile_seconds += time.perf_counter() - t0
        s = cpu.state
        self.state = s
        self.sptr = ctypes.addressof(s)
        self.helper_ret_addr = self.sptr + OFF_HELPER_RET
        # The jump cache, 64-byte aligned (an entry and its neighbour, the two ways, share a line).
        self._jc_mem = (ctypes.c_uint64 * (JC_ENTRIES * _JC_W + 8))()
        self._jc_addr = (ctypes.addressof(self._jc_mem) + 63) & ~63
        self.jc = (ctypes.c_uint64 * (JC_ENTRIES * _JC_W)).from_address(self._jc_addr)
        self.tlb = s.tlb                    # the soft TLB lives in the state struct
        self._tlb_saved: dict = {}          # other ELs' TLB context -> (copy of the TLB, its _ngslots)
        self._tlb_spare: list = []          # buffers for them
        self._ngslots: set = set()          # TLB slots filled from non-global (ASID-tagged) entries
        # The native refill's parameters (runtime/abi.py): published for the soft
        # TLB's context when a slow access finds them stale (_publish_refill).
        self._refill = abi.Refill()
        self._refill_for = None             # the (soft TLB context, tables) they were last published for
        self._ram = None                    # the RAM region they describe
        self._code_map = None               # its bitmap of pages holding translated code
        s.refill_ptr = ctypes.addressof(self._refill)
        self.flush_jump_cache()
        self.flush_tlb()
        entry.register(self.sptr, self)
        s.jc_ptr = ctypes.addressof(self.jc)
        self.dispatch = DISPATCH_CFUNC(dispatch_addr)
        self.translations: dict[tuple, Translation] = {}
        self._index_nth: dict[tuple, int] = {}          # (pc, ctx) -> modules linked from its recipes (several)
        self.code_pages: dict[int, set] = {}          # physical page -> numbers of the modules with code from it
        self.modules: dict[int, EngineModule] = {}    # module number -> module
        self.hot_pending: dict[int, tuple] = {}       # module number -> (future, module key, start time)
        self.hot_threshold = cfg.tier_up
        self._nmod = 0
        self._held: collections.Counter = collections.Counter()   # linked modules this engine holds
        self._dead: list = []                         # linked modules to give back at the next safe point
        self._finalizer = weakref.finalize(self, _release_all, L, self._held)
        self.exc: GuestException | None = None
        self.internal_error: BaseException | None = None
        self.va_pages: dict[int, set] = {}            # virtual page (translation on) -> module numbers
        # Bumped by TLB maintenance that is not by VA: translations made with
        # translation on are then checked again (their virtual pages still map
        # to the physical pages their code came from, executable) before they
        # next run from the dispatcher, instead of being dropped (QEMU keeps
        # its TBs too: it finds them again by physical address).
        self.map_gen = 0
        self._tail = None                             # the interpreter, for budget ends (_tail_engine)
        self._tlb_key = self._tlb_context()
        self._tables = cpu.mmu.tables_gen
        # Modules of EL1/EL2 code made from non-global pages, and the ASID they
        # were made under: the ASID is not in their context (kernel code is
        # shared by every address space), so they are dropped when it changes.
        self._asid_bound: set[int] = set()
        self._bound_asid = None
        # Modules of code from non-global pages (EL0 code; EL1 code of _asid_bound):
        # TLBI by ASID checks them again before they next run, and only them.
        self._ng_modules: set[int] = set()
        self._fetch_pa: dict[int, int] = {}           # during a translation: VA page -> PA page fetched from
        # The code map (runtime/abi.py "the TLBI log"): a bit per virtual page hash, set for
        # every virtual page of va_pages; generated code's TLBI by VA of such a page calls the runtime.
        self._code_vmap = (ctypes.c_uint8 * (1 << (CODE_VMAP_BITS - 3)))()
        s.code_vmap_ptr = ctypes.addressof(self._code_vmap)
        cpu.mem.write_observers.append(self._on_write)
        cpu.tlbi_observers.append(self._on_tlbi)
        cpu.tlbi_log_observers.append(self._on_tlbi_logged)

    def close(self) -> None:
        """Stop observing the CPU and give back all linked code (the engine
        must not run again)."""
        cpu = self.cpu
        for lst, fn in ((cpu.mem.write_observers, self._on_write), (cpu.tlbi_observers, self._on_tlbi),
                        (cpu.tlbi_log_observers, self._on_tlbi_logged)):
            if fn in lst:
                lst.remove(fn)
        if cpu.state.code_vmap_ptr == ctypes.addressof(self._code_vmap):
            cpu.state.code_vmap_ptr = ctypes.addressof(_ALL_CODE)     # (this map goes with the engine)
        if cpu.state.refill_ptr == ctypes.addressof(self._refill):
            cpu.state.refill_ptr = 0                                  # (every access to the runtime)
        if self.index is not None:
            self._record_finished_hot()
        self.translations.clear()
        self.modules.clear()
        self.code_pages.clear()
        self.va_pages.clear()
        self._dead.clear()
        self.flush_jump_cache()
        if self.index is not None:
            self.index.close()
        self._finalizer()

    # -- caches -----------------------------------------------------------------
    def flush_jump_cache(self):
        ctypes.memset(self.jc, 0xFF, ctypes.sizeof(self.jc))    # pc tag JC_EMPTY: odd, never a PC

    def flush_tlb(self):
        """Empty the soft TLB, and forget the ones kept for other ELs."""
        ctypes.memset(self.tlb, 0xFF, ctypes.sizeof(self.tlb))  # TLB_EMPTY tags: never equal to a probe key
        self._ngslots = set()
        self._forget_saved_tlbs()
        self._refill.valid = 0

    def _forget_saved_tlbs(self):
        for buf, _ in self._tlb_saved.values():
            self._tlb_spare.append(buf)
        self._tlb_saved.clear()

    def _switch_tlb(self, old, key):
        """The soft TLB's context changed from ``old`` to ``key``.  Between
        ELs of one MMU generation (a system call, an interrupt, its return)
        the TLB of the EL left is kept and the one of the EL entered, if
        kept, comes back: the kernel's and the process's entries survive
        each other's runs.  A new generation empties them all."""
        saved, tlb, size = self._tlb_saved, self.tlb, ctypes.sizeof(self.tlb)
        if old is not None and key is not None and old[1] == key[1]:
            for k in [k for k in saved if k[1] != key[1]]:
                self._tlb_spare.append(saved.pop(k)[0])
            buf = self._tlb_spare.pop() if self._tlb_spare else (ctypes.c_uint64 * len(tlb))()
            ctypes.memmove(buf, tlb, size)
            saved[old] = (buf, self._ngslots)
        else:
            self._forget_saved_tlbs()
        got = saved.pop(key, None)
        if got is not None:
            ctypes.memmove(tlb, got[0], size)
            self._ngslots = got[1]
            self._tlb_spare.append(got[0])
        else:
            ctypes.memset(tlb, 0xFF, size)
            self._ngslots = set()

    def _tlb_context(self):
        """What the soft TLB's entries are valid for: None with translation
        off (flat: valid at every EL), else the EL whose permissions filled
        it and the MMU's generation (bumped by TLBI and by writes to the
        translation registers)."""
        cpu = self.cpu
        el = cpu.state.el
        mmu = cpu.mmu
        return (el, mmu.generation) if mmu.enabled(el) else None

    def _check_tlb_context(self):
        if self.state.tlbi_n:
            self.cpu.drain_tlbi_log()           # (before a kept TLB comes back: _on_tlbi_logged)
        key = self._tlb_context()
        tables = self.cpu.mmu.tables_gen
        if tables != self._tables:
            # New translation tables or ASID (a context switch): the entries of
            # global pages (the kernel's) stay valid, the others go, here and in
            # the other ELs' TLBs.
            self._tables = tables
            self._refill.valid = 0
            tlb = self.tlb
            for slots, buf in [(self._ngslots, tlb)] + [(ng, b) for b, ng in self._tlb_saved.values()]:
                for i in slots:
                    buf[i + _TLB_READ] = buf[i + _TLB_WRITE] = TLB_EMPTY
                slots.clear()
            self._drop_asid_bound(self.cpu.mmu.asid())      # (before any code runs in the new context)
        if key != self._tlb_key:
            old, self._tlb_key = self._tlb_key, key
            self._refill.valid = 0
            self._switch_tlb(old, key)

    def _fill_tlb(self, va: int, write: bool):
        """After a successful slow-path access: map its page for the inline
        fast path when it is RAM (Normal memory, and with the permission of
        the access at the current EL).  Pages holding translated code are
        never mapped for writing, so guest stores to them come through the
        slow path and invalidate (self-modifying code)."""
        self._check_tlb_context()
        cpu = self.cpu
        if cpu.watch_pages and va & PAGE_MASK in cpu.watch_pages:
            return                               # a debugger watches it: every access comes here
        if self._tlb_key is None:
            self._fill_slot(va, write, va, None)
        else:
            try:
                pa, e = cpu.mmu.translate(va, WRITE if write else READ, cpu.state.el)
            except MmuFault:
                return
            self._fill_slot(va, write, pa, e)

    def _fill_slot(self, va: int, write: bool, pa: int, e):
        """``_fill_tlb`` once the access is translated: ``pa`` and the MMU's
        entry ``e`` (None with translation off) of ``va`` at the current EL,
        with the soft TLB's context checked."""
        cpu = self.cpu
        if not self._refill.valid:
            stamp = (self._tlb_key, self._tables, bool(cpu.watchpoints or cpu.watch_pages), cpu.tracer is None)
            if stamp != self._refill_for:
                self._publish_refill(stamp)
        page = va & PAGE_MASK
        is_global = True
        if e is not None:
            if e.device:
                return                           # Device memory: unaligned accesses must fault
            is_global = e.is_global
        pa_page = pa & PAGE_MASK
        try:
            r = cpu.mem.region_of(pa_page, 1 << PAGE_BITS)
        except Exception:
            return
        if type(r) is not RamRegion:
            return
        i = tlb_index(va) * _TLB_W
        tlb = self.tlb
        addend = (r.host_addr + (pa_page - r.base) - page) & M64
        if tlb[i + _TLB_ADDEND] != addend or tlb[i + _TLB_READ] != page:
            tlb[i + _TLB_READ] = tlb[i + _TLB_WRITE] = TLB_EMPTY
        tlb[i + _TLB_ADDEND] = addend
        if not is_global:
            self._ngslots.add(i)
        if not write:
            tlb[i + _TLB_READ] = page
            # A page that may be written is mapped for writes too: the first
            # store to it then needs no trip of its own through here.
            write = e is None or cpu.mmu.allows(e, WRITE, cpu.state.el)
        elif e is None or cpu.mmu.allows(e, READ, cpu.state.el):
            tlb[i + _TLB_READ] = page            # (and a page written is read too: 6,000 trips in a Linux boot)
        if write and pa_page not in self.code_pages:
            tlb[i + _TLB_WRITE] = page
        self.stats.tlb_fills += 1

    def _publish_refill(self, stamp):
        """Publish the native refill's parameters for the soft TLB's current
        context ``stamp`` (its context, the tables' generation, watching, no tracer)
        (runtime/abi.py "the native refill"), or leave it off where the front
        may not walk: translation off, EL0 (non-global pages), stage 2, a
        debugger's watchpoints.  Anything that changes the context clears
        ``valid``; the next slow access publishes again."""
        r = self._refill
        r.valid = 0
        self._refill_for = stamp
        cpu = self.cpu
        if self._tlb_key is None or stamp[2]:
            return
        el = cpu.state.el
        p = cpu.mmu.refill_params(el) if el else None
        ram = self._ram_region()
        if p is None or ram is None:
            return
        split, mair, ranges = p
        r.el, r.split, r.mair, r.zva = el, int(split), mair, int(stamp[3])
        r.ram_base, r.ram_size, r.ram_host = ram.base, ram.size, ram.host_addr
        for dst, src in zip(r.ranges, ranges):
            dst.ok = src is not None
            if src is not None:
                (dst.inputsize, dst.range_mask, dst.want, dst.outbits, dst.start, dst.first_bits,
                 dst.base) = src
        r.valid = 1

    def _ram_region(self):
        """The largest RAM region (the guest's RAM), with its code-page map
        (made again, from code_pages, when the region is new)."""
        rams = [r for r in self.cpu.mem.regions if type(r) is RamRegion]
        ram = max(rams, key=lambda r: r.size, default=None)
        if ram is not self._ram:
            self._ram = ram
            self._code_map = None
            if ram is not None:
                self._code_map = (ctypes.c_uint8 * ((ram.size >> PAGE_BITS) + 7 >> 3))()
                self._refill.code_map = ctypes.addressof(self._code_map)
                for page in self.code_pages:
                    self._mark_code(page, True)
        return ram

    def _mark_code(self, page: int, on: bool):
        """Keep the native refill's code-page map (pages of its RAM region)."""
        ram = self._ram
        if ram is not None and ram.base <= page < ram.end:
            k = (page - ram.base) >> PAGE_BITS
            if on:
                self._code_map[k >> 3] |= 1 << (k & 7)
            else:
                self._code_map[k >> 3] &= ~(1 << (k & 7)) & 0xFF

    def _access(self, va: int, size: int, write: bool, value: int):
        """The common slow-path access in one pass: an aligned access, no
        watchpoint, that translates and reaches memory; the soft TLB filled
        from the same translation.  Returns the value read (0 for a write),
        or None, having done nothing the guest can see, when the access is
        not that case (a fault, an unaligned access, a watchpoint, memory
        nothing backs): then the caller does it the architectural way
        (``Cpu.read``/``Cpu.write``, then ``_fill_tlb``)."""
        cpu = self.cpu
        if va & (size - 1) or cpu.watchpoints:
            return None
        self._check_tlb_context()
        if self._tlb_key is None:
            if va >> PA_BITS:
                return None
            pa, e = va, None
        else:
            try:
                pa, e = cpu.mmu.translate(va, WRITE if write else READ, cpu.state.el)
            except MmuFault:
                return None
        try:
            if write:
                cpu.mem.write(pa, size, value)
                v = 0
            else:
                v = cpu.mem.read(pa, size)
        except Unmapped:
            return None                          # (raised before any byte or device is touched)
        if not cpu.watch_pages:                  # (kept apart from watchpoints: interp.py empties those alone)
            self._fill_slot(va, write, pa, e)
        return v

    def _unmap_page_for_writes(self, pa_page):
        """No TLB entry may let stores reach the physical page ``pa_page``."""
        try:
            r = self.cpu.mem.region_of(pa_page, 1 << PAGE_BITS)
        except Exception:
            return
        self._unmap_writes(ctypes.addressof(self.tlb), r.host_addr + (pa_page - r.base))   # (every entry)
        self._forget_saved_tlbs()                         # (the other ELs' TLBs: refilled if needed)

    # -- linked code ------------------------------------------------------------------
    def _acquire(self, linked):
        self.llvm.acquire(linked)
        self._held[linked] += 1
        return linked

    def _drop_later(self, linked):
        """Give ``linked`` back at the next safe point (native code may be inside it now)."""
        self._dead.append(linked)

    def _release_dead(self):
        """At a safe point: give back the code of dropped modules."""
        dead, self._dead = self._dead, []
        for m in dead:
            self._held[m] -= 1
            if not self._held[m]:
                del self._held[m]
            self.llvm.release(m)

    @property
    def modules_made(self) -> int:
        """Modules registered since the engine started (translated, from the
        index, tier-ups): how much long-lived state it has made."""
        return self._nmod

    def held_modules(self) -> int:
        """Linked modules this engine holds (live, or dropped and not yet given back)."""
        return sum(self._held.values())

    # -- invalidation -------------------------------------------------------------
    def invalidate_page(self, page: int):
        """Drop the modules holding code from a page (whole: their blocks may
        chain to each other directly)."""
        mods = self.code_pages.pop(page, None)
        if mods is not None:
            self._mark_code(page, False)
        if not mods:
            return
        tr = self.cpu.tracer
        if tr is not None:
            st = self.state
            tr.event("invalidate", st.icount, st.pc, st.el, page, len(mods))
        self._drop_modules(mods)

    def _drop_modules(self, modules):
        dropped = False
        for m in modules:
            rec = self.modules.pop(m, None)
            if rec is None:
                continue
            dropped = True
            self._asid_bound.discard(m)
            self._ng_modules.discard(m)
            for k in rec.keys:
                t = self.translations.get(k)
                if t is not None and _module_of(t) == m:
                    del self.translations[k]
            for table, pages in ((self.code_pages, rec.phys), (self.va_pages, rec.pages)):
                for page in pages:
                    mods = table.get(page)
                    if mods is not None:
                        mods.discard(m)
                        if not mods:             # (a page no code comes from may be written inline again)
                            del table[page]
                            if table is self.code_pages:
                                self._mark_code(page, False)
            self._drop_later(rec.linked)
            self.stats.modules_dropped += 1
            jc, addr = self.jc, rec.linked.addr
            for i in rec.slots:                  # its jump-cache entries only (not the whole cache)
                if jc[i + 2] == addr:
                    jc[i] = abi.JC_EMPTY
        if dropped:
            # A chain of blocks running now may tail-call dropped code: make it
            # return to the dispatcher at its next block boundary.
            request_exit(self.state, PENDING_INVALIDATED)

    def invalidate_all(self):
        self._drop_modules(list(self.modules))
        self.translations.clear()
        for page in self.code_pages:
            self._mark_code(page, False)
        self.code_pages.clear()
        self.va_pages.clear()
        self.flush_jump_cache()
        request_exit(self.state, PENDING_INVALIDATED)

    def _on_write(self, addr, size):
        if not self.code_pages:
            return
        first, last = addr & PAGE_MASK, (addr + size - 1) & PAGE_MASK
        for page in {first, last}:
            if page in self.code_pages:
                self.invalidate_page(page)

    def _on_tlbi(self, op, value):
        """TLB maintenance: the soft TLB is refilled (the MMU's generation
        changed), and translations made through mappings that may have
        changed are dropped: by VA, those on that virtual page; otherwise all
        that were made with translation on."""
        _, page = tlbi_target(op, value)
        if op in ASID_OPS:
            # By ASID: the MMU kept global entries (tables_gen, not its generation):
            # the soft TLB drops its non-global entries (as at a context switch),
            # and only modules of code from non-global pages are checked again.
            self._check_tlb_context()
            self._recheck_non_global()
            return
        el, gen = self.state.el, self.cpu.mmu.generation
        if page is not None and self._tlb_key == ((el, gen - 1) if self.cpu.mmu.enabled(el) else None):
            # By VA, and nothing else changed since the soft TLB was last valid:
            # only that page's entry goes (if its slot holds it), not the whole TLB.
            i = tlb_index(page) * _TLB_W
            _drop_page(self.tlb, i, page)
            if self._tlb_key is not None:
                self._tlb_key = (el, gen)
                self._refill.valid = 0
            saved = self._tlb_saved                   # the other ELs' TLBs: the same, if of this generation
            for k in list(saved):
                buf, ng = saved.pop(k)
                if k[1] == gen - 1:
                    _drop_page(buf, i, page)
                    saved[(k[0], gen)] = (buf, ng)
                else:
                    self._tlb_spare.append(buf)
        else:
            self._check_tlb_context()
        if page is not None:
            mods = self.va_pages.pop(page, None)
            if mods:
                self._drop_modules(set(mods))
        else:
            self.map_gen += 1                        # checked again before they run (_lookup)
            self.flush_jump_cache()
            request_exit(self.state, PENDING_INVALIDATED)

    def _on_tlbi_logged(self, page):
        """A TLBI by VA generated code did (runtime/abi.py "the TLBI log"): it
        emptied the page's entry in the soft TLB; here in the ones kept for
        other ELs.  (No translation came from the page: not on the code map.)"""
        self.stats.tlbi_inline += 1
        if self._tlb_saved:
            i = tlb_index(page) * _TLB_W
            for buf, _ in self._tlb_saved.values():
                _drop_page(buf, i, page)

    def _recheck_non_global(self):
        """The modules of code from non-global pages leave the jump cache and
        are checked again (``_lookup``) before they next run."""
        if not self._ng_modules:
            return
        jc = self.jc
        for num in self._ng_modules:
            rec = self.modules[num]
            rec.map_gen = -1                         # (never a mapping generation)
            addr = rec.linked.addr
            for i in rec.slots:
                if jc[i + 2] == addr:
                    jc[i] = abi.JC_EMPTY
            rec.slots.clear()
        request_exit(self.state, PENDING_INVALIDATED)   # (a chain running now may be in one)

    # -- the runtime entry (native code -> Python) --------------------------------
    def profile_helpers(self) -> None:
        """Count and time every runtime entry by kind (``stats.helpers``): a
        few hundred nanoseconds more per entry, so only when asked
        (``a64jit boot --profile``)."""
        if self.stats.helpers is not None:
            return
        table = self.stats.helpers = {}
        untimed = self.helper

        def timed(sptr, info, a, b, c, pc):
            t0 = perf_counter()
            try:
                return untimed(sptr, info, a, b, c, pc)
            finally:
                kind, arg = unpack_info(info)[:2]
                key = HELPER_FNS[arg].__name__ if kind == HELPER_CALL else _KIND_NAMES.get(kind, str(kind))
                e = table.get(key)
                if e is None:
                    e = table[key] = [0, 0.0]
                e[0] += 1
                e[1] += perf_counter() - t0
        self.helper = timed

    def helper(self, sptr, info, a, b, c, pc):
        """Runtime entry from generated code (see ``LlvmEmitter._call_helper``).
        Returns the address of the helper_ret words (where a slow-path load
        finds its value), or 0 when the instruction at ``pc`` raised an
        exception (then PC and the count are set so that the block can
        simply return EXIT_EXCEPTION)."""
        s = self.state
        if info & 0xFF == HELPER_FP:                  # pure: no exception, no other state
            r, flags = FP_FNS[unpack_fp_id(info)](s.fpcr, a, b, c)
            s.helper_ret = r
            if flags:
                s.fpsr |= flags
            self.stats.fp_slow += 1
            return self.helper_ret_addr
        cpu = self.cpu
        kind, arg, acc, isv, index = unpack_info(info)
        if kind == HELPER_TRACE:                      # at a block's entry or after its state is stored
            tr = cpu.tracer
            if arg == TRACE_FULL:
                tr.buffer_full()
            else:
                tr.retired(cpu, pc, a, b)
            return self.helper_ret_addr
        try:
            if kind == HELPER_CALL:
                self.stats.calls[arg] += 1
                r = HELPER_FNS[arg](cpu, *(a, b, c)[:HELPER_ARITY[arg]])
                s.helper_ret = (r or 0) & M64
                if arg == _SYS_ID and a == _DC_ZVA_KEY:
                    self._fill_tlb(b, True)          # the next DC ZVA on this page is inline code
                keep = HELPER_KEEPS_CONTEXT[arg]     # (runtime/helpers.py KEEP_CONTEXT)
                if keep is not None:
                    cpu.async_dirty = True
                    if keep and cpu.pending_interrupt() is not None:
                        request_exit(s, PENDING_IRQ)
                    return self.helper_ret_addr
                s.ctx = cpu.compute_ctx()
                if cpu.halted:
                    request_exit(s, PENDING_HALT)
                cpu.async_dirty = True
                if cpu.pending_interrupt() is not None or s.il:   # an interrupt to take, or an illegal return
                    request_exit(s, PENDING_IRQ)
                self._check_tlb_context()            # an MSR, ERET, TLBI... may have changed it
                return self.helper_ret_addr
            size = arg
            self.stats.slow_accesses += 1
            # During the access the count is exact (as in the interpreter): a
            # device may read the time, the console tap the count; a fault
            # keeps it (the instruction at pc did not retire).
            s.icount += index
            if kind == HELPER_MEM_READ:
                v = self._access(a, size, False, 0) if not acc & ACC_UNPRIV else None
                if v is None:                        # (not the common case: the architectural path)
                    v = cpu.read(a, size, acc, unpack_isv(isv))
                    self._fill_tlb(a, False)
                if size == 16:                       # 128 bits: both helper_ret words
                    s.helper_ret, s.helper_ret2 = v & M64, v >> 64
                else:
                    s.helper_ret = v
            elif kind == HELPER_MEM_WRITE:
                value = b | c << 64 if size == 16 else b
                if acc & ACC_UNPRIV or self._access(a, size, True, value) is None:
                    cpu.write(a, size, value, acc, unpack_isv(isv))
                    self._fill_tlb(a, True)
            elif kind == HELPER_MEM_READ_PAIR:
                # Element by element, each the one-pass way when it can be (an
                # element that cannot: the architectural path, from that element on).
                fast = not acc & ACC_UNPRIV
                v1 = self._access(a, size, False, 0) if fast else None
                if v1 is None:
                    fast = False
                    v1 = cpu.read(a, size, acc)
                a2 = (a + size) & M64
                v2 = self._access(a2, size, False, 0) if fast else None
                if v2 is None:
                    v2 = cpu.read(a2, size, acc)
                if size == 8:
                    s.helper_ret, s.helper_ret2 = v1, v2
                else:
                    s.helper_ret = v1 | v2 << 8 * size
                if not fast:
                    self._fill_tlb(a, False)
            elif kind == HELPER_MEM_WRITE_PAIR:
                fast = not acc & ACC_UNPRIV and self._access(a, size, True, b) is not None
                if not fast:
                    cpu.write(a, size, b, acc)
                a2 = (a + size) & M64
                if not fast or self._access(a2, size, True, c) is None:
                    cpu.write(a2, size, c, acc)
                if not fast:
                    self._fill_tlb(a, True)
            else:
                raise RuntimeError(f"unknown helper kind {kind}")
            s.icount -= index
            if cpu.async_dirty and cpu.pending_interrupt() is not None:
                request_exit(s, PENDING_IRQ)         # a device access raised an interrupt line
            return self.helper_ret_addr
        except (GuestException, WatchHit) as exc:    # (a watchpoint: the debugger's, like a fault)
            self.exc = exc
            s.pc = pc                       # the count: exact for helpers (index 0) and for accesses
            return 0
        except BaseException as exc:          # an a64jit bug: stop, report outside native code
            self.internal_error = exc
            self.exc = None
            request_exit(s, PENDING_HALT)
            s.pc = pc
            return 0

    # -- translation ------------------------------------------------------------------
    def _fetch(self, addr):
        """The instruction word at virtual ``addr`` for translation, or None
        (outside the code range, misaligned, not translatable, not RAM: the
        block ends before it; executing it raises the fault precisely)."""
        if self.code_range is not None and not (self.code_range[0] <= addr < self.code_range[1] - 3):
            return None
        if addr & 3 or addr in self.breakpoints:     # (a breakpoint: the block ends before it)
            return None
        cpu = self.cpu
        vpage = addr & PAGE_MASK
        pa_page = self._fetch_pa.get(vpage)
        if pa_page is None:
            try:
                pa_page = cpu.fetch_pa(vpage | addr & 0xFFF) & PAGE_MASK
            except GuestException:
                return None
            self._fetch_pa[vpage] = pa_page
        code = self._code_at(pa_page | addr & 0xFFF, 4)
        return None if code is None else int.from_bytes(code, "little")

    def _code_at(self, pa: int, size: int):
        """``size`` bytes of code at physical ``pa``, or None when that is not
        RAM (code runs from RAM only: no device reads for translation)."""
        try:
            r = self.cpu.mem.region_of(pa, size)
        except Exception:
            return None
        if type(r) is not RamRegion:
            return None
        off = pa - r.base
        return r.buf[off:off + size]

    def _page_view(self, pa_page: int):
        """The RAM page at ``pa_page`` as a memoryview (no copy), or None."""
        try:
            r = self.cpu.mem.region_of(pa_page, 1 << PAGE_BITS)
        except Exception:
            return None
        if type(r) is not RamRegion:
            return None
        off = pa_page - r.base
        return memoryview(r.buf)[off:off + (1 << PAGE_BITS)]

    def _indexable(self) -> bool:
        """Recipes are used and recorded only for runs whose lifting depends
        on nothing but the bytes and the context (no breakpoints, no code range)."""
        return self.index is not None and not self.breakpoints and self.code_range is None

    def translate(self, pc: int, ctx: int, limit: int = MAX_BLOCK_INSNS) -> Translation | None:
        """Translate the block at (pc, ctx) and, in the same LLVM module, the
        blocks statically reachable from it (up to BATCH_BLOCKS): from the
        translation index when it knows these bytes, else lifted and compiled
        (or found in the code cache by the lifted text)."""
        indexable = limit == MAX_BLOCK_INSNS and self._indexable()
        if indexable:
            t = self._from_index(pc, ctx)
            if t is not None:
                return t
        t0 = time.perf_counter()
        self._fetch_pa = {}
        first = lift_block(self._fetch, pc, ctx, limit)
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
                b = lift_block(self._fetch, nxt, ctx, MAX_BLOCK_INSNS, base)
                if b is not None:
                    base = b.next_base
                    batch.append(b)
                    # also the code right after the block: return points of
                    # calls (BL/BLR) and not-taken paths are likely next.
                    todo.extend(b.successors + [b.end_pc])
        self.stats.blocks_lifted += len(batch)
        tr = self.cpu.tracer
        if tr is not None:
            st = self.state
            tr.event("translate", st.icount, pc, st.el, len(batch), sum(b.ninsns for b in batch))
        t1 = time.perf_counter()
        self.stats.lift_seconds += t1 - t0
        linked = self._compile(batch, keep=indexable)
        self.stats.compile_seconds += time.perf_counter() - t1
        blocks = [(b.pc, b.ninsns) for b in batch]
        counted = limit == MAX_BLOCK_INSNS and self.hot_threshold
        recipe = None
        if indexable or counted:                 # (the hash only when a recipe is kept)
            chash = code_hash(words_bytes(b.words) for b in batch)
            if indexable:
                self.index.add_module(pc, ctx, linked.key, chash, blocks)
            if counted:
                recipe = Recipe.of(linked.key, chash, blocks)
        return self._add_module(linked, blocks, ctx, limit, self._fetch_pa, recipe, indexable)

    def _add_module(self, linked, blocks, ctx, limit, pages, recipe=None, indexed=False):
        """Register a linked module's blocks [(pc, instructions)] as translations
        (the first under ``limit``); ``pages``: virtual page -> physical page
        their code came from.  Returns the first block's translation."""
        result = None
        self._nmod += 1
        num = self._nmod
        keys = []
        rec = self.modules[num] = EngineModule(keys, linked, self.map_gen, recipe, indexed, blocks)
        # (One pass per block, with the lookups hoisted: a warm Linux boot
        # registers some 300,000 blocks this way.)
        translations, slots, addr, vmap = self.translations, rec.slots, linked.addr, self._code_vmap
        translated = ctx & _CTX_TRANSLATED
        last = None
        fill_pcs, fill_idx = [], []
        for k, (bpc, n) in enumerate(blocks):
            key = (bpc, ctx, limit if k == 0 else MAX_BLOCK_INSNS)
            old = translations.get(key)
            if k == 0 or old is None:
                # (A block translated already keeps its translation: a recipe's batch
                # may hold it; this module's copy is reached by its own chains only.)
                if old is not None:                   # superseded: its module-mates may chain to it
                    self._drop_modules({_module_of(old)})
                if k == 0:
                    result = translations[key] = Translation(addr, k, bpc, bpc + 4 * n, n, ctx, num)
                else:                                 # (made when first looked up: _lookup)
                    translations[key] = num << _IDX_BITS | k
                keys.append(key)
                if key[2] == MAX_BLOCK_INSNS:
                    fill_pcs.append(bpc)
                    fill_idx.append(k)
            vpage = bpc & PAGE_MASK                   # a block never crosses a page
            if vpage == last:
                continue                              # (its page is registered)
            last = vpage
            page = pages[vpage]
            mods = self.code_pages.get(page)
            if mods is None:
                mods = self.code_pages[page] = set()
                self._mark_code(page, True)
                self._unmap_page_for_writes(page)
            mods.add(num)
            rec.phys.add(page)
            if translated:
                self.va_pages.setdefault(vpage, set()).add(num)
                rec.pages[vpage] = page
                b = code_vmap_index(vpage)
                vmap[b >> 3] |= 1 << (b & 7)
        n = len(fill_pcs)
        if n:
            # In the jump cache now (as _install, in native code: _jc_put's rule): the first
            # run of each of the module's blocks then needs no trip back here (a warm Linux
            # boot: 285K such trips).
            pcs, idxs = array.array("Q", fill_pcs), array.array("Q", fill_idx)    # (alive through the call)
            out = array.array("Q", bytes(8 * n))
            self._jc_fill(self._jc_addr, pcs.buffer_info()[0], idxs.buffer_info()[0], n, ctx, addr,
                          out.buffer_info()[0])
            slots.update(out)
        if translated and ctx & 3 == 0:
            self._ng_modules.add(num)                 # (user code: non-global, its ASID in ctx)
        elif translated and ctx & 3 == 1 and not self._global_pages(rec.pages):
            asid = self.cpu.mmu.asid()
            self._drop_asid_bound(asid)
            self._asid_bound.add(num)
            self._bound_asid = asid
            self._ng_modules.add(num)
        return result

    def _drop_asid_bound(self, asid: int) -> None:
        """Drop the modules of EL1 code from non-global pages if they were
        made under another ASID than ``asid``."""
        if self._asid_bound and asid != self._bound_asid:
            self._drop_modules(set(self._asid_bound))

    def _global_pages(self, pages) -> bool:
        """Whether every virtual page of ``pages`` maps through a global
        descriptor (or stage 1 is off) at the current EL."""
        cpu = self.cpu
        for vpage in pages:
            try:
                e = cpu.mmu.translate(vpage, FETCH, cpu.state.el)[1]
            except MmuFault:
                return False
            if e is not None and not e.is_global:
                return False
        return True

    def _recipe_pages(self, blocks, chash):
        """The virtual -> physical pages of a recipe's blocks if their bytes,
        fetched as lifting fetches them, still hash to ``chash``; else None.
        (A block never crosses a page: one translation and one region lookup
        per page, the bytes hashed where they are.)"""
        cpu = self.cpu
        pages = {}
        views = {}
        h = code_hasher()
        for bpc, n in blocks:
            vpage = bpc & PAGE_MASK
            view = views.get(vpage)
            if view is None:
                try:
                    pa_page = pages[vpage] = cpu.fetch_pa(bpc) & PAGE_MASK
                except GuestException:
                    return None
                view = views[vpage] = self._page_view(pa_page)
                if view is None:
                    return None
            off = bpc & ~PAGE_MASK
            h.update(view[off:off + 4 * n])
        return pages if h.digest() == chash else None

    def _linked_from_cache(self, key):
        """The linked module for an object key, from this process, the index's
        object pack or the disk cache (then kept in the pack), or None."""
        L = self.llvm
        linked = L.lookup(key)
        if linked is None:
            pack = self.index.objects if self.index is not None else None
            obj = pack.get(key) if pack is not None else None
            if obj is not None:
                self.stats.pack_reads += 1
            else:
                obj = L.cached_code(key, self.cache, self.stats)
                if obj is None:
                    return None
                if pack is not None and is_image(obj):
                    pack.put(key, obj)
            self.stats.cache_hits += 1
            linked = L.link(key, obj, MODULE_FN)
        return self._acquire(linked)

    def _from_index(self, pc, ctx):
        t0 = time.perf_counter()
        try:
            found = self.index.find(pc, ctx)
            nth = 0
            if len(found) > 1:
                # Recipes made at (pc, ctx) one after another (its module dropped,
                # lifted again with another batch around it): tried in the order
                # they were made, from the one made at the miss that many misses
                # ago, so that a run like the recorded one links the modules it
                # made at each point (the newest alone leaves out blocks that an
                # older batch held, which were then lifted again).
                nth = self._index_nth.get((pc, ctx), 0)
                oldest = found[::-1]
                k = nth % len(oldest)
                found = oldest[k:] + oldest[:k]
            for r in found:
                blocks = r.blocks
                pages = self._recipe_pages(blocks, r.hash)
                if pages is None:
                    self.stats.index_rejected += 1
                    continue
                linked = self._linked_from_cache(r.object_key)
                if linked is None:                    # evicted from the code cache: lift again
                    continue
                if len(found) > 1:
                    self._index_nth[(pc, ctx)] = nth + 1
                st = self.stats
                st.index_modules += 1
                st.index_blocks += len(blocks)
                tr = self.cpu.tracer
                if tr is not None:
                    s = self.state
                    tr.event("translate", s.icount, pc, s.el, len(blocks), sum(n for _, n in blocks))
                return self._add_module(linked, blocks, ctx, MAX_BLOCK_INSNS, pages,
                                        r if self.hot_threshold else None, True)
            return None
        finally:
            self.stats.index_seconds += time.perf_counter() - t0

    def _relift(self, recipe, ctx, entries=0):
        """Lift a recipe's batch again for the hot tier, or None if its bytes
        changed.  A batch that loops (``_closed_loop``) and whose tier-0 count
        was mostly loop iterations (``entries``: how many of the count were
        module entries) is lifted with its registers, PC and count in SSA
        across its blocks (``lift_block(hot=True)``): loaded at each entry,
        stored at each exit and around runtime calls, so that LLVM keeps them
        in host registers through the loop (A64JIT_HOT_REGS: 1, the default;
        2: every batch, for the tests; 0: none).  Code that enters and leaves
        a module often (calls, returns, short loops in small functions) would
        pay those loads and stores at every entry and exit: measured, that
        loses on the guest benchmarks' hash table and bytecode interpreter
        (docs/performance.md), hence the entry count."""
        batch = self._lift_recipe(recipe, ctx, False)
        if batch is None:
            return None
        regs = self.config.hot_regs
        looping = entries * (1 + LOOPS_PER_ENTRY) <= self.hot_threshold
        if regs >= 2 or regs == 1 and looping and _closed_loop(batch):
            ssa = self._lift_recipe(recipe, ctx, True)
            if ssa is not None:
                self.stats.hot_ssa += 1
                batch = ssa
        return batch

    def _lift_recipe(self, recipe, ctx, hot):
        self._fetch_pa = {}
        base, batch = 0, []
        for bpc, n in recipe.blocks:
            b = lift_block(self._fetch, bpc, ctx, MAX_BLOCK_INSNS, base, hot=hot)
            if b is None or b.ninsns != n:
                return None
            base = b.next_base
            batch.append(b)
        if code_hash(words_bytes(b.words) for b in batch) != recipe.hash:
            return None
        self.stats.blocks_lifted += len(batch)
        return batch

    def _compile(self, batch, opt: int | None = None, keep: bool = False):
        """The linked module for a batch (from this process, the disk cache
        or LLVM), held by this engine; ``keep``: its code image goes to the
        index's object pack too (a module the index records)."""
        L = self.llvm
        level = self.config.opt if opt is None else opt
        hot = level != self.config.opt
        # Cut blocks (run once, to end a budget exactly) do not count towards the hot tier.
        counted = not hot and batch[0].limit == MAX_BLOCK_INSNS
        text = module_text(batch, L.triple, L.layout, self.hot_threshold if counted else 0)
        key = L.key(text, level)
        linked = L.lookup(key)
        if linked is None:
            compiles = self.stats.llvm_compiles
            obj = L.object_code(text, level, self.cache, self.stats, key=key, verify=self.config.verify_ir)
            if self.stats.llvm_compiles != compiles and not hot:
                self.stats.blocks_compiled += len(batch)
                self.stats.guest_insns_compiled += sum(b.ninsns for b in batch)
            linked = L.link(key, obj, MODULE_FN)
            if keep and self.index is not None and is_image(obj):
                self.index.objects.put(key, obj)
        return self._acquire(linked)

    # -- the hot tier -------------------------------------------------------------------
    def tier_up(self, pc: int, ctx: int, entries: int = 0) -> None:
        """The block at (pc, ctx) became hot (its module was ``entries`` times
        of its count entered, the rest loop iterations): recompile its whole
        module (its blocks chain to each other) at the hot tier, on the background
        thread; tier-0 code keeps running meanwhile, and the new code is
        swapped in (``_finish_hot``) at a return to Python, which the
        finished compile requests through the pending word.
        A64JIT_HOT_SYNC=1 compiles synchronously instead."""
        t = self._lookup(pc, ctx, MAX_BLOCK_INSNS)
        if t is None or t.module in self.hot_pending:
            return
        rec = self.modules.get(t.module)
        if rec is None or rec.recipe is None:
            return
        recipe, rec.recipe = rec.recipe, None
        L = self.llvm
        t0 = time.perf_counter()
        if self.index is not None:               # hot code made by an earlier run
            hot_key = self.index.hot(rec.linked.key)
            linked = self._linked_from_cache(hot_key) if hot_key is not None else None
            if linked is not None:
                self._swap(t.module, linked, t0)
                return
        batch = self._relift(recipe, ctx, entries)
        self.stats.lift_seconds += time.perf_counter() - t0
        if batch is None:                        # its bytes changed: stays at tier 0
            return
        text = module_text(batch, L.triple, L.layout, 0)
        key = L.key(text, HOT_OPT)
        t0 = time.perf_counter()
        if self.config.hot_async and L.lookup(key) is None:
            fut = L.compile_in_background(text, HOT_OPT, self.cache, self.stats, key, self.config.verify_ir)
            state = self.state

            def done(_f):
                request_exit(state, PENDING_HOT)
            fut.add_done_callback(done)
            self.hot_pending[t.module] = (fut, key, t0, rec.linked.key if rec.indexed else None)
        else:
            self._swap(t.module, self._compile(batch, HOT_OPT), t0)

    def _finish_hot(self):
        """Link hot-tier modules whose compilation has finished and switch to them."""
        for m, (fut, key, t0, key0) in list(self.hot_pending.items()):
            if not fut.done():
                continue
            del self.hot_pending[m]
            try:
                obj = fut.result()
            except Exception:                    # keep running tier 0; report in the stats
                self.stats.hot_failed += 1
                continue
            if m in self.modules:                # not invalidated meanwhile
                linked = self.llvm.link(key, obj, MODULE_FN)      # (or the one linked meanwhile)
                self._swap(m, self._acquire(linked), t0)
            elif key0 is not None:               # dropped meanwhile: a later run swaps it in at once
                self.index.add_hot(key0, key)

    def _record_finished_hot(self):
        """At the end of a run: the hot code compiled and not yet swapped in is
        in the index all the same (a later run swaps it in at once rather
        than lifting the batch again)."""
        for fut, key, _, key0 in self.hot_pending.values():
            if key0 is not None and fut.done() and not fut.cancelled() and fut.exception() is None:
                self.index.add_hot(key0, key)
        self.hot_pending.clear()

    def _swap(self, module, linked, t0):
        """Switch a module's blocks to the hot code (same block indices); the
        tier-0 code is given back at the next safe point."""
        rec = self.modules[module]
        for key in rec.keys:
            old = self.translations.get(key)
            if type(old) is Translation and old.module == module:
                old.addr = linked.addr               # (the others are made from rec.linked)
        if rec.indexed:                          # warm runs swap in the same hot code at once
            self.index.add_hot(rec.linked.key, linked.key)
            rec.indexed = False
        jc, old = self.jc, rec.linked.addr
        for i in rec.slots:                      # its jump-cache entries now enter the hot code
            if jc[i + 2] == old:
                jc[i + 2] = linked.addr
        self._drop_later(rec.linked)
        rec.linked = linked
        self.stats.hot_recompiles += 1
        self.stats.hot_seconds += time.perf_counter() - t0

    # -- running ---------------------------------------------------------------------------
    def _lookup(self, pc: int, ctx: int, limit: int) -> Translation | None:
        """The translation of (pc, ctx, limit) if there is one still valid:
        after TLB maintenance, a module made with translation on runs again
        only when each of its virtual pages still maps, executable, to the
        physical page its code came from (else it is dropped)."""
        key = (pc, ctx, limit)
        t = self.translations.get(key)
        if type(t) is int:
            rec = self.modules[t >> _IDX_BITS]
            k = t & (1 << _IDX_BITS) - 1
            n = rec.blocks[k][1]
            t = self.translations[key] = Translation(rec.linked.addr, k, pc, pc + 4 * n, n, ctx, t >> _IDX_BITS)
        if t is None or not ctx & _CTX_TRANSLATED:
            return t
        rec = self.modules[t.module]
        if rec.map_gen != self.map_gen:
            cpu = self.cpu
            for vpage, page in rec.pages.items():
                try:
                    ok = cpu.mmu.translate(vpage, FETCH, cpu.state.el)[0] & PAGE_MASK == page
                except MmuFault:
                    ok = False
                if not ok:
                    self._drop_modules({t.module})
                    return None
            rec.map_gen = self.map_gen
        return t

    def _translation(self, pc: int, ctx: int, limit: int) -> Translation | None:
        return self._lookup(pc, ctx, limit) or self.translate(pc, ctx, limit)

    def _install(self, t: Translation):
        i = _jc_put(self.jc, t.pc, t.ctx, t.addr, t.idx)
        rec = self.modules.get(t.module)
        if rec is not None:
            rec.slots.add(i)

    def _exception_from_state(self) -> GuestException:
        exc, self.exc = self.exc, None
        if exc is not None:                      # raised by a runtime helper
            return exc
        s = self.state                           # raised by generated code: syndrome in state
        far_valid, return_offset, target_el = unpack_exc_flags(s.exc_flags)
        return GuestException(s.exc_ec, s.exc_iss, s.exc_far if far_valid else None,
                              return_offset=return_offset, target_el=target_el)

    def _tail_engine(self):
        if self._tail is None:
            from ..interp import InterpEngine
            self._tail = InterpEngine(self.cpu, code_range=self.code_range)
            self._tail.breakpoints = self.breakpoints
        return self._tail

    def set_breakpoints(self, addrs) -> None:
        """Translated code never holds an instruction at a breakpoint: the
        blocks that cover an address added or removed are dropped (with
        their modules), so they are lifted again, ending before it."""
        new = frozenset(addrs)
        changed = new ^ self.breakpoints
        self.breakpoints = new
        if self._tail is not None:
            self._tail.breakpoints = new
        if changed:
            self._drop_modules({num for num, rec in self.modules.items()
                                if any(p <= a < p + 4 * n for p, n in rec.blocks for a in changed)})
            self.flush_jump_cache()

    def _untranslatable(self):
        """No block at PC: inside the allowed range this is the architectural
        fetch fault (PC alignment, instruction abort); outside, a stop."""
        pc = self.state.pc
        if self.code_range is None or self.code_range[0] <= pc < self.code_range[1]:
            try:
                self.cpu.fetch(pc)
            except GuestException as exc:
                return EXCEPTION, exc
        return NO_CODE, None

    def run(self, budget: int):
        """Run until ``budget`` more instructions retired, an exception, a
        pending event, or a PC that cannot be translated (translator/engine.py)."""
        try:
            return self._run(budget)
        finally:
            self._release_dead()                 # safe point: native code has returned
            if self.state.tlbi_n:                # (the MMU sees them when it next looks; the count now)
                self.cpu.drain_tlbi_log()
            self.stats.native_fills = self._refill.fills

    def _run(self, budget: int):
        s = self.state
        cpu = self.cpu
        target = s.icount + budget
        while True:
            if self._dead:
                self._release_dead()             # safe point: no native frame of this engine
            # Clear the pending word before looking for finished hot compiles:
            # a compile finishing after the look sets it again, so its swap is
            # never missed.  (An exit request zeroes the budget word: set it
            # again; the dispatcher looks at the pending word before anything.)
            if s.pending & PENDING_HOST:         # the host wants the run loop: never lost
                return PENDING, None
            s.pending = 0
            s.budget = target
            if self.hot_pending:
                self._finish_hot()
            s.ctx = cpu.compute_ctx()
            self._check_tlb_context()
            if cpu.watchpoints or cpu.watch_pages or cpu.tracer is not None and self._refill.zva:
                self._refill.valid = 0           # (set while stopped: accesses to the runtime, published again)
            if s.il:                             # illegal execution state: the next instruction raises
                try:
                    cpu.fetch(s.pc)              # (an instruction abort comes first)
                    cpu.check_illegal_state()
                except GuestException as exc:
                    return EXCEPTION, exc
            t0 = perf_counter()
            r = self.dispatch(self.sptr)
            st = self.stats
            st.dispatch_seconds += perf_counter() - t0
            st.exits += 1
            st.exit_codes[r if 0 <= r < 5 else 0] += 1
            if r == EXIT_BUDGET and s.budget > s.icount and not s.pending:
                # A block left at its entry with budget left and nothing pending:
                # it has just become hot if it fits; else the next block does not
                # fit what is left of the budget (a device deadline, a limit):
                # the reference interpreter runs those few instructions on the
                # same state, rather than compiling a block cut to fit (which
                # would be a new compile at every deadline).
                t = self._lookup(s.pc, s.ctx, MAX_BLOCK_INSNS)
                if t is not None and t.ninsns <= s.budget - s.icount and self.hot_threshold:
                    self.tier_up(s.pc, s.ctx, s.helper_ret)
                    continue
                before = s.icount
                status, exc = self._tail_engine().run(min(s.budget - s.icount, MAX_BLOCK_INSNS))
                self.stats.tail_insns += s.icount - before      # (a trace: the interpreter records them)
                if status == BUDGET and not s.pending:
                    continue
                return status, exc
            if self.internal_error is not None:
                err, self.internal_error = self.internal_error, None
                raise RuntimeError("a64jit internal error in a runtime helper") from err
            if r == EXIT_EXCEPTION:
                exc = self._exception_from_state()
                return (DEBUG if type(exc) is WatchHit else EXCEPTION), exc
            if r == EXIT_PENDING or s.pending:
                if s.pending & ~(PENDING_INVALIDATED | PENDING_HOT) or cpu.halted:
                    return PENDING, None
                continue                       # stale chains left, or hot code to swap in: carry on
            if r == EXIT_BUDGET:
                return BUDGET, None
            if r == EXIT_NOTRANS:
                if s.pc in self.breakpoints:     # never translated: every way there comes here
                    if s.pc != self.skip_pc:
                        return DEBUG, None
                    self.skip_pc = None
                    status, exc = self._tail_engine().step_one()
                    if status == BUDGET and not s.pending:
                        continue
                    return status, exc
                t = self._translation(s.pc, s.ctx, MAX_BLOCK_INSNS)
                if t is None:
                    return self._untranslatable()
                self._install(t)
                continue
            raise RuntimeError(f"dispatcher returned {r}")
