"""The decoder against GNU as: what the assembler encodes, we decode to the
right row; what ARMv8.0 leaves unallocated decodes to UNDEF."""
import random

import pytest

from tests.asm import asm
from a64jit.translator import encoding
from a64jit.translator.decode import decode
from a64jit.translator.semantics import REGISTRY

CASES = {
    "adr": ["adr x0, .", "adrp x3, . + 0x5000"],
    "addsub_imm": ["add x0, sp, #1", "subs w1, w2, #4095, lsl #12", "cmp x3, #7"],
    "logic_imm": ["and x0, x1, #0xff", "orr w2, wzr, #0x55555555", "eor x3, x4, #0x8000000000000000", "tst w1, #1"],
    "movewide": ["movz x0, #1, lsl 48", "movn w1, #2", "movk x2, #3, lsl 16"],
    "bitfield": ["ubfx x0, x1, #3, #5", "sbfiz w2, w3, #1, #4", "bfi x4, x5, #60, #4", "lsl x6, x7, #3", "asr w1, w2, #31"],
    "extr": ["extr x0, x1, x2, #63", "ror w3, w4, #5"],
    "b_cond": ["b.eq .", "b.nv ."], "b_imm": ["b .", "bl ."],
    "svc": ["svc #1"], "hvc": ["hvc #2"], "smc": ["smc #3"], "brk": ["brk #4"], "hlt": ["hlt #5"],
    "hint": ["nop", "yield", "wfe", "wfi", "sev", "sevl", "hint #0x7f"],
    "barrier": ["clrex", "dsb sy", "dmb ish", "isb", "dsb nsh"],
    "msr_imm": ["msr spsel, #1", "msr daifset, #0xf", "msr daifclr, #2"],
    "sys": ["dc zva, x0", "ic ivau, x1", "ic iallu", "tlbi vmalle1is", "at s1e1r, x2", "sys #0, c7, c5, #0, x3"],
    "sysreg": ["mrs x0, sctlr_el1", "msr ttbr0_el1, x1", "mrs x2, nzcv", "msr s3_3_c15_c2_0, x5"],
    "br": ["br x1", "blr x30", "ret", "ret x3"], "eret": ["eret"],
    "cb": ["cbz x0, .", "cbnz w1, ."], "tb": ["tbz x0, #63, .", "tbnz w1, #3, ."],
    "ldst_excl": ["ldxrb w0, [x1]", "stlxrh w2, w3, [sp]", "ldaxr x4, [x5]", "stxr w6, x7, [x8]"],
    "ldst_excl_pair": ["ldxp x0, x1, [x2]", "stlxp w3, w4, w5, [x6]"],
    "ldst_ordered": ["ldar x0, [x1]", "stlrb w2, [sp]", "ldarh w3, [x4]"],
    "ldr_lit": ["ldr x0, .", "ldr w1, .", "ldrsw x2, .", "prfm pldl1keep, ."],
    "ldst_pair": ["ldp x0, x1, [sp, #16]!", "stp w2, w3, [x4], #-8", "ldpsw x5, x6, [x7, #8]", "ldnp x8, x9, [x10]", "stnp w1, w2, [x3, #4]"],
    "ldst_imm9": ["ldur x0, [x1, #-1]", "str w2, [x3], #4", "ldrsb x4, [x5, #-256]!", "ldtr x6, [x7]", "sttrh w8, [x9, #2]", "prfum pldl1keep, [x1, #3]"],
    "ldst_regoff": ["ldr x0, [x1, x2, lsl #3]", "strb w3, [x4, w5, sxtw]", "ldrsh x6, [x7, w8, uxtw #1]", "prfm pldl1keep, [x1, x2]"],
    "ldst_uimm": ["ldr x0, [x1, #32760]", "strh w2, [sp, #2]", "ldrsw x3, [x4, #4]", "prfm pstl2strm, [x5, #8]", "ldrsb w1, [x2]"],
    "dp2": ["udiv x0, x1, x2", "sdiv w3, w4, w5", "lslv x6, x7, x8", "rorv w9, w10, w11", "crc32b w0, w1, w2", "crc32cx w3, w4, x5"],
    "dp1": ["rbit x0, x1", "rev16 w2, w3", "rev32 x4, x5", "rev x6, x7", "rev w8, w9", "clz x10, x11", "cls w12, w13"],
    "logic_shift": ["and x0, x1, x2, lsl #3", "bics w3, w4, w5, ror #31", "orn x6, x7, x8, asr #63", "mvn w1, w2", "tst x1, x2"],
    "addsub_shift": ["add x0, x1, x2, lsl #63", "subs w3, w4, w5, asr #31", "neg x6, x7", "cmp w1, w2, lsr #3"],
    "addsub_ext": ["add x0, sp, w1, uxtb #4", "subs x2, x3, x4, sxtx", "cmp sp, w5, sxth #2"],
    "adc": ["adc x0, x1, x2", "sbcs w3, w4, w5", "ngc x6, x7"],
    "ccmp": ["ccmp x0, x1, #4, ne", "ccmn w2, #31, #15, al"],
    "csel": ["csel x0, x1, x2, eq", "csinc w3, w4, w5, lt", "csinv x6, x7, x8, hi", "csneg w9, w10, w11, nv", "cset x1, eq"],
    # SIMD&FP register file and data movement
    "ldr_lit_fp": ["ldr s0, .", "ldr d1, . + 8", "ldr q2, . - 4"],
    "ldst_pair_fp": ["ldp s0, s1, [x2, #-8]", "stp d3, d4, [sp, #16]!", "ldp q5, q6, [x7], #32", "ldnp d8, d9, [x10]",
                     "stnp q1, q2, [x3, #-1024]", "stp s4, s5, [x6], #4"],
    "ldst_imm9_fp": ["ldur b0, [x1, #-1]", "stur h2, [x3, #255]", "ldr s4, [x5, #-256]!", "str d6, [sp], #8",
                     "ldur q7, [x8, #3]", "str q9, [x10, #16]!"],
    "ldst_regoff_fp": ["ldr b0, [x1, x2]", "str h3, [x4, w5, uxtw #1]", "ldr s6, [sp, x7, lsl #2]",
                       "str d8, [x9, w10, sxtw]", "ldr q11, [x12, x13, lsl #4]", "str q1, [x2, x3, sxtx]"],
    "ldst_uimm_fp": ["ldr b0, [x1, #4095]", "str h2, [sp, #2]", "ldr s3, [x4, #16380]", "str d5, [x6, #8]",
                     "ldr q7, [x8, #65520]", "str q9, [x10]"],
    "fmov_gen": ["fmov w0, s1", "fmov s2, w3", "fmov x4, d5", "fmov d6, x7", "fmov x8, v9.d[1]", "fmov v10.d[1], x11"],
    "fmov_reg": ["fmov s0, s1", "fmov d2, d3"],
    "fmov_imm": ["fmov s0, #1.0", "fmov d1, #-0.125", "fmov d2, #31.0"],
    "fp_dp1": ["fabs s0, s1", "fneg d2, d3", "fsqrt s4, s5", "fcvt d0, s1", "fcvt h2, s3", "fcvt s4, d5",
               "fcvt h6, d7", "fcvt s8, h9", "fcvt d10, h11", "frintn s0, s1", "frintp d2, d3", "frintm s4, s5",
               "frintz d6, d7", "frinta s8, s9", "frintx d10, d11", "frinti s12, s13"],
    "fp_cmp": ["fcmp s0, s1", "fcmpe d2, d3", "fcmp s4, #0.0", "fcmpe d5, #0.0"],
    "fp_ccmp": ["fccmp s0, s1, #4, eq", "fccmpe d2, d3, #0xf, lt"],
    "fp_dp2": ["fmul s0, s1, s2", "fdiv d3, d4, d5", "fadd s6, s7, s8", "fsub d9, d10, d11", "fmax s0, s1, s2",
               "fmin d3, d4, d5", "fmaxnm s6, s7, s8", "fminnm d9, d10, d11", "fnmul s12, s13, s14"],
    "fp_csel": ["fcsel s0, s1, s2, ne", "fcsel d3, d4, d5, hi"],
    "fp_dp3": ["fmadd s0, s1, s2, s3", "fmsub d4, d5, d6, d7", "fnmadd s8, s9, s10, s11", "fnmsub d12, d13, d14, d15"],
    "fp_fixed": ["fcvtzs w0, s1, #3", "fcvtzu x2, d3, #64", "scvtf s4, w5, #32", "ucvtf d6, x7, #1"],
    "fp_int": ["fcvtns w0, s1", "fcvtnu x2, d3", "fcvtps w4, d5", "fcvtpu x6, s7", "fcvtms w8, s9",
               "fcvtmu x10, d11", "fcvtzs w12, d13", "fcvtzu x14, s15", "scvtf s0, w1", "ucvtf d2, x3",
               "scvtf d4, w5", "ucvtf s6, x7"],
    "fp_int_a": ["fcvtas w0, s1", "fcvtau x2, d3"],
    "simd_fp3": ["fadd v0.4s, v1.4s, v2.4s", "fsub v3.2d, v4.2d, v5.2d", "fmul v6.2s, v7.2s, v8.2s",
                 "fdiv v9.4s, v10.4s, v11.4s", "fmla v12.2d, v13.2d, v14.2d", "fmls v15.4s, v16.4s, v17.4s",
                 "fmax v0.4s, v1.4s, v2.4s", "fminnm v3.2d, v4.2d, v5.2d", "faddp v6.4s, v7.4s, v8.4s",
                 "fmaxnmp v9.2d, v10.2d, v11.2d", "fabd v12.2s, v13.2s, v14.2s", "fcmeq v0.4s, v1.4s, v2.4s",
                 "fcmge v3.2d, v4.2d, v5.2d", "facgt v6.4s, v7.4s, v8.4s", "frecps v9.2s, v10.2s, v11.2s",
                 "frsqrts v12.2d, v13.2d, v14.2d", "fmulx v15.4s, v16.4s, v17.4s", "fminp v0.2s, v1.2s, v2.2s"],
    "simd_fp3_s": ["fmulx s0, s1, s2", "fcmeq d3, d4, d5", "frecps s6, s7, s8", "frsqrts d9, d10, d11",
                   "fcmge s12, s13, s14", "facge d15, d16, d17", "fabd s0, s1, s2", "fcmgt d3, d4, d5",
                   "facgt s6, s7, s8"],
    "simd_fp_misc": ["fabs v0.4s, v1.4s", "fneg v2.2d, v3.2d", "fsqrt v4.2s, v5.2s", "frintn v6.4s, v7.4s",
                     "frintx v8.2d, v9.2d", "frinti v10.4s, v11.4s", "fcvtzs v12.4s, v13.4s",
                     "fcvtau v14.2d, v15.2d", "scvtf v16.2s, v17.2s", "ucvtf v18.4s, v19.4s",
                     "fcmgt v20.4s, v21.4s, #0.0", "fcmle v22.2d, v23.2d, #0.0", "fcmlt v24.2s, v25.2s, #0.0",
                     "frecpe v26.4s, v27.4s", "frsqrte v28.2d, v29.2d", "urecpe v30.4s, v31.4s",
                     "ursqrte v0.2s, v1.2s"],
    "simd_fp_misc_s": ["fcvtns s0, s1", "fcvtzu d2, d3", "scvtf s4, s5", "ucvtf d6, d7", "fcmeq s8, s9, #0.0",
                       "fcmge d10, d11, #0.0", "frecpe s12, s13", "frsqrte d14, d15", "frecpx s16, s17"],
    "simd_fcvt_narrow": ["fcvtn v0.4h, v1.4s", "fcvtn2 v2.4s, v3.2d", "fcvtxn v4.2s, v5.2d",
                         "fcvtxn2 v6.4s, v7.2d"],
    "simd_fcvtl": ["fcvtl v0.4s, v1.4h", "fcvtl2 v2.2d, v3.4s"],
    "simd_fcvt_scalar_narrow": ["fcvtxn s0, d1"],
    "simd_fp_across": ["fmaxv s0, v1.4s", "fminnmv s2, v3.4s"],
    "simd_addp_s": ["addp d0, v1.2d"],
    "simd_fp_pair_s": ["faddp s0, v1.2s", "fmaxp d2, v3.2d", "fminnmp s4, v5.2s"],
    "simd_fp_elem": ["fmla v0.4s, v1.4s, v2.s[3]", "fmls v3.2d, v4.2d, v5.d[1]", "fmul v6.2s, v7.2s, v31.s[1]",
                     "fmulx v8.4s, v9.4s, v10.s[2]"],
    "simd_fp_elem_s": ["fmla s0, s1, v2.s[3]", "fmul d3, d4, v5.d[1]", "fmulx s6, s7, v8.s[0]"],
    "simd_int_elem": ["mul v0.8h, v1.8h, v2.h[7]", "mla v3.4s, v4.4s, v31.s[3]", "mls v5.4h, v6.4h, v15.h[0]",
                      "smull v7.4s, v8.4h, v9.h[2]", "umlal2 v10.2d, v11.4s, v12.s[1]", "smlsl v13.4s, v14.4h, v1.h[5]",
                      "sqdmull2 v0.4s, v1.8h, v2.h[3]", "sqdmlal v3.2d, v4.2s, v5.s[0]", "sqdmlsl v6.4s, v7.4h, v8.h[1]",
                      "sqdmulh v9.8h, v10.8h, v11.h[6]", "sqrdmulh v12.2s, v13.2s, v14.s[2]", "umull v0.2d, v1.2s, v2.s[3]"],
    "simd_int_elem_s": ["sqdmull s0, h1, v2.h[7]", "sqdmlal d3, s4, v5.s[1]", "sqdmlsl s6, h7, v8.h[0]",
                        "sqdmulh h9, h10, v11.h[3]", "sqrdmulh s12, s13, v31.s[2]"],
    "simd_fp_fixed": ["scvtf v0.4s, v1.4s, #3", "ucvtf v2.2d, v3.2d, #64", "fcvtzs v4.2s, v5.2s, #32",
                      "fcvtzu v6.4s, v7.4s, #1"],
    "simd_fp_fixed_s": ["scvtf s0, s1, #5", "fcvtzu d2, d3, #63"],
    "simd_ldst_multi": ["ld1 {v0.16b}, [x1]", "st1 {v2.2d, v3.2d}, [sp]", "ld1 {v4.4s-v6.4s}, [x2]",
                        "st1 {v7.1d-v10.1d}, [x3]", "ld2 {v0.8h, v1.8h}, [x4]", "st3 {v1.2s-v3.2s}, [x5]",
                        "ld4 {v28.16b-v31.16b}, [x6]", "st4 {v30.4h, v31.4h, v0.4h, v1.4h}, [x7]"],
    "simd_ldst_multi_post": ["ld1 {v0.16b}, [x1], #16", "st1 {v2.8b, v3.8b}, [x2], x3",
                             "ld4 {v0.4s-v3.4s}, [x0], #64", "st2 {v4.2d, v5.2d}, [sp], x9"],
    "simd_ldst_single": ["ld1 {v0.b}[15], [x1]", "st1 {v2.h}[3], [x2]", "ld2 {v3.s, v4.s}[1], [x3]",
                         "st3 {v5.d, v6.d, v7.d}[1], [x4]", "ld4 {v8.b, v9.b, v10.b, v11.b}[9], [x5]",
                         "ld1r {v0.4s}, [x1]", "ld2r {v2.8b, v3.8b}, [x2]", "ld3r {v4.1d-v6.1d}, [x3]",
                         "ld4r {v0.2d-v3.2d}, [sp]"],
    "simd_ldst_single_post": ["ld1 {v0.b}[0], [x1], #1", "st4 {v0.s-v3.s}[3], [x2], #16",
                              "ld1r {v5.8h}, [x6], x7", "st2 {v1.d, v2.d}[0], [x3], x4"],
    "simd_modimm": ["movi v0.4s, #0xff, lsl #24", "movi v1.8h, #0x12, lsl #8", "movi v2.2s, #0x34, msl #16",
                    "movi v3.16b, #0xab", "movi d4, #0xff00ff0000ffff00", "movi v5.2d, #0xffffffffffffffff",
                    "mvni v6.4h, #1", "mvni v7.4s, #2, msl #8", "orr v8.4s, #3, lsl #16", "bic v9.8h, #4",
                    "fmov v10.4s, #1.5", "fmov v11.2d, #-2.0", "fmov v12.2s, #0.25"],
    "dup_elem": ["dup v0.16b, v1.b[15]", "dup v2.4h, v3.h[7]", "dup v4.4s, v5.s[3]", "dup v6.2d, v7.d[1]"],
    "dup_gen": ["dup v0.8b, w1", "dup v2.8h, w3", "dup v4.2s, w5", "dup v6.2d, x7"],
    "ins_gen": ["ins v0.b[15], w1", "mov v2.h[3], w3", "ins v4.s[2], w5", "mov v6.d[1], x7"],
    "smov": ["smov w0, v1.b[5]", "smov w2, v3.h[7]", "smov x4, v5.b[15]", "smov x6, v7.s[3]"],
    "umov": ["umov w0, v1.b[5]", "umov w2, v3.h[7]", "mov w4, v5.s[3]", "mov x6, v7.d[1]"],
    "ins_elem": ["ins v0.b[15], v1.b[0]", "mov v2.h[1], v3.h[7]", "mov v4.s[0], v5.s[3]", "ins v6.d[1], v7.d[0]"],
    "dup_elem_scalar": ["mov b0, v1.b[15]", "dup h2, v3.h[7]", "mov s4, v5.s[3]", "dup d6, v7.d[1]"],
    "logic_vec": ["and v0.16b, v1.16b, v2.16b", "bic v3.8b, v4.8b, v5.8b", "orr v6.16b, v7.16b, v8.16b",
                  "mov v9.16b, v10.16b", "orn v11.8b, v12.8b, v13.8b", "eor v14.16b, v15.16b, v16.16b",
                  "bsl v17.8b, v18.8b, v19.8b", "bit v20.16b, v21.16b, v22.16b", "bif v23.8b, v24.8b, v25.8b",
                  "mov v0.8b, v1.8b"],
    "ext": ["ext v0.16b, v1.16b, v2.16b, #15", "ext v3.8b, v4.8b, v5.8b, #7"],
    "permute": ["zip1 v0.16b, v1.16b, v2.16b", "zip2 v3.4h, v4.4h, v5.4h", "uzp1 v6.2d, v7.2d, v8.2d",
                "uzp2 v9.8b, v10.8b, v11.8b", "trn1 v12.4s, v13.4s, v14.4s", "trn2 v15.2s, v16.2s, v17.2s"],
    "dp3": ["madd x0, x1, x2, x3", "msub w4, w5, w6, w7", "smaddl x8, w9, w10, x11", "umsubl x12, w13, w14, x15", "smulh x0, x1, x2", "umulh x3, x4, x5", "mul w1, w2, w3"],
    # Cryptographic extension (AES, SHA1, SHA256, PMULL 1Q)
    "aes_round": ["aese v0.16b, v1.16b", "aesd v30.16b, v31.16b"],
    "aes_mix": ["aesmc v2.16b, v3.16b", "aesimc v4.16b, v5.16b"],
    "sha1c": ["sha1c q0, s1, v2.4s"], "sha1p": ["sha1p q3, s4, v5.4s"], "sha1m": ["sha1m q6, s7, v31.4s"],
    "sha1su0": ["sha1su0 v0.4s, v1.4s, v2.4s"],
    "sha256h": ["sha256h q0, q1, v2.4s", "sha256h2 q3, q4, v5.4s"],
    "sha256su1": ["sha256su1 v6.4s, v7.4s, v8.4s"],
    "sha1h": ["sha1h s0, s1"], "sha1su1": ["sha1su1 v2.4s, v3.4s"], "sha256su0": ["sha256su0 v4.4s, v5.4s"],
    "pmull_1q": ["pmull v0.1q, v1.1d, v2.1d", "pmull2 v3.1q, v4.2d, v5.2d"],
}

# ARMv8.0 leaves these unallocated (they are later extensions or reserved encodings).
UNDEF = ["udf #0", ".inst 0xffffffff", "casal x0, x1, [x2]", "ldadd x0, x1, [x2]", "ldapr x0, [x1]",
         "pacia x0, x1", "retaa", "stlur w0, [x1]", "msr pan, #1", "sb", ".inst 0xd4a00001",  # DCPS1
         "ldraa x0, [x1]", "stgp x0, x1, [x2]", "rmif x0, #1, #2", "setf8 w0", "sysl x0, #0, c7, c5, #0",
         ".inst 0x93808000",   # EXTR sf=1 N=0
         # SIMD&FP: half precision (ARMv8.2), unallocated sizes and forms
         "fmov h0, h1", "fmov w0, h1", "fmov h2, #1.0", "fmov v0.8h, #1.0", ".inst 0xdc000000",  # LDR literal opc 11
         ".inst 0xad800000 | 3 << 30",                    # LDP (SIMD&FP) opc 11
         ".inst 0x3c800800",                              # STTR-form with V = 1
         ".inst 0x7c800400",                              # STR H size 01 opc 10 (post-index)
         ".inst 0x2f00f400",                              # FMOV 2D with Q = 0 (op 1, cmode 1111)
         ".inst 0x0e080400",                              # DUP Vd.1D, Vn.D[0] (Q = 0)
         ".inst 0x0e100400",                              # DUP: imm5 = x0000
         ".inst 0x0e042c00",                              # SMOV W from S
         ".inst 0x4e023c00",                              # UMOV X from H (Q = 1)
         ".inst 0x0e000800",                              # permute opcode 000
         ".inst 0x2e004000",                              # EXT Q = 0 with imm4<3> = 1
         ".inst 0x0ec01800",                              # UZP1 1D
         # scalar FP: half-precision arithmetic (ARMv8.2), unallocated opcodes
         "fadd h0, h1, h2", "fabs h0, h1", "fsqrt h2, h3", "frintx h0, h1", "fcmp h0, h1", "fccmp h0, h1, #0, eq",
         "fcsel h0, h1, h2, eq", "fmadd h0, h1, h2, h3", "fcvtzs w0, h1", "scvtf h0, w1", "fcvtzs w0, h1, #2",
         "fcvtas w0, h1",
         ".inst 0x1e224000",                              # FCVT S->S (opc = type)
         ".inst 0x1e234000",                              # FCVT opc 10
         ".inst 0x1e26c000",                              # one-source opcode 001101
         ".inst 0x1e209800",                              # two-source opcode 1001
         ".inst 0x1e187c00",                              # FCVTZS W (fixed) with scale < 32
         ".inst 0x1e2a0000",                              # rmode 01 opcode 010 (SCVTF needs rmode 00)
         # structure loads/stores: unallocated opcodes, LD2-4 of 1D, lane forms
         ".inst 0x0c401000", ".inst 0x0c400c00", ".inst 0x0c408c00",   # opcode 0001, LD4 1D, LD2 1D
         ".inst 0x0d004400",                              # ST1 H lane with size<0> = 1
         ".inst 0x0d008800",                              # ST1 S lane with size 10
         ".inst 0x0d009400",                              # ST1 D lane with S = 1
         ".inst 0x0d00c000",                              # ST1R (replicate store)
         ".inst 0x0d40d000",                              # LD1R with S = 1
         # crypto: unallocated sizes and opcodes
         ".inst 0x4e684820",                              # AESE with size 01
         ".inst 0x5e027020",                              # three-register SHA opcode 111
         ".inst 0x5e283820",                              # two-register SHA opcode 00011
         ".inst 0x5e420020",                              # SHA1C with size 01
         ]
# the Advanced SIMD integer rows' cases live with their directed tests
from tests.translator.test_simd_int import CASES as _SIMD_INT_CASES  # noqa: E402
CASES.update(_SIMD_INT_CASES)
LATER = "armv8.5-a+memtag+rcpc+flagm+sb+fp16"


@pytest.mark.parametrize("row", sorted(CASES))
def test_assembler_encodings_decode_to_row(row):
    for src in CASES[row]:
        word = int.from_bytes(asm(src), "little")
        assert decode(word).name == row, f"{src!r} ({word:#010x}) decoded as {decode(word)}"


def test_every_row_has_cases_and_semantics():
    names = {r[0] for r in encoding.TABLE}
    assert names == set(CASES)
    assert names <= set(REGISTRY)


@pytest.mark.parametrize("src", UNDEF)
def test_unallocated_is_undef(src):
    word = int.from_bytes(asm(src, LATER), "little")
    assert decode(word).name == "UNDEF", f"{src!r} ({word:#010x}) decoded as {decode(word)}"


@pytest.mark.parametrize("word,why", [
    (0x52C00000, "MOVZ w with hw=2"), (0x32400000, "logical imm sf=0 N=1"),
    (0x927FFC00 | 0x3F << 10, "logical imm with imms all ones"), (0x33400000, "BFM sf=0 N=1"),
    (0xB33F0000, "BFM sf=1 N=0"), (0x9AC00000 | 0x14 << 10, "CRC32B with sf=1"),
    (0x1AC04C00, "CRC32X encoding with sf=0"), (0x0B200000 | 5 << 10, "add ext imm3=5"),
    (0xDAC00C00 & ~(1 << 31), "REV with sf=0 opcode 3"), (0x9B400000 | 1 << 15, "SMULH with o0=1"),
])
def test_field_constraints(word, why):
    assert decode(word).name == "UNDEF", why


def test_decode_is_total_and_deterministic():
    rng = random.Random(1)
    for _ in range(20000):
        w = rng.getrandbits(32)
        a, b = decode(w), decode(w)
        assert a.name == b.name and a.name in REGISTRY
