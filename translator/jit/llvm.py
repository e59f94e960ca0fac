"""The LLVM owner: target machines, the process's LLJIT, compiling module
text to object code, linking object code into the JIT, and the linked
modules shared in this process.

One ``LlvmJit`` per process (``llvm_jit()``), as Numba keeps one JIT engine
per process: it holds no cache and no statistics of any caller; those are
arguments of each call.

Linked code and its lifetime.  Every linked module is a ``LinkedModule``
holding its LLJIT resource tracker; the code stays mapped while the tracker
lives.  Modules are shared (identical module text is linked once per
process) and reference-counted: an engine ``acquire``s the modules its
translations use and ``release``s them at a safe point (no native frame of
that engine inside them: see engine.py) when invalidation, tier-up or the
engine's end drops them.  A module nobody holds is kept for reuse in a small
LRU (``MODULES_KEPT``); beyond it, its tracker is disposed and LLVM unmaps
the code.
"""
from __future__ import annotations

import collections
import concurrent.futures
import os
import threading

import llvmlite
import llvmlite.binding as llvm

from ...runtime.abi import HELPER_SYMBOL
from . import loader
from .cache import module_key
from .entry import HELPER_ADDR

MODULES_KEPT = 256           # linked modules no engine uses, kept for reuse


class LinkedModule:
    """Linked object code: the tracker keeps it mapped; ``addr`` is the
    address of its exported function."""
    __slots__ = ("key", "tracker", "addr", "refs")

    def __init__(self, key, tracker, addr):
        self.key, self.tracker, self.addr, self.refs = key, tracker, addr, 0


class LlvmJit:
    def __init__(self):
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        self._target = llvm.Target.from_default_triple()
        self.cpu_name = llvm.get_host_cpu_name()
        try:
            self.cpu_features = llvm.get_host_cpu_features().flatten()
        except RuntimeError:                 # LLVM cannot tell on this host: the generic CPU
            self.cpu_name, self.cpu_features = "", ""
        self.triple = llvm.get_process_triple()
        self._tms: dict[int, object] = {}
        self._lock = threading.RLock()
        self.layout = str(self.target_machine(0).target_data)
        self.lljit = llvm.create_lljit_compiler(self.target_machine(0))
        # The host CPU and its features (FMA, AVX2...) are given to LLVM, so the
        # code (and the cache key) depends on them.
        self.identity = (f"{llvmlite.__version__}|{llvm.llvm_version_info}|{self.triple}|"
                         f"{self.cpu_name}|{self.cpu_features}")
        self._pool = None                  # hot-tier compile thread, started on first use
        self._tls = threading.local()
        self._nlib = 0
        self._linked: dict[str, LinkedModule] = {}                  # key -> module, held or kept
        self._unused: collections.OrderedDict = collections.OrderedDict()   # key -> module nobody holds (LRU)
        self._resident: dict = {}        # name -> linked module of a function never freed (dispatcher...)
        # What generated code's a64_helper is: the runtime's entry, or a native
        # front of it (install_helper_front).
        self.helper_addr = HELPER_ADDR
        # Our own loader places the lifter's objects (loader.py); LLJIT links
        # what it does not know.  A64JIT_LOADER=0 links everything through LLJIT.
        self.loader = loader.ObjectLoader(HELPER_ADDR)
        if os.environ.get("A64JIT_LOADER", "1") == "0":
            self.loader.available = False

    def target_machine(self, opt: int):
        with self._lock:
            tm = self._tms.get(opt)
            if tm is None:
                tm = self._tms[opt] = self._target.create_target_machine(
                    cpu=self.cpu_name, features=self.cpu_features, opt=opt, reloc="pic", codemodel="small")
            return tm

    # -- compiling ------------------------------------------------------------
    def key(self, text: str, opt: int) -> str:
        return module_key(text, opt, self.identity)

    def compile(self, text: str, opt: int, context=None, verify: bool = False) -> bytes:
        """Module text -> object code.  ``verify`` runs LLVM's IR verifier
        first (a malformed module raises instead of reaching codegen)."""
        mod = llvm.parse_assembly(text, context=context)
        if verify:
            mod.verify()
        tm = self.target_machine(opt)
        if opt:
            pto = llvm.create_pipeline_tuning_options(speed_level=opt)
            pb = llvm.create_pass_builder(tm, pto)
            pb.getModulePassManager().run(mod, pb)
        return tm.emit_object(mod)

    def object_code(self, text: str, opt: int, cache, stats, *, key: str | None = None, context=None,
                    verify: bool = False) -> bytes:
        """Object code for a module: from the disk cache when present and
        intact, else compiled by LLVM (and stored).  Counts into ``stats``."""
        key = key or self.key(text, opt)
        obj = self.cached_code(key, cache, stats) if cache else None
        if obj is not None:
            stats.cache_hits += 1
            return obj
        obj = self.compile(text, opt, context, verify)
        stats.llvm_compiles += 1
        if self.loader.available:
            obj = loader.pack(obj, HELPER_SYMBOL) or obj
        if cache:
            try:
                cache.put(key, obj)
            except OSError:
                pass                     # a read-only cache directory is not an error
        return obj

    def cached_code(self, key: str, cache, stats) -> bytes | None:
        """What the disk cache holds for ``key``.  An object stored before
        our loader knew it is packed and stored again as a code image."""
        obj = cache.get(key, stats)
        if obj is not None and self.loader.available and not loader.is_image(obj):
            img = loader.pack(obj, HELPER_SYMBOL)
            if img is not None:
                obj = img
                try:
                    cache.put(key, img)
                except OSError:
                    pass
        return obj

    def compile_in_background(self, text: str, opt: int, cache, stats, key: str, verify: bool = False):
        """Compile on the hot-tier thread (the second core: LLVM releases the
        GIL), in that thread's own LLVM context.  Returns a Future of the
        object code."""
        with self._lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="a64jit-hot")

        def job():
            ctx = getattr(self._tls, "ctx", None)
            if ctx is None:
                ctx = self._tls.ctx = llvm.create_context()
            return self.object_code(text, opt, cache, stats, key=key, context=ctx, verify=verify)
        return self._pool.submit(job)

    # -- linking and lifetime ---------------------------------------------------
    def _link(self, obj: bytes, name: str):
        """Place code in memory: (holder, address of ``name``).  A code
        image (or an object our loader can pack) goes to the loader; any
        other object is linked by LLJIT, each in its own library, so each
        can define the same function name; the holder is its resource
        tracker."""
        if self.loader.available:
            img = obj if loader.is_image(obj) else loader.pack(obj, HELPER_SYMBOL)
            if img is not None:
                code = self.loader.load(img)
                if code is None:
                    raise MemoryError("cannot map memory for generated code")
                return code, code[name]
        elif loader.is_image(obj):
            raise ValueError("a code image needs the object loader (A64JIT_LOADER=0)")
        with self._lock:
            self._nlib += 1
            n = self._nlib
        tracker = llvm.JITLibraryBuilder().add_object_img(obj).export_symbol(name) \
            .import_symbol(HELPER_SYMBOL, self.helper_addr).link(self.lljit, f"a64lib{n}")
        return tracker, tracker[name]

    def lookup(self, key: str) -> LinkedModule | None:
        """A module linked before (held by someone, or kept for reuse)."""
        with self._lock:
            return self._linked.get(key)

    def link(self, key: str, obj: bytes, name: str) -> LinkedModule:
        """Link ``obj`` as the module ``key`` (or return the one linked
        before).  The caller ``acquire``s what it uses."""
        with self._lock:
            m = self._linked.get(key)
            if m is not None:
                return m
        tracker, addr = self._link(obj, name)
        with self._lock:
            m = self._linked.get(key)
            if m is None:
                m = self._linked[key] = LinkedModule(key, tracker, addr)
                self._unused[key] = m
                self._trim()
            return m

    def acquire(self, m: LinkedModule) -> LinkedModule:
        with self._lock:
            m.refs += 1
            self._unused.pop(m.key, None)
            return m

    def release(self, m: LinkedModule) -> None:
        """Drop one reference.  The caller guarantees that no native frame
        of its own is inside the module (a safe point)."""
        with self._lock:
            m.refs -= 1
            assert m.refs >= 0
            if m.refs == 0 and self._linked.get(m.key) is m:
                self._unused[m.key] = m
                self._unused.move_to_end(m.key)
                self._trim()

    def _trim(self):
        while len(self._unused) > MODULES_KEPT:
            key, m = self._unused.popitem(last=False)
            del self._linked[key]
            if isinstance(m.tracker, loader.LoadedCode):
                self.loader.free(m.tracker)
            m.tracker = None             # the last reference: the code is unmapped

    def live_modules(self) -> int:
        """Linked modules whose code is mapped (held or kept for reuse)."""
        with self._lock:
            return len(self._linked)

    def resident(self, text: str, name: str, cache, stats) -> int:
        """The address of the function ``name`` of the module ``text`` (the
        native dispatcher, the jump-cache filler: linked once per process,
        never freed)."""
        with self._lock:
            m = self._resident.get(name)
            if m is None:
                key = self.key(text, 0)
                obj = self.object_code(text, 0, cache, stats, key=key)
                m = self._resident[name] = self.acquire(self.link(key, obj, name))
            return m.addr


    def install_helper_front(self, text: str, name: str, cache, stats) -> int:
        """Make the function ``name`` of the module ``text`` what generated
        code linked from now on calls as a64_helper; its own a64_helper is
        the runtime's entry.  Once per process (the front of
        translator/lift/refill.py); returns its address.  (Code linked
        before calls the runtime's entry directly: the same calls, without
        the front's fast cases.)"""
        with self._lock:
            m = self._resident.get(name)
            if m is None:
                assert self.helper_addr == HELPER_ADDR
                m = self._resident[name] = self.acquire(self.link(self.key(text, 0), self.object_code(
                    text, 0, cache, stats), name))
                self.helper_addr = self.loader.helper_addr = m.addr
            return m.addr


_JIT: LlvmJit | None = None
_JIT_LOCK = threading.Lock()


def llvm_jit() -> LlvmJit:
    """The process's LLVM owner (created on first use)."""
    global _JIT
    with _JIT_LOCK:
        if _JIT is None:
            _JIT = LlvmJit()
        return _JIT
