"""PyTorch peer of bench/fno2d_step.ts: one FNO-2D (and optionally FNO-3D) training step on the CPU.

FNO-2D is the reference fourier_2d_time.py / fourier_2d.py architecture (Li et al. 2020): fc0 lifting
of (u_1 … u_in, x, y) to `width` channels, `n_layers` Fourier layers (torch.fft.rfft2 → einsum mode
mixing on the lowest `modes1` |kx| on both sides and the lowest `modes2` ky → irfft2, plus a 1×1
Conv2d skip, GELU between layers), fc1 → `projection_channels` → GELU → fc2. FNO-3D is
fourier_3d.py: the input frames repeated along a new time axis of `out_frames`, (x, y, t) appended,
fc0, the time axis zero-padded by `time_padding`, SpectralConv3d (four corner weight blocks,
rfftn over x, y, t) + 1×1 Conv3d, crop, fc1 → GELU → fc2. Coordinates are j/n ∈ [0, 1) as in the
TypeScript models. Loss: relative L2 (neuraloperator's LpLoss, mean over the batch). Optimizer:
Adam.

Usage: fno2d_step_torch.py '{"model": "fno2d", "s": 64, "batch": 20, "width": 20, "modes": 12,
"n_layers": 4, "in_channels": 10, "out_channels": 1, "projection_channels": 128, "lr": 1e-3,
"steps": 10, "warmup": 2, "threads": 1}' (model "fno3d" takes "modes3", "out_frames",
"time_padding" too).
Prints one JSON line: {"seconds_per_step", "seconds_forward", "parameters", "torch_version",
"threads"}.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SpectralConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, modes1, modes2):
        super().__init__()
        self.out_channels = out_channels
        self.modes1 = modes1
        self.modes2 = modes2
        scale = 1.0 / (in_channels * out_channels)
        self.weights1 = nn.Parameter(scale * torch.rand(in_channels, out_channels, modes1, modes2, dtype=torch.cfloat))
        self.weights2 = nn.Parameter(scale * torch.rand(in_channels, out_channels, modes1, modes2, dtype=torch.cfloat))

    def forward(self, x):
        b, _, sx, sy = x.shape
        m1, m2 = self.modes1, self.modes2
        x_ft = torch.fft.rfft2(x)
        out_ft = torch.zeros(b, self.out_channels, sx, sy // 2 + 1, dtype=torch.cfloat)
        out_ft[:, :, :m1, :m2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, :m1, :m2], self.weights1)
        out_ft[:, :, -m1:, :m2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, -m1:, :m2], self.weights2)
        return torch.fft.irfft2(out_ft, s=(sx, sy))


class SpectralConv3d(nn.Module):
    def __init__(self, in_channels, out_channels, modes1, modes2, modes3):
        super().__init__()
        self.out_channels = out_channels
        self.modes = (modes1, modes2, modes3)
        scale = 1.0 / (in_channels * out_channels)
        self.weights = nn.ParameterList([
            nn.Parameter(scale * torch.rand(in_channels, out_channels, modes1, modes2, modes3, dtype=torch.cfloat))
            for _ in range(4)
        ])

    def forward(self, x):
        b, _, sx, sy, st = x.shape
        m1, m2, m3 = self.modes
        x_ft = torch.fft.rfftn(x, dim=[-3, -2, -1])
        out_ft = torch.zeros(b, self.out_channels, sx, sy, st // 2 + 1, dtype=torch.cfloat)
        mul = lambda a, w: torch.einsum("bixyz,ioxyz->boxyz", a, w)
        out_ft[:, :, :m1, :m2, :m3] = mul(x_ft[:, :, :m1, :m2, :m3], self.weights[0])
        out_ft[:, :, -m1:, :m2, :m3] = mul(x_ft[:, :, -m1:, :m2, :m3], self.weights[1])
        out_ft[:, :, :m1, -m2:, :m3] = mul(x_ft[:, :, :m1, -m2:, :m3], self.weights[2])
        out_ft[:, :, -m1:, -m2:, :m3] = mul(x_ft[:, :, -m1:, -m2:, :m3], self.weights[3])
        return torch.fft.irfftn(out_ft, s=(sx, sy, st))


def coords(n):
    return torch.arange(n, dtype=torch.float32) / n


class FNO2d(nn.Module):
    def __init__(self, modes1, modes2, width, n_layers, in_channels, out_channels, projection_channels):
        super().__init__()
        self.fc0 = nn.Linear(in_channels + 2, width)
        self.convs = nn.ModuleList([SpectralConv2d(width, width, modes1, modes2) for _ in range(n_layers)])
        self.ws = nn.ModuleList([nn.Conv2d(width, width, 1) for _ in range(n_layers)])
        self.fc1 = nn.Linear(width, projection_channels)
        self.fc2 = nn.Linear(projection_channels, out_channels)

    def forward(self, x):
        b, sx, sy, _ = x.shape
        gx = coords(sx).reshape(1, sx, 1, 1).repeat(b, 1, sy, 1)
        gy = coords(sy).reshape(1, 1, sy, 1).repeat(b, sx, 1, 1)
        x = self.fc0(torch.cat((x, gx, gy), dim=-1)).permute(0, 3, 1, 2)
        n = len(self.convs)
        for i, (conv, w) in enumerate(zip(self.convs, self.ws)):
            x = conv(x) + w(x)
            if i < n - 1:
                x = F.gelu(x)
        x = x.permute(0, 2, 3, 1)
        return self.fc2(F.gelu(self.fc1(x)))


class FNO3d(nn.Module):
    def __init__(self, modes1, modes2, modes3, width, n_layers, in_channels, out_frames, time_padding, projection_channels):
        super().__init__()
        self.out_frames = out_frames
        self.padding = time_padding
        self.fc0 = nn.Linear(in_channels + 3, width)
        self.convs = nn.ModuleList([SpectralConv3d(width, width, modes1, modes2, modes3) for _ in range(n_layers)])
        self.ws = nn.ModuleList([nn.Conv3d(width, width, 1) for _ in range(n_layers)])
        self.fc1 = nn.Linear(width, projection_channels)
        self.fc2 = nn.Linear(projection_channels, 1)

    def forward(self, a):
        b, sx, sy, cin = a.shape
        t = self.out_frames
        x = a.reshape(b, sx, sy, 1, cin).repeat([1, 1, 1, t, 1])
        gx = coords(sx).reshape(1, sx, 1, 1, 1).repeat(b, 1, sy, t, 1)
        gy = coords(sy).reshape(1, 1, sy, 1, 1).repeat(b, sx, 1, t, 1)
        gt = coords(t).reshape(1, 1, 1, t, 1).repeat(b, sx, sy, 1, 1)
        x = self.fc0(torch.cat((x, gx, gy, gt), dim=-1)).permute(0, 4, 1, 2, 3)
        if self.padding > 0:
            x = F.pad(x, [0, self.padding])
        n = len(self.convs)
        for i, (conv, w) in enumerate(zip(self.convs, self.ws)):
            x = conv(x) + w(x)
            if i < n - 1:
                x = F.gelu(x)
        if self.padding > 0:
            x = x[..., : -self.padding]
        x = x.permute(0, 2, 3, 4, 1)
        return self.fc2(F.gelu(self.fc1(x))).reshape(b, sx, sy, t)


def rel_l2(pred, y):
    b = pred.shape[0]
    diff = torch.linalg.norm((pred - y).reshape(b, -1), dim=1)
    return torch.mean(diff / torch.linalg.norm(y.reshape(b, -1), dim=1))


def smooth_inputs(batch, s, channels):
    """Sums of 4 random-phase plane waves with |k| ≤ 3 per channel: [batch, s, s, channels]."""
    xs = coords(s)
    gx, gy = xs.reshape(s, 1), xs.reshape(1, s)
    out = torch.zeros(batch, s, s, channels)
    for b in range(batch):
        for c in range(channels):
            for _ in range(4):
                kx, ky = torch.randint(-3, 4, (2,)).tolist()
                phase = torch.rand(1).item()
                out[b, :, :, c] += torch.sin(2 * torch.pi * (kx * gx + ky * gy + phase))
    return out


def main():
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    kind = args.get("model", "fno2d")
    s = int(args.get("s", 64))
    batch = int(args.get("batch", 20))
    threads = int(args.get("threads", 1))
    steps = int(args.get("steps", 10))
    warmup = int(args.get("warmup", 2))
    in_channels = int(args.get("in_channels", 10))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    modes = int(args.get("modes", 12))
    if kind == "fno2d":
        model = FNO2d(modes, modes, int(args.get("width", 20)), int(args.get("n_layers", 4)), in_channels,
                      int(args.get("out_channels", 1)), int(args.get("projection_channels", 128)))
        x = smooth_inputs(batch, s, in_channels)
        y = torch.roll(x[..., :1], 3, dims=1) ** 2
    else:
        out_frames = int(args.get("out_frames", 10))
        model = FNO3d(modes, modes, int(args.get("modes3", modes)), int(args.get("width", 20)), int(args.get("n_layers", 4)),
                      in_channels, out_frames, int(args.get("time_padding", 6)), int(args.get("projection_channels", 128)))
        x = smooth_inputs(batch, s, in_channels)
        y = torch.roll(x[..., :out_frames], 3, dims=1) ** 2
    opt = torch.optim.Adam(model.parameters(), lr=float(args.get("lr", 1e-3)))
    parameters = sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())

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
    print(json.dumps({"seconds_per_step": t_step, "seconds_forward": t_fwd, "parameters": parameters,
                      "torch_version": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
