"""PyTorch peer of bench/fno_accuracy.ts (fno_accuracy_ref): the FNO reference training of FNO-1D on Burgers.

The protocol of the FNO repository's fourier_1d.py (zongyi-li/fourier_neural_operator, last
revision e12ed83d), written anew for our files:
- data: the HDF5 file `pdes generate burgers-fno-ref` wrote ([N, T, X] float32, read with h5py);
  input u(t=0) (frame 0), target u(T) (last frame), every `sub`-th point; the samples
  `train_indices` train and `test_indices` test — the indices our trainer used, passed by the
  bench (with shuffle off: the first n_train and the last n_test, as the reference's
  x_data[:ntrain], x_data[-ntest:]); no normalisation (the reference has none for Burgers);
- model: the reference FNO1d: the input a(x) with the grid coordinate linspace(0, 1, s) appended,
  fc0 = Linear(2, width); `n_layers` Fourier layers v ← conv(v) + w(v) (conv: rfft, the lowest
  `modes` modes mixed by complex weights scale·rand(in, out, modes) with scale = 1/(in·out), the
  rest zero, irfft; w: 1×1 Conv1d), GELU after all but the last; fc1 = Linear(width, 128), GELU,
  fc2 = Linear(128, 1); PyTorch's default initialisation elsewhere;
- training: Adam (lr, weight_decay 1e-4 added to the gradient before the moments),
  StepLR(step_size, gamma) stepped once per epoch, batch `batch` shuffled every epoch, loss =
  relative L2 per sample (LpLoss.rel, p = 2) **summed over the batch** (LpLoss(size_average=False),
  as the reference) — so its gradient is `batch` times that of the batch mean, and its weight
  decay acts `batch` times weaker relative to it. `adam`: "torch" (default) is torch.optim.Adam,
  which keeps one second moment per real and imaginary part of a complex weight, as our
  optimizer does on its (re, im) weights; "modulus" is what the repository's own Adam.py
  computes (one second moment of |g|² per complex entry; the same on real weights);
- evaluation: relative L2 ‖pred − y‖₂/‖y‖₂ per test sample, then the mean (the reference's
  test_l2 / ntest; our evaluate's relL2 on a uniform periodic grid).

Usage: fno1d_train_torch.py '{"data": "...h5", "train_indices": [0, ..., 999], "test_indices":
[1000, ..., 1099], "epochs": 500,
"batch": 20, "lr": 1e-3, "weight_decay": 1e-4, "step_size": 50, "gamma": 0.5, "width": 64,
"modes": 16, "n_layers": 4, "sub": 1, "seed": 0, "threads": 1, "adam": "torch"}'
Prints one JSON line: {"test_rel_l2", "train_seconds", "seconds_per_epoch", "last_train_loss",
"torch_version"}.
"""
import json
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SpectralConv1d(nn.Module):
    def __init__(self, cin, cout, modes):
        super().__init__()
        self.cout, self.modes = cout, modes
        self.weight = nn.Parameter(torch.rand(cin, cout, modes, dtype=torch.cfloat) / (cin * cout))

    def forward(self, v):
        b, _, s = v.shape
        v_hat = torch.fft.rfft(v)
        out = torch.zeros(b, self.cout, s // 2 + 1, dtype=torch.cfloat)
        out[:, :, : self.modes] = torch.einsum("bix,iox->box", v_hat[:, :, : self.modes], self.weight)
        return torch.fft.irfft(out, n=s)


class FNO1d(nn.Module):
    def __init__(self, modes, width, n_layers):
        super().__init__()
        self.fc0 = nn.Linear(2, width)
        self.convs = nn.ModuleList([SpectralConv1d(width, width, modes) for _ in range(n_layers)])
        self.ws = nn.ModuleList([nn.Conv1d(width, width, 1) for _ in range(n_layers)])
        self.fc1 = nn.Linear(width, 128)
        self.fc2 = nn.Linear(128, 1)

    def forward(self, a):
        b, s, _ = a.shape
        x = torch.linspace(0, 1, s, dtype=torch.float32).reshape(1, s, 1).repeat(b, 1, 1)
        v = self.fc0(torch.cat((a, x), dim=-1)).permute(0, 2, 1)
        n = len(self.convs)
        for i, (conv, w) in enumerate(zip(self.convs, self.ws)):
            v = conv(v) + w(v)
            if i < n - 1:
                v = F.gelu(v)
        v = v.permute(0, 2, 1)
        return self.fc2(F.gelu(self.fc1(v)))


class ModulusAdam(torch.optim.Optimizer):
    """Adam as the FNO repository's Adam.py computes it (fourier_1d.py imports it): λ·θ added to the
    gradient, and for a complex weight one second moment per entry, of |g|² = g_re² + g_im²
    (`exp_avg_sq.addcmul_(grad, grad.conj())`), where torch.optim.Adam (and our optimizer) keeps
    one per real and imaginary part. Identical to torch.optim.Adam on real weights."""

    def __init__(self, params, lr, weight_decay, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.add(p, alpha=group["weight_decay"])
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros(p.shape, dtype=torch.float32)
                state["step"] += 1
                t = state["step"]
                state["m"].mul_(beta1).add_(g, alpha=1 - beta1)
                g2 = g.real.square() + g.imag.square() if p.is_complex() else g.square()
                state["v"].mul_(beta2).add_(g2, alpha=1 - beta2)
                denom = (state["v"].sqrt() / (1 - beta2**t) ** 0.5).add_(group["eps"])
                p.add_(state["m"] / denom, alpha=-group["lr"] / (1 - beta1**t))


def rel_l2_per_sample(pred, y):
    b = pred.shape[0]
    return torch.norm(pred.reshape(b, -1) - y.reshape(b, -1), 2, 1) / torch.norm(y.reshape(b, -1), 2, 1)


def main():
    p = json.loads(sys.argv[1])
    torch.set_num_threads(p.get("threads", 1))
    torch.manual_seed(p.get("seed", 0))
    sub = p.get("sub", 1)
    train_idx, test_idx = p["train_indices"], p["test_indices"]
    with h5py.File(p["data"], "r") as f:
        ds = f["tensor"]
        n = ds.shape[0]
        for name, idx in (("train_indices", train_idx), ("test_indices", test_idx)):
            if not idx or sorted(set(idx)) != idx or idx[0] < 0 or idx[-1] >= n:
                raise SystemExit(f"{name} must be ascending distinct sample indices in [0, {n})")
        if set(train_idx) & set(test_idx):
            raise SystemExit("train_indices and test_indices overlap")
        first = np.asarray(ds[train_idx], dtype=np.float32)
        last = np.asarray(ds[test_idx], dtype=np.float32)

    def to_pair(u):
        """[N, T, X] → input u(0) and target u(T), every sub-th point, each [N, s, 1]."""
        return tuple(torch.from_numpy(np.ascontiguousarray(u[:, k, ::sub, None])) for k in (0, -1))

    x_train, y_train = to_pair(first)
    x_test, y_test = to_pair(last)
    n_train, n_test = len(train_idx), len(test_idx)
    batch = p["batch"]
    if n_train % batch != 0:
        raise SystemExit(f"n_train={n_train} is not a multiple of batch={batch}: the reference's summed loss assumes full batches")
    model = FNO1d(p["modes"], p["width"], p["n_layers"])
    adam = p.get("adam", "torch")
    if adam == "torch":
        opt = torch.optim.Adam(model.parameters(), lr=p["lr"], weight_decay=p.get("weight_decay", 1e-4))
    elif adam == "modulus":
        opt = ModulusAdam(model.parameters(), lr=p["lr"], weight_decay=p.get("weight_decay", 1e-4))
    else:
        raise SystemExit(f"adam={adam!r} is not allowed: use 'torch' or 'modulus'")
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=p["step_size"], gamma=p["gamma"])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train), batch_size=batch, shuffle=True)
    t0 = time.perf_counter()
    last_loss = float("nan")
    for _ in range(p["epochs"]):
        model.train()
        total = 0.0
        for x, y in loader:
            opt.zero_grad()
            loss = rel_l2_per_sample(model(x), y).sum()
            loss.backward()
            opt.step()
            total += loss.item()
        sched.step()
        last_loss = total / n_train
    seconds = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        errs = torch.cat([rel_l2_per_sample(model(x_test[i : i + batch]), y_test[i : i + batch]) for i in range(0, n_test, batch)])
    print(
        json.dumps(
            {
                "test_rel_l2": float(errs.mean()),
                "train_seconds": seconds,
                "seconds_per_epoch": seconds / max(1, p["epochs"]),
                "last_train_loss": last_loss,
                "torch_version": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
