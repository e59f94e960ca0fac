"""Advanced SIMD structure loads and stores (ARM ARM C3.2.9/C3.2.10,
encodings C4.1.88 "Advanced SIMD load/store multiple structures" and
"... single structure", with and without post-index): LD1-LD4/ST1-ST4 of
whole registers, of one lane, and LD1R-LD4R (load and replicate).

Each element is one access of its own size, in the pseudocode's order
(so alignment checks are per element, as the architecture makes them, and a
fault names the first element that faults): ``e.load_elems``/``store_elems``,
which the JIT checks with one soft-TLB probe when the whole span is inside a
page.  Loads perform every access
before writing any register: a load that faults leaves its destination
registers unchanged (the architecture makes them UNKNOWN; the oracle's
partial writes are excused in the differential tests).  Stores write
element by element, so a store that faults part way has written the
elements before the fault, as the pseudocode's order gives.
"""
from __future__ import annotations

from . import semantics
from .fpsimd import _elem, _assemble, _insert, _replicate
from .ldst import _base
from ...runtime.memory import ACC_NORMAL

# opcode -> (rpt, selem) of the multiple-structures class
MULTI = {0b0000: (1, 4), 0b0010: (4, 1), 0b0100: (1, 3), 0b0110: (3, 1), 0b0111: (1, 1), 0b1000: (1, 2),
         0b1010: (2, 1)}


def _writeback(e, f, address, total):
    """Post-index: X[n] = address + (Rm == 31 ? the bytes transferred : X[m])."""
    off = total if f.Rm == 31 else e.rx(f.Rm)
    e.wsp(f.Rn, e.add(address, off, 64))


def _multi(e, f, post):
    rpt, selem = MULTI[f.opcode]
    e.check_fp()
    datasize = 128 if f.Q else 64
    esize = 8 << f.size
    ebytes = esize // 8
    elements = datasize // esize
    t = f.Rt
    address = _base(e, f.Rn)
    # the pseudocode's order: register r, element el, structure member s
    order = [((t + r + s) % 32, el) for r in range(rpt) for el in range(elements) for s in range(selem)]
    if f.L:
        regs = {}                                 # tt -> list of element values
        for (tt, el), v in zip(order, e.load_elems(address, ebytes, len(order), ACC_NORMAL)):
            regs.setdefault(tt, [None] * elements)[el] = v
        for tt, elems in regs.items():
            e.wv(tt, _assemble(e, elems, esize, datasize), datasize)
    else:
        vals = {tt: e.rv(tt, datasize) for tt, _ in order}
        e.store_elems(address, [_elem(e, vals[tt], el, esize, datasize) for tt, el in order], ebytes, ACC_NORMAL)
    if post:
        _writeback(e, f, address, len(order) * ebytes)


@semantics("simd_ldst_multi")
def simd_ldst_multi(e, f):
    _multi(e, f, False)


@semantics("simd_ldst_multi_post")
def simd_ldst_multi_post(e, f):
    _multi(e, f, True)


def _single(e, f, post):
    scale = f.opcode >> 1
    selem = ((f.opcode & 1) << 1 | f.R) + 1
    replicate = scale == 3
    index = 0
    if replicate:
        scale = f.size
    elif scale == 0:
        index = f.Q << 3 | f.S << 2 | f.size
    elif scale == 1:
        index = f.Q << 2 | f.S << 1 | f.size >> 1
    elif f.size & 1 == 0:
        index = f.Q << 1 | f.S
    else:
        index, scale = f.Q, 3
    e.check_fp()
    datasize = 128 if f.Q else 64
    esize = 8 << scale
    ebytes = esize // 8
    t = f.Rt
    address = _base(e, f.Rn)
    if f.L:
        for s, v in enumerate(e.load_elems(address, ebytes, selem, ACC_NORMAL)):
            tt = (t + s) % 32
            if replicate:
                e.wv(tt, _replicate(e, v, esize, datasize), datasize)
            else:
                e.wv(tt, _insert(e, e.rv(tt), index, esize, v))
    else:
        e.store_elems(address, [_elem(e, e.rv((t + s) % 32), index, esize, 128) for s in range(selem)], ebytes,
                      ACC_NORMAL)
    if post:
        _writeback(e, f, address, selem * ebytes)


@semantics("simd_ldst_single")
def simd_ldst_single(e, f):
    _single(e, f, False)


@semantics("simd_ldst_single_post")
def simd_ldst_single_post(e, f):
    _single(e, f, True)
