"""e^x and log(1 + x) for the compiled step's loops: no library call, so LLVM vectorises them.

``math.exp`` and ``math.log1p`` inside a numba loop are calls into the C library, one element at
a time; a loop that contains a call is not vectorised. These are written with arithmetic,
comparisons and a bit cast only, so a loop over an array that uses them runs 8 (float64) or 16
(float32) elements per AVX-512 instruction. They compute in float64 whatever the input's dtype.

**e^x**, for x in float64 (Cody and Waite's range reduction)::

    k = round(x / ln 2),  r = x − k·ln2_hi − k·ln2_lo   (|r| ≤ ½ ln 2 ≈ 0.347; k·ln2_hi is exact)
    e^x = 2^k · e^r,      e^r = 1 + r + r²·Σ_{n=2..13} rⁿ⁻²/n!   (r¹⁴/14! < 5e-18 is left out)

What the roundings of r and of 1 + r lose is carried along (two-sum corrections) and added back
with r²·q, so that the sum is rounded once: the result is within 0.7 ulp of e^x (NumPy's own
``exp`` is within 0.7 ulp; C's libm within 0.51).

x is first clamped to [−746, 710], outside which e^x rounds to 0 or overflows to inf, so
k ∈ [−1077, 1025]; 2^k is applied as 2^⌊k/2⌋ · 2^(k − ⌊k/2⌋), two normal powers of two built
from their exponent bits, so that subnormal results and the overflow to inf come out of the
multiplications' own rounding. NaN stays NaN. tests/test_compiled_vecmath.py measures it against
``np.longdouble``'s e^x.

**log(1 + x)**, for 0 ≤ x ≤ 1 (the losses' softplus tail ``log1p(e^(−|h|))``), with no
rounding of 1 + x (which would lose x's low bits)::

    log(1 + x) = 2 atanh(s),         s = x/(2 + x)           for x ≤ ½  (s ≤ 0.2)
               = ln 2 + 2 atanh(s),  s = (x − 1)/(x + 3)     for x > ½  (−0.143 < s < 0)
    2 atanh(s) = 2 Σ_{n ≤ 12} s^(2n+1)/(2n + 1)              (the omitted tail < 1e-18)

Within 2 ulps of ``np.log1p`` on [0, 1].

:func:`cast_like` rounds a float64 result to the dtype of an array element, so that the kernels'
arithmetic after e^x is the float32 arithmetic NumPy does (NumPy's float32 ``exp`` returns
float32), and float32 stays float32.
"""

# numba has no type stubs: its decorators leave the functions untyped for mypy.
# mypy: disable-error-code="misc,no-any-return,untyped-decorator,call-arg"
# (call-arg: an @intrinsic is called without the typing context numba passes it)

from __future__ import annotations

from typing import Any

import numba
from numba import types
from numba.extending import intrinsic, overload
from numba.np.numpy_support import as_dtype

jit = numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")

#: ln 2 = LN2_HI + LN2_LO, LN2_HI with 21 trailing zero bits: k·LN2_HI is exact for |k| < 2^21
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
LOG2_E = 1.44269504088896338700e00
#: where e^x is 0 or inf in float64 whatever the polynomial says
EXP_LOW, EXP_HIGH = -746.0, 710.0
#: adding then subtracting 1.5·2^52 rounds a float64 of magnitude < 2^51 to the nearest integer
ROUNDER = 6755399441055744.0
#: 1/n! for n = 2 … 13, Horner's coefficients of e^r
E2, E3, E4, E5 = 1 / 2, 1 / 6, 1 / 24, 1 / 120
E6, E7, E8, E9 = 1 / 720, 1 / 5040, 1 / 40320, 1 / 362880
E10, E11, E12, E13 = 1 / 3628800, 1 / 39916800, 1 / 479001600, 1 / 6227020800


@intrinsic
def _bits_as_float(typingctx: Any, bits: Any) -> Any:
    """The float64 whose IEEE bits are the int64 ``bits`` (a free register cast)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


@jit
def power_of_two(k: int) -> float:
    """2^k as float64, for −1022 ≤ k ≤ 1023 (the exponent field k + 1023, mantissa 0)."""
    return _bits_as_float((k + 1023) << 52)


@jit
def exp(x: float) -> float:
    """e^x in float64 (see the module docstring); inlined, vectorisable."""
    v = min(max(float(x), EXP_LOW), EXP_HIGH)
    kf = (v * LOG2_E + ROUNDER) - ROUNDER  # round(v / ln 2), as a float
    hi = v - kf * LN2_HI  # exact
    lo = kf * LN2_LO
    r = hi - lo
    r_err = (hi - r) - lo  # what r's rounding lost: r + r_err = hi − lo
    q = E12 + r * E13
    q = E11 + r * q
    q = E10 + r * q
    q = E9 + r * q
    q = E8 + r * q
    q = E7 + r * q
    q = E6 + r * q
    q = E5 + r * q
    q = E4 + r * q
    q = E3 + r * q
    q = E2 + r * q
    t = 1.0 + r
    t_err = (1.0 - t) + r  # what 1 + r's rounding lost
    p = t + ((t_err + r_err) + (r * r) * q)  # e^r = 1 + r + r²·q, rounded once at the end
    k = int(kf)
    half = k >> 1
    y = (p * power_of_two(half)) * power_of_two(k - half)
    return y if x == x else float(x)  # NaN in, NaN out


@jit
def log1p(x: float) -> float:
    """log(1 + x) in float64 for 0 ≤ x ≤ 1 (see the module docstring); inlined, vectorisable."""
    xd = float(x)
    upper = xd > 0.5
    s = (xd - 1.0) / (xd + 3.0) if upper else xd / (xd + 2.0)
    j = 1.0 if upper else 0.0
    s2 = s * s
    t = 1 / 23 + s2 * (1 / 25)
    t = 1 / 21 + s2 * t
    t = 1 / 19 + s2 * t
    t = 1 / 17 + s2 * t
    t = 1 / 15 + s2 * t
    t = 1 / 13 + s2 * t
    t = 1 / 11 + s2 * t
    t = 1 / 9 + s2 * t
    t = 1 / 7 + s2 * t
    t = 1 / 5 + s2 * t
    t = 1 / 3 + s2 * t
    return j * LN2_HI + ((2.0 * s + (2.0 * s) * (s2 * t)) + j * LN2_LO)


def cast_like(value: float, like: Any) -> Any:
    """``value`` rounded to the type of ``like`` (a float32 or float64 scalar), in numba."""
    return type(like)(value)


@overload(cast_like, inline="always")
def _cast_like(value: Any, like: Any) -> Any:
    to = as_dtype(like).type  # np.float32 or np.float64

    def impl(value: Any, like: Any) -> Any:
        return to(value)

    return impl


__all__ = ["cast_like", "exp", "log1p", "power_of_two"]
