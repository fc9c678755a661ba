"""Train the model only when its inputs changed; print the model's path.

The cache key is a hash of everything that shapes the model: config, domain,
training data, the custom policy code, Tandem's Rasa extensions (the policies use
them, and training runs through them) and the Rasa version. A model for a key
that was trained before is reused, so `make run` and `make test` train at
most once per change.

Usage: python -m scripts.train [--config config.yml] [--out models] [--name prefix]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from rasa_extensions.cli import command as rasa_command

ROOT = Path(__file__).resolve().parent.parent
# What `rasa train --data` reads, and everything else the model depends on.
TRAINING_DATA = ["data/nlu", "data/rules", "data/stories"]
TRAINING_INPUTS = ["domain.yml", *TRAINING_DATA, "data/escalation.yml", "data/risks.yml", "policies", "rasa_extensions"]


def input_files(config: Path) -> list[Path]:
    files = [config]
    for entry in TRAINING_INPUTS:
        path = ROOT / entry
        files += sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
    return files


def inputs_hash(config: Path) -> str:
    import rasa

    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
    for path in input_files(config):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--out", default="models")
    parser.add_argument("--name", default="tandem")
    args = parser.parse_args()

    config = (ROOT / args.config).resolve()
    out = ROOT / args.out
    model = out / f"{args.name}-{inputs_hash(config)}.tar.gz"
    if model.exists():
        print(f"train: inputs unchanged, reusing {model.relative_to(ROOT)}", file=sys.stderr)
        print(model)
        return 0

    out.mkdir(parents=True, exist_ok=True)
    print(f"train: training {model.relative_to(ROOT)} (1-2 minutes)", file=sys.stderr)
    # Rasa appends .tar.gz to --fixed-model-name.
    partial_stem = f".partial-{model.name.removesuffix('.tar.gz')}"
    result = subprocess.run(
        rasa_command(
            "train",
            "--config",
            str(config),
            "--domain",
            str(ROOT / "domain.yml"),
            "--data",
            *[str(ROOT / entry) for entry in TRAINING_DATA],
            "--out",
            str(out),
            "--fixed-model-name",
            partial_stem,
        ),
        cwd=ROOT,
        stdout=sys.stderr,
        # Rasa's own training cache keys a policy by its config and the stories, not by
        # files it reads itself (data/escalation.yml); our hash above is the cache instead.
        env={**os.environ, "RASA_MAX_CACHE_SIZE": "0"},
    )
    if result.returncode != 0:
        print("train: training failed; see the output above", file=sys.stderr)
        return result.returncode
    # Rename only when complete, so an interrupted run never leaves a model
    # that a later run would trust.
    (out / f"{partial_stem}.tar.gz").rename(model)
    print(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
