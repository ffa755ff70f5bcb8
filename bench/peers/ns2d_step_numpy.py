"""NumPy peer of bench/ns2d_step.ts: one cn-euler step of 2D Navier-Stokes (vorticity form).

Same algorithm as solvers/ns2d (and neuraloperator's data_generation/navier_stokes/ns_2d.py):
state w_h = rfft2(w) on the n x n node grid of [0, L)^2, projected onto the 2/3-rule modes
|p|, |q| <= n//3; per step psi_h = w_h/|k|^2, then 4 inverse transforms (u = psi_y, v = -psi_x,
w_x, w_y), the product u*w_x + v*w_y, 1 forward transform, the same mask, and the Crank-Nicolson
update w_h <- a*w_h + b*(f_h - N_h), a = (1 + dt/2*L)/(1 - dt/2*L), b = dt/(1 - dt/2*L),
L = -(nu*|k|^2 + drag). numpy.fft (pocketfft) does the transforms. Reads one JSON argument
(w0 is read from args["w0_path"], float64 x-major; the state after `check_steps` steps is written
to args["out_path"]); prints one JSON line.
"""
import json
import math
import sys
import time

import numpy as np


def main():
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    n = int(args.get("n", 256))
    length = float(args.get("length", 1.0))
    nu = float(args.get("nu", 1e-3))
    drag = float(args.get("drag", 0.0))
    dt = float(args.get("dt", 1e-4))
    steps = int(args.get("steps", 200))
    check_steps = int(args.get("check_steps", 10))
    fft_reps = int(args.get("fft_reps", 200))
    w0 = np.fromfile(args["w0_path"], dtype=np.float64).reshape(n, n)

    m = n // 2
    K = n // 3
    p = np.fft.fftfreq(n, 1.0 / n)
    q = np.arange(m + 1)
    kx = (2 * np.pi / length) * p[:, None]
    ky = (2 * np.pi / length) * q[None, :]
    keep = ((np.abs(p)[:, None] <= K) & (q[None, :] <= K)).astype(float)
    lap = kx**2 + ky**2
    g = np.where(lap > 0, 1.0 / np.where(lap > 0, lap, 1.0), 0.0)
    lin = -(nu * lap + drag)
    a = (1 + 0.5 * dt * lin) / (1 - 0.5 * dt * lin)
    b = dt / (1 - 0.5 * dt * lin)
    x = np.arange(n) * (length / n)
    xx, yy = np.meshgrid(x, x, indexing="ij")
    f = 0.1 * (np.sin(2 * np.pi * (xx + yy)) + np.cos(2 * np.pi * (xx + yy)))
    f_h = np.fft.rfft2(f) * keep

    def step(w_h):
        psi_h = g * w_h
        u = np.fft.irfft2(1j * ky * psi_h, s=(n, n))
        v = np.fft.irfft2(-1j * kx * psi_h, s=(n, n))
        w_x = np.fft.irfft2(1j * kx * w_h, s=(n, n))
        w_y = np.fft.irfft2(1j * ky * w_h, s=(n, n))
        n_h = np.fft.rfft2(u * w_x + v * w_y) * keep
        return a * w_h + b * (f_h - n_h)

    w_h = np.fft.rfft2(w0) * keep
    for _ in range(check_steps):
        w_h = step(w_h)
    np.fft.irfft2(w_h, s=(n, n)).astype(np.float64).tofile(args["out_path"])

    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        w_h = step(w_h)
        times.append(time.perf_counter() - t0)

    pair = []
    for _ in range(fft_reps):
        t0 = time.perf_counter()
        c = np.fft.rfft2(w0)
        np.fft.irfft2(c, s=(n, n))
        pair.append(time.perf_counter() - t0)

    print(json.dumps({
        "seconds_per_step": float(np.median(times)),
        "seconds_per_fft2_pair": float(np.median(pair)),
        "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
