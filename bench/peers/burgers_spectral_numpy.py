"""NumPy peer of bench/burgers_spectral.ts: one ETDRK4 step of 1D viscous Burgers.

Same algorithm as solvers/burgers/spectral.ts: state v = rfft(u) on n node points of the
periodic domain [0, L); L(k) = -nu*k^2; N(v) = -(i k / 2) * mask * rfft(irfft(v)^2), mask = 2/3
rule (|m| <= n/3); Cox-Matthews ETDRK4 with the Kassam-Trefethen (2005) contour-integral
coefficients (M points on the upper half circle, real part). numpy.fft (pocketfft) does the
transforms. Reads one JSON argument; prints one JSON line.
"""
import json
import math
import sys
import time

import numpy as np


def etdrk4_coefficients(lin, h, m_points):
    r = np.exp(1j * np.pi * (np.arange(1, m_points + 1) - 0.5) / m_points)
    lr = h * lin[:, None] + r[None, :]
    e_lr = np.exp(lr)
    q = h * np.real(np.mean((np.exp(lr / 2) - 1) / lr, axis=1))
    f1 = h * np.real(np.mean((-4 - lr + e_lr * (4 - 3 * lr + lr**2)) / lr**3, axis=1))
    f2 = h * np.real(np.mean((2 + lr + e_lr * (lr - 2)) / lr**3, axis=1))
    f3 = h * np.real(np.mean((-4 - 3 * lr - lr**2 + e_lr * (4 - lr)) / lr**3, axis=1))
    return np.exp(h * lin), np.exp(h * lin / 2), q, f1, f2, f3


def initial_condition(n, length):
    x = np.arange(n) * (length / n)
    w = 2 * np.pi / length
    return np.sin(w * x) + 0.5 * np.cos(2 * w * x + 1.0) + 0.25 * np.sin(3 * w * x + 0.3)


def main():
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    n = int(args.get("n", 8192))
    nu = float(args.get("nu", 0.01))
    dt = float(args.get("dt", 2e-5))
    steps = int(args.get("steps", 200))
    length = float(args.get("length", 1.0))
    m_points = int(args.get("m", 32))
    fft_reps = int(args.get("fft_reps", 500))

    m = np.arange(n // 2 + 1)
    k = 2 * np.pi * m / length
    mask = (m <= n / 3).astype(float)
    lin = -nu * k**2
    g = -0.5j * k * mask
    e, e2, q, f1, f2, f3 = etdrk4_coefficients(lin, dt, m_points)

    def nonlinear(v):
        u = np.fft.irfft(v, n)
        return g * np.fft.rfft(u * u)

    def step(v):
        nv = nonlinear(v)
        a = e2 * v + q * nv
        na = nonlinear(a)
        b = e2 * v + q * na
        nb = nonlinear(b)
        c = e2 * a + q * (2 * nb - nv)
        nc = nonlinear(c)
        return e * v + nv * f1 + 2 * (na + nb) * f2 + nc * f3

    u0 = initial_condition(n, length)
    v = np.fft.rfft(u0) * mask
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        v = step(v)
        times.append(time.perf_counter() - t0)
    u = np.fft.irfft(v, n)

    x = np.random.default_rng(0).standard_normal(n)
    pair = []
    for _ in range(fft_reps):
        t0 = time.perf_counter()
        c = np.fft.rfft(x)
        np.fft.irfft(c, n)
        pair.append(time.perf_counter() - t0)

    print(json.dumps({
        "seconds_per_step": float(np.median(times)),
        "seconds_per_fft_pair": float(np.median(pair)),
        "checksum_sum": float(np.sum(u)),
        "checksum_l2": float(math.sqrt(np.sum(u * u) / n)),
        "checksum_weighted": float(np.sum(u * np.cos(np.arange(n) * 0.001))),
        "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
