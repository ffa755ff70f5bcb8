"""NumPy peer of bench/projection.ts: ProbConserv's conservation update, written as the formula.

  mu' = mu - S G^T (G S G^T + s^2 I)^-1 (G mu - b),   S' = S - S G^T (G S G^T + s^2 I)^-1 G S

(1) dense: S is a full N x N matrix (N = nt * nx, frame-major), G the T x N matrix whose row t
holds the cell widths on frame t's points; numpy.linalg.solve on the T x T system.
(2) diag batch: S = diag(v) per sample, frames decouple; vectorised over [samples, frames, points].
Reads one JSON argument (inputs as float64 files named in it; outputs written to the *_out paths);
prints one JSON line of timings (median seconds).
"""
import json
import sys
import time

import numpy as np


def median_time(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


def main():
    a = json.loads(sys.argv[1])
    out = {"numpy": np.__version__}

    nt, nx = a["dense_nt"], a["dense_nx"]
    n = nt * nx
    S = np.fromfile(a["dense_cov"], dtype=np.float64).reshape(n, n)
    mu = np.fromfile(a["dense_mu"], dtype=np.float64)
    w = np.fromfile(a["dense_w"], dtype=np.float64)
    b = np.fromfile(a["dense_b"], dtype=np.float64)
    G = np.zeros((nt, n))
    for t in range(nt):
        G[t, t * nx:(t + 1) * nx] = w
    res = {}

    def dense():
        K = S @ G.T
        A = G @ K
        res["mu"] = mu - K @ np.linalg.solve(A, G @ mu - b)
        res["cov"] = S - K @ np.linalg.solve(A, K.T)

    out["dense_seconds"] = median_time(dense, a["dense_reps"])
    res["mu"].tofile(a["dense_mu_out"])
    np.diag(res["cov"]).copy().tofile(a["dense_var_out"])

    ns, nt2, nx2 = a["batch_samples"], a["batch_nt"], a["batch_nx"]
    m = np.fromfile(a["batch_mu"], dtype=np.float64).reshape(ns, nt2, nx2)
    v = np.fromfile(a["batch_var"], dtype=np.float64).reshape(ns, nt2, nx2)
    bb = np.fromfile(a["batch_b"], dtype=np.float64).reshape(ns, nt2)
    w2 = np.fromfile(a["batch_w"], dtype=np.float64)

    def batch():
        g = (v * w2 * w2).sum(-1)
        r = (m * w2).sum(-1) - bb
        vw = v * w2
        res["bmu"] = m - vw * (r / g)[..., None]
        res["bvar"] = v - vw * vw / g[..., None]

    out["batch_seconds"] = median_time(batch, a["batch_reps"])
    res["bmu"].tofile(a["batch_mu_out"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
