"""NumPy peer for bench/burgers_fv.ts: WENO5-JS + Rusanov + SSP-RK3, inviscid periodic Burgers.

Same scheme as solvers/burgers/finite_volume.ts (reconstruction 'weno5', flux 'rusanov', nu = 0),
fully vectorised over the grid with slicing of a ghost-padded array (no Python loop over cells).

Argument: one JSON object, e.g. {"n": 8192, "steps": 200, "reps": 3, "dt": 1e-5}
  n      cells on [0, 1), cell centres x_i = (i + 1/2)/n
  steps  SSP-RK3 steps per timed run
  reps   timed runs (each from the same initial condition); the median is reported
  dt     fixed step (default 0.4*dx/max|u0|)
Initial condition (point values at cell centres): u0 = 0.5 + sin(2 pi x) + 0.3 cos(6 pi x).
Prints one JSON line: cell_updates_per_s, seconds_per_step, and checksums of the final state
(l1 = sum|u| dx, l2 = sum u^2 dx, c1 = sum u cos(2 pi x) dx) for comparison with ours.
"""

import json
import sys
import time

import numpy as np

EPS = 1e-6


def rhs(u, dx):
    up = np.concatenate((u[-2:], u, u[:2]))
    um2, um1, u0, up1, up2 = up[:-4], up[1:-3], up[2:-2], up[3:-1], up[4:]
    b0 = 13.0 / 12.0 * (um2 - 2 * um1 + u0) ** 2 + 0.25 * (um2 - 4 * um1 + 3 * u0) ** 2
    b1 = 13.0 / 12.0 * (um1 - 2 * u0 + up1) ** 2 + 0.25 * (um1 - up1) ** 2
    b2 = 13.0 / 12.0 * (u0 - 2 * up1 + up2) ** 2 + 0.25 * (3 * u0 - 4 * up1 + up2) ** 2
    g0 = 1.0 / (EPS + b0) ** 2
    g1 = 1.0 / (EPS + b1) ** 2
    g2 = 1.0 / (EPS + b2) ** 2
    # value at the right face x_{i+1/2} of cell i (left state of that face)
    a0, a1, a2 = 0.1 * g0, 0.6 * g1, 0.3 * g2
    vr = (a0 * (2 * um2 - 7 * um1 + 11 * u0) + a1 * (-um1 + 5 * u0 + 2 * up1) + a2 * (2 * u0 + 5 * up1 - up2)) / (
        6.0 * (a0 + a1 + a2)
    )
    # value at the left face x_{i-1/2} of cell i (right state of that face)
    a0, a1, a2 = 0.3 * g0, 0.6 * g1, 0.1 * g2
    vl = (a0 * (-um2 + 5 * um1 + 2 * u0) + a1 * (2 * um1 + 5 * u0 - up1) + a2 * (11 * u0 - 7 * up1 + 2 * up2)) / (
        6.0 * (a0 + a1 + a2)
    )
    ul = vr
    ur = np.roll(vl, -1)
    a = np.maximum(np.abs(ul), np.abs(ur))
    flux = 0.25 * (ul * ul + ur * ur) - 0.5 * a * (ur - ul)  # flux at x_{i+1/2}
    return (np.roll(flux, 1) - flux) / dx


def ssp_rk3(u, dt, dx):
    u1 = u + dt * rhs(u, dx)
    u2 = 0.75 * u + 0.25 * (u1 + dt * rhs(u1, dx))
    return u / 3.0 + 2.0 / 3.0 * (u2 + dt * rhs(u2, dx))


def main():
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    n = int(args.get("n", 8192))
    steps = int(args.get("steps", 200))
    reps = int(args.get("reps", 3))
    dx = 1.0 / n
    x = (np.arange(n) + 0.5) * dx
    u0 = 0.5 + np.sin(2 * np.pi * x) + 0.3 * np.cos(6 * np.pi * x)
    dt = float(args.get("dt", 0.4 * dx / np.max(np.abs(u0))))

    u = ssp_rk3(u0, dt, dx)  # warm-up
    times = []
    for _ in range(reps):
        u = u0.copy()
        t0 = time.perf_counter()
        for _ in range(steps):
            u = ssp_rk3(u, dt, dx)
        times.append(time.perf_counter() - t0)
    times.sort()
    sec = times[len(times) // 2]
    print(
        json.dumps(
            {
                "cell_updates_per_s": n * steps / sec,
                "seconds_per_step": sec / steps,
                "l1": float(np.sum(np.abs(u)) * dx),
                "l2": float(np.sum(u * u) * dx),
                "c1": float(np.sum(u * np.cos(2 * np.pi * x)) * dx),
            }
        )
    )


if __name__ == "__main__":
    main()
