#!/usr/bin/env python3
"""PyTorch reference for the backend table of `npm run bench` (bench/backends-report.ts) and the
GPU table of bench/gpu (--device cuda).

Trains the same networks as bench/backends.ts (the issue's nets A and B, and PyTorch versions of
the zoo models in src/core/zoo.ts) on random data: one step = forward, cross-entropy, backward,
Adam, loss read back. Median (and minimum) ms per step after warm-up steps, on --threads CPU
threads (torch.set_num_threads; the caller also sets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, which
must be fixed before torch loads) or on a CUDA device. Prints one JSON object on stdout.

  python3 bench/pytorch_reference.py --nets net-A:32,net-B:64,resnet8:32 --warmup 2 --steps 10
  python3 bench/pytorch_reference.py --device cuda --nets net-A:32

Needs only torch (Debian: apt-get install python3-torch libopenblas0-pthread).
"""
import argparse
import json
import math
import os
import platform
import re
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SameConv(nn.Module):
    """Conv without bias, padded like TensorFlow's 'same' (extra row/column at the bottom/right)."""

    def __init__(self, cin, cout, kernel, stride=1, groups=1):
        super().__init__()
        self.kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
        self.stride = stride
        self.conv = nn.Conv2d(cin, cout, self.kernel, stride, 0, bias=False, groups=groups)

    def forward(self, x):
        pads = []
        for size, k in zip(reversed(x.shape[2:]), reversed(self.kernel)):
            out = math.ceil(size / self.stride)
            total = max((out - 1) * self.stride + k - size, 0)
            pads += [total // 2, total - total // 2]
        if any(pads):
            x = F.pad(x, pads)
        return self.conv(x)


def conv_bn_relu(cin, cout, kernel, stride=1, act=nn.ReLU):
    return nn.Sequential(SameConv(cin, cout, kernel, stride), nn.BatchNorm2d(cout), act())


class Gap(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


def issue_net(cin, filters, classes=10):
    layers, c = [], cin
    for i, f in enumerate(filters):
        layers.append(conv_bn_relu(c, f, 3, 1 if i == 0 else 2))
        c = f
    return nn.Sequential(*layers, Gap(), nn.Linear(c, classes))


def mnist_cnn(shape, classes):
    h, w, c = shape
    return nn.Sequential(
        conv_bn_relu(c, 32, 3), conv_bn_relu(32, 32, 3), nn.MaxPool2d(2),
        conv_bn_relu(32, 64, 3), conv_bn_relu(64, 64, 3), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * (h // 4) * (w // 4), 128), nn.BatchNorm1d(128), nn.ReLU(),
        nn.Linear(128, classes),
    )


def tiny_cnn(shape, classes):
    return nn.Sequential(
        conv_bn_relu(shape[2], 8, 3, 2), conv_bn_relu(8, 16, 3, 2), Gap(), nn.Linear(16, classes)
    )


def vgg_cifar(shape, classes):
    layers, c = [], shape[2]
    for f in (32, 64, 128):
        layers += [conv_bn_relu(c, f, 3), conv_bn_relu(f, f, 3), nn.MaxPool2d(2)]
        c = f
    return nn.Sequential(*layers, Gap(), nn.Linear(c, classes))


def ds_cnn(shape, classes):
    layers = [conv_bn_relu(shape[2], 64, (10, 4), 2)]
    for _ in range(4):
        layers += [
            nn.Sequential(SameConv(64, 64, 3, groups=64), nn.BatchNorm2d(64), nn.ReLU()),
            conv_bn_relu(64, 64, 1),
        ]
    return nn.Sequential(*layers, Gap(), nn.Linear(64, classes))


class InvertedResidual(nn.Module):
    def __init__(self, cin, expand, out, stride, residual):
        super().__init__()
        self.residual = residual
        self.body = nn.Sequential(
            conv_bn_relu(cin, expand, 1, 1, nn.ReLU6),
            nn.Sequential(
                SameConv(expand, expand, 3, stride, groups=expand), nn.BatchNorm2d(expand), nn.ReLU6()
            ),
            SameConv(expand, out, 1), nn.BatchNorm2d(out),
        )

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def mobilenetv2(shape, classes):
    return nn.Sequential(
        conv_bn_relu(shape[2], 16, 3, 2, nn.ReLU6),
        InvertedResidual(16, 32, 16, 1, True),
        InvertedResidual(16, 64, 24, 2, False),
        InvertedResidual(24, 72, 24, 1, True),
        InvertedResidual(24, 96, 32, 2, False),
        InvertedResidual(32, 128, 32, 1, True),
        conv_bn_relu(32, 128, 1, 1, nn.ReLU6), Gap(), nn.Linear(128, classes),
    )


class ResStack(nn.Module):
    def __init__(self, cin, filters, stride):
        super().__init__()
        self.body = nn.Sequential(
            conv_bn_relu(cin, filters, 3, stride), SameConv(filters, filters, 3), nn.BatchNorm2d(filters)
        )
        self.shortcut = nn.Identity() if stride == 1 else SameConv(cin, filters, 1, stride)

    def forward(self, x):
        return F.relu(self.shortcut(x) + self.body(x))


def resnet8(shape, classes):
    return nn.Sequential(
        conv_bn_relu(shape[2], 16, 3), ResStack(16, 16, 1), ResStack(16, 32, 2), ResStack(32, 64, 2),
        Gap(), nn.Linear(64, classes),
    )


# id: (input H×W×C, classes, builder) — the zoo's default inputs and classes.
NETS = {
    "net-A": ((28, 28, 1), 10, lambda s, k: issue_net(s[2], (16, 32, 32), k)),
    "net-B": ((32, 32, 3), 10, lambda s, k: issue_net(s[2], (32, 64, 64), k)),
    "mnist-cnn": ((28, 28, 1), 10, mnist_cnn),
    "tiny-cnn": ((16, 16, 1), 4, tiny_cnn),
    "vgg-cifar": ((32, 32, 3), 10, vgg_cifar),
    "ds-cnn": ((49, 10, 1), 12, ds_cnn),
    "mobilenetv2": ((32, 32, 3), 10, mobilenetv2),
    "resnet8": ((32, 32, 3), 10, resnet8),
}


def time_net(net, batch, warmup, steps, device="cpu"):
    shape, classes, build = NETS[net]
    torch.manual_seed(1)
    model = build(shape, classes).train().to(device)
    x = torch.rand(batch, shape[2], shape[0], shape[1], device=device)
    y = torch.randint(0, classes, (batch,), device=device)
    cuda = device.startswith("cuda")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.002)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        if cuda:
            torch.cuda.synchronize()
        began = time.perf_counter()
        step()  # loss.item() waits for the step; the synchronize makes sure of it
        if cuda:
            torch.cuda.synchronize()
        times.append((time.perf_counter() - began) * 1000)
    return {
        "net": net,
        "batch": batch,
        "warmupSteps": warmup,
        "steps": steps,
        "stepMs": statistics.median(times),
        "minMs": min(times),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nets", default="net-A:32,net-B:64", help="id:batch,… (ids: %s)" % ", ".join(NETS))
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (cuda:N)")
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit(
            "pytorch_reference.py: --device %s asked for, but this torch %s has no usable CUDA "
            "(torch.version.cuda=%s, no device visible)" % (args.device, torch.__version__, torch.version.cuda)
        )
    if args.device != "cpu" and not args.device.startswith("cuda"):
        sys.exit("pytorch_reference.py: --device must be cpu or cuda[:N], not %r" % args.device)
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    results = []
    for item in args.nets.split(","):
        net, _, batch = item.partition(":")
        if net not in NETS:
            results.append({"net": net, "batch": int(batch or 0), "error": "no PyTorch version of this network"})
            continue
        try:
            results.append(time_net(net, int(batch), args.warmup, args.steps, args.device))
        except Exception as error:  # report, go on with the other networks
            results.append({"net": net, "batch": int(batch), "error": str(error)})
        print(f"{net}: {results[-1]}", file=sys.stderr)
    match = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    blas = match.group(1) if match else ""
    libblas = "/usr/lib/%s-linux-gnu/libblas.so.3" % platform.machine()
    if os.path.exists(libblas):  # Debian: which BLAS the alternatives system points at
        blas += " (" + os.path.realpath(libblas) + ")"
    device = "cpu" if args.device == "cpu" else "cuda %s (CUDA %s, cuDNN %s)" % (
        torch.cuda.get_device_name(torch.device(args.device)),
        torch.version.cuda,
        torch.backends.cudnn.version(),
    )
    thread_env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ}
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "device": device,
                "threadEnv": thread_env,
                "python": platform.python_version(),
                "executable": sys.executable,
                "threads": torch.get_num_threads(),
                "blas": blas,
                "mkldnn": bool(torch.backends.mkldnn.is_available()),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
