"""PyTorch peer of bench/fno_step.ts: one FNO-1D training step on the CPU with one thread.

The model is the FNO reference architecture (Li et al. 2020, fourier_1d.py; neuraloperator's
FNO1d): fc0 lifting of (u, x) to `width` channels, `n_layers` Fourier layers (torch.fft.rfft →
einsum mode mixing on the lowest `n_modes` modes → irfft, plus a 1×1 Conv1d skip, GELU between
layers), fc1 → `projection_channels` → GELU → fc2. Loss: relative L2 (neuraloperator's LpLoss,
mean over the batch). Optimizer: Adam.

Usage: fno_step_torch.py '{"s": 1024, "batch": 20, "width": 64, "n_modes": 16, "n_layers": 4,
"projection_channels": 128, "lr": 1e-3, "steps": 20, "warmup": 3, "threads": 1}'
Prints one JSON line: {"seconds_per_step", "seconds_forward", "torch_version", "threads"}.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SpectralConv1d(nn.Module):
    def __init__(self, in_channels, out_channels, n_modes):
        super().__init__()
        self.out_channels = out_channels
        self.n_modes = n_modes
        scale = 1.0 / (in_channels * out_channels)
        self.weights = nn.Parameter(scale * torch.rand(in_channels, out_channels, n_modes, dtype=torch.cfloat))

    def forward(self, x):
        b, _, s = x.shape
        x_ft = torch.fft.rfft(x)
        out_ft = torch.zeros(b, self.out_channels, s // 2 + 1, dtype=torch.cfloat)
        out_ft[:, :, : self.n_modes] = torch.einsum("bix,iox->box", x_ft[:, :, : self.n_modes], self.weights)
        return torch.fft.irfft(out_ft, n=s)


class FNO1d(nn.Module):
    def __init__(self, n_modes, width, n_layers, in_channels, out_channels, projection_channels):
        super().__init__()
        self.fc0 = nn.Linear(in_channels + 1, width)
        self.convs = nn.ModuleList([SpectralConv1d(width, width, n_modes) for _ in range(n_layers)])
        self.ws = nn.ModuleList([nn.Conv1d(width, width, 1) for _ in range(n_layers)])
        self.fc1 = nn.Linear(width, projection_channels)
        self.fc2 = nn.Linear(projection_channels, out_channels)

    def forward(self, x):
        b, s, _ = x.shape
        grid = (torch.arange(s, dtype=torch.float32) / s).reshape(1, s, 1).repeat(b, 1, 1)
        x = self.fc0(torch.cat((x, grid), dim=-1)).permute(0, 2, 1)
        n = len(self.convs)
        for i, (conv, w) in enumerate(zip(self.convs, self.ws)):
            x = conv(x) + w(x)
            if i < n - 1:
                x = F.gelu(x)
        x = x.permute(0, 2, 1)
        return self.fc2(F.gelu(self.fc1(x)))


def rel_l2(pred, y):
    b = pred.shape[0]
    diff = torch.linalg.norm((pred - y).reshape(b, -1), dim=1)
    return torch.mean(diff / torch.linalg.norm(y.reshape(b, -1), dim=1))


def main():
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    s = int(args.get("s", 1024))
    batch = int(args.get("batch", 20))
    threads = int(args.get("threads", 1))
    steps = int(args.get("steps", 20))
    warmup = int(args.get("warmup", 3))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = FNO1d(int(args.get("n_modes", 16)), int(args.get("width", 64)), int(args.get("n_layers", 4)),
                  1, 1, int(args.get("projection_channels", 128)))
    opt = torch.optim.Adam(model.parameters(), lr=float(args.get("lr", 1e-3)))
    xs = torch.linspace(0, 1, s + 1)[:-1]
    k = torch.arange(1, 9, dtype=torch.float32).reshape(1, 8, 1)
    phase = torch.rand(batch, 8, 1)
    x = torch.sin(2 * torch.pi * (k * xs.reshape(1, 1, s) + phase)).sum(1).reshape(batch, s, 1)
    y = torch.roll(x, 7, dims=1) ** 2

    def step():
        opt.zero_grad()
        loss = rel_l2(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    def median_time(fn, n):
        ts = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        ts.sort()
        return ts[len(ts) // 2]

    for _ in range(warmup):
        step()
    t_step = median_time(step, steps)

    def forward():
        with torch.no_grad():
            model(x).sum().item()

    t_fwd = median_time(forward, steps)
    print(json.dumps({"seconds_per_step": t_step, "seconds_forward": t_fwd,
                      "torch_version": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
