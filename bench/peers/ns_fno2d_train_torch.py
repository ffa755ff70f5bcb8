"""PyTorch peer of bench/ns_accuracy.ts: FNO-2D trained recurrently on a Navier–Stokes dataset.

Same data, model, budget and protocol as the TypeScript run, so the two test errors compare:
- data: the HDF5 file our `pdes generate` wrote ([N, T, X, Y] float32, h5py); the first
  `n_train` samples train, the last `n_test` test (our split with shuffle off);
- model: the FNO reference FNO-2D (Li et al. 2020, ns_fourier_2d_time.py): fc0 lifting of the
  `history` frames plus (x, y) to `width` channels, `n_layers` Fourier layers (rfft2, the lowest
  `modes` |kx| on both sides and `modes` ky mixed by complex weights, irfft2, plus a 1×1 skip,
  GELU between layers), fc1 → 128 → GELU → fc2 → one frame;
- training: teacher forcing on every window (frames t−history … t−1 → frame t, t < n_frames),
  no normalisation (as the reference), relative-L2 loss (LpLoss, mean over the batch), Adam
  (lr, weight decay 1e-4), StepLR, batch `batch`, shuffled each epoch;
- evaluation: from the first `history` frames of each test sample, roll out to the last frame;
  relative L2 per sample over all rolled-out frames, then the mean over samples; plus the
  per-frame mean.

Usage: ns_fno2d_train_torch.py '{"data": "...h5", "n_train": 200, "n_test": 50, "history": 10,
"n_frames": 20, "epochs": 100, "batch": 20, "lr": 1e-3, "step_size": 25, "gamma": 0.5,
"width": 20, "modes": 12, "n_layers": 4, "seed": 0, "threads": 1}'
Prints one JSON line: {"test_rel_l2", "per_frame", "train_seconds", "last_train_loss"}.
"""
import json
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SpectralConv2d(nn.Module):
    def __init__(self, cin, cout, m1, m2):
        super().__init__()
        self.cout, self.m1, self.m2 = cout, m1, m2
        scale = 1.0 / (cin * cout)
        self.w1 = nn.Parameter(scale * torch.rand(cin, cout, m1, m2, dtype=torch.cfloat))
        self.w2 = nn.Parameter(scale * torch.rand(cin, cout, m1, m2, dtype=torch.cfloat))

    def forward(self, x):
        b, _, sx, sy = x.shape
        x_ft = torch.fft.rfft2(x)
        out = torch.zeros(b, self.cout, sx, sy // 2 + 1, dtype=torch.cfloat)
        out[:, :, : self.m1, : self.m2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, : self.m1, : self.m2], self.w1)
        out[:, :, -self.m1 :, : self.m2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, -self.m1 :, : self.m2], self.w2)
        return torch.fft.irfft2(out, s=(sx, sy))


class FNO2d(nn.Module):
    def __init__(self, modes, width, n_layers, history):
        super().__init__()
        self.fc0 = nn.Linear(history + 2, width)
        self.convs = nn.ModuleList([SpectralConv2d(width, width, modes, modes) for _ in range(n_layers)])
        self.ws = nn.ModuleList([nn.Conv2d(width, width, 1) for _ in range(n_layers)])
        self.fc1 = nn.Linear(width, 128)
        self.fc2 = nn.Linear(128, 1)

    def forward(self, x):
        b, sx, sy, _ = x.shape
        gx = (torch.arange(sx, dtype=torch.float32) / sx).reshape(1, sx, 1, 1).repeat(b, 1, sy, 1)
        gy = (torch.arange(sy, dtype=torch.float32) / sy).reshape(1, 1, sy, 1).repeat(b, sx, 1, 1)
        x = self.fc0(torch.cat((x, gx, gy), dim=-1)).permute(0, 3, 1, 2)
        n = len(self.convs)
        for i, (conv, w) in enumerate(zip(self.convs, self.ws)):
            x = conv(x) + w(x)
            if i < n - 1:
                x = F.gelu(x)
        x = x.permute(0, 2, 3, 1)
        return self.fc2(F.gelu(self.fc1(x)))


def rel_l2(pred, y):
    b = pred.shape[0]
    diff = torch.norm(pred.reshape(b, -1) - y.reshape(b, -1), 2, 1)
    return torch.mean(diff / torch.norm(y.reshape(b, -1), 2, 1))


def main():
    p = json.loads(sys.argv[1])
    torch.set_num_threads(p.get("threads", 1))
    torch.manual_seed(p.get("seed", 0))
    rng = np.random.default_rng(p.get("seed", 0))
    with h5py.File(p["data"], "r") as f:
        u = np.asarray(f["tensor"][:, : p["n_frames"]], dtype=np.float32)  # [N, T, X, Y]
    n = u.shape[0]
    u = torch.from_numpy(np.ascontiguousarray(u.transpose(0, 2, 3, 1)))  # [N, X, Y, T]
    train = u[: p["n_train"]]
    test = u[n - p["n_test"] :]
    k = p["history"]
    nt = p["n_frames"]
    # Every window of every training sample: inputs [k frames], target the next frame.
    xs = torch.cat([train[..., t - k : t] for t in range(k, nt)], 0)
    ys = torch.cat([train[..., t : t + 1] for t in range(k, nt)], 0)
    model = FNO2d(p["modes"], p["width"], p["n_layers"], k)
    opt = torch.optim.Adam(model.parameters(), lr=p["lr"], weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=p["step_size"], gamma=p["gamma"])
    t0 = time.perf_counter()
    last = float("nan")
    for _ in range(p["epochs"]):
        perm = torch.from_numpy(rng.permutation(xs.shape[0]))
        total, count = 0.0, 0
        for i in range(0, xs.shape[0], p["batch"]):
            idx = perm[i : i + p["batch"]]
            opt.zero_grad()
            loss = rel_l2(model(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
            total += loss.item() * idx.shape[0]
            count += idx.shape[0]
        sched.step()
        last = total / count
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        window = test[..., :k]
        preds = []
        for _ in range(k, nt):
            y = model(window)
            preds.append(y)
            window = torch.cat((window[..., 1:], y), -1)
        pred = torch.cat(preds, -1)
        truth = test[..., k:nt]
        b = pred.shape[0]
        per_sample = torch.norm((pred - truth).reshape(b, -1), 2, 1) / torch.norm(truth.reshape(b, -1), 2, 1)
        per_frame = [
            float(torch.mean(torch.norm((pred[..., j] - truth[..., j]).reshape(b, -1), 2, 1) / torch.norm(truth[..., j].reshape(b, -1), 2, 1)))
            for j in range(nt - k)
        ]
    print(json.dumps({"test_rel_l2": float(per_sample.mean()), "per_frame": per_frame, "train_seconds": seconds, "last_train_loss": last, "torch_version": torch.__version__}))


if __name__ == "__main__":
    main()
