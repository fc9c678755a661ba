"""The sentence encoder: pinned files only, unit vectors, paraphrases close, and the int8 export true to the original."""

from __future__ import annotations

import json
import math
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from policies import embedding_model
from policies.embedding_model import EmbeddingModelError, ModelSpec, load_encoder, verified_path
from scripts.stack import ROOT


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


@pytest.fixture(scope="module")
def spec():
    return ModelSpec.load()


def test_embeddings_are_unit_rows_of_the_pinned_dimension(encoder, spec):
    texts = ["where is my order", "", "😀", "x" * 10_000, "¿dónde está mi pedido?"]

    vectors = encoder.embed(texts)

    assert vectors.shape == (len(texts), spec.dimension) == (5, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(vectors).all()


def test_a_text_gets_the_same_vector_alone_and_in_a_padded_batch(encoder):
    texts = ["hi", "my parcel never came and nobody answers my emails, what is going on", "refund please"]

    batched = encoder.embed(texts, batch_size=3)

    for text, row in zip(texts, batched, strict=True):
        assert np.allclose(encoder.embed([text])[0], row, atol=1e-5)
        assert np.allclose(encoder.embed_one(text), row, atol=1e-5)


def test_an_empty_batch_is_an_empty_matrix(encoder):
    assert encoder.embed([]).shape == (0, 384)


@pytest.mark.parametrize(
    ("text", "paraphrase", "unrelated"),
    [
        ("where is my parcel", "when will the package arrive", "how do I delete my account"),
        ("I need a human", "let me talk to someone real", "where is my parcel"),
        ("how do I return a jacket", "can this coat go back", "I forgot my password"),
        ("my card was declined", "payment didn't go through", "thanks a lot"),
        ("thanks a lot", "cheers, much appreciated", "my card was declined"),
    ],
    ids=["delivery", "human", "return", "payment", "thanks"],
)
def test_paraphrases_without_a_shared_word_land_closer_than_unrelated_sentences(encoder, text, paraphrase, unrelated):
    assert not set(text.lower().split()) & set(paraphrase.lower().split())
    anchor, near, far = encoder.embed([text, paraphrase, unrelated])

    assert anchor @ near > anchor @ far + 0.15


def test_the_process_has_one_encoder_per_setting(encoder):
    assert load_encoder() is encoder
    assert load_encoder(max_tokens=64) is not encoder


def test_long_texts_are_cut_to_max_tokens():
    short = load_encoder(max_tokens=16)

    assert len(short.tokenizer.encode("word " * 500).ids) == 16
    assert short.embed(["word " * 500]).shape == (1, 384)


def test_the_pinned_hashes_are_the_installed_files(spec):
    for pinned in spec.files.values():
        assert embedding_model.sha256_of(verified_path(pinned)) == pinned.sha256


def write_spec(tmp_path: Path, **sha256_overrides: str) -> Path:
    data = yaml.safe_load(embedding_model.SPEC_FILE.read_text())
    for key, value in sha256_overrides.items():
        data["files"][key]["sha256"] = value
    path = tmp_path / "embedding_model.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_file_that_is_not_the_pinned_one_is_refused_naming_it_and_both_hashes(tmp_path, spec):
    wrong = "0" * 64

    with pytest.raises(EmbeddingModelError) as raised:
        load_encoder(spec_file=write_spec(tmp_path, onnx=wrong))

    message = str(raised.value)
    assert "model.onnx" in message and wrong in message and spec.files["onnx"].sha256 in message


def test_an_altered_file_is_refused(tmp_path, monkeypatch, spec):
    """A tokenizer.json changed after installation (one byte) is not loaded."""
    models = tmp_path / "models"
    onnx = spec.files["onnx"]
    (models / onnx.package).mkdir(parents=True)
    (models / onnx.package / onnx.path).symlink_to(verified_path(onnx))
    tokenizer = spec.files["tokenizer"]
    altered = models / tokenizer.package / tokenizer.path
    altered.parent.mkdir(parents=True)
    shutil.copyfile(verified_path(tokenizer), altered)
    altered.write_bytes(altered.read_bytes().replace(b'"[UNK]"', b'"[UNX]"', 1))
    monkeypatch.setenv(embedding_model.MODELS_DIR_ENV, str(models))

    with pytest.raises(EmbeddingModelError) as raised:
        load_encoder()

    message = str(raised.value)
    assert str(altered) in message and embedding_model.sha256_of(altered) in message and tokenizer.sha256 in message


def test_a_missing_package_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv(embedding_model.MODELS_DIR_ENV, str(tmp_path))

    with pytest.raises(EmbeddingModelError, match="not installed.*setup.sh"):
        load_encoder()


def test_the_setup_check_passes_and_importing_loads_nothing():
    """setup.sh runs the check; importing the modules neither loads the model nor imports onnxruntime."""
    argv = [sys.executable, "-m", "policies.embedding_model", "--check"]
    check = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert check.stdout.count(" OK") == 3

    probe = (
        "import sys, policies.embedding_model as m; "
        "assert 'onnxruntime' not in sys.modules and 'tokenizers' not in sys.modules and not m._encoders"
    )
    assert subprocess.run([sys.executable, "-c", probe], cwd=ROOT).returncode == 0


# -- the int8 ONNX export against the original fp32 weights ----------------------------------------


def read_safetensors(path: Path) -> dict:
    with path.open("rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(size))
        data = handle.read()
    dtypes = {"F32": np.float32, "I64": np.int64}
    return {
        name: np.frombuffer(data[info["data_offsets"][0] : info["data_offsets"][1]], dtype=dtypes[info["dtype"]]).reshape(
            info["shape"]
        )
        for name, info in header.items()
        if name != "__metadata__"
    }


def layer_norm(x, weight, bias, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + eps) * weight + bias


QKV = ("query", "key", "value")


def reference_embedding(weights: dict, ids: list, layers: int = 6, heads: int = 12) -> np.ndarray:
    """all-MiniLM-L6-v2 as sentence-transformers computes it (BERT, mean pooling, L2 norm), in float64 NumPy."""
    erf = np.vectorize(math.erf)
    n = len(ids)
    x = (
        weights["embeddings.word_embeddings.weight"][ids]
        + weights["embeddings.position_embeddings.weight"][:n]
        + weights["embeddings.token_type_embeddings.weight"][0]
    ).astype(np.float64)
    x = layer_norm(x, weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
    width = x.shape[1] // heads
    for i in range(layers):

        def linear(h, name, prefix=f"encoder.layer.{i}."):
            return h @ weights[prefix + name + ".weight"].T + weights[prefix + name + ".bias"]

        def norm(h, name, prefix=f"encoder.layer.{i}."):
            return layer_norm(h, weights[prefix + name + ".weight"], weights[prefix + name + ".bias"])

        q, k, v = (linear(x, f"attention.self.{m}").reshape(n, heads, width).transpose(1, 0, 2) for m in QKV)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(width)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(n, -1)
        x = norm(x + linear(context, "attention.output.dense"), "attention.output.LayerNorm")
        hidden = linear(x, "intermediate.dense")
        hidden = 0.5 * hidden * (1 + erf(hidden / math.sqrt(2)))  # exact GELU
        x = norm(x + linear(hidden, "output.dense"), "output.LayerNorm")
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def test_the_int8_export_computes_what_the_original_weights_compute(encoder, spec):
    """The ONNX file has no second source to compare hashes with: compare what it computes instead.

    model.safetensors carries the hash of sentence-transformers' own file; a file that
    were another network, or the right one with altered weights, would drift far below."""
    weights = read_safetensors(verified_path(spec.files["reference_weights"]))
    texts = ["where is my order", "I'd like to send these shoes back, they don't fit", "can I talk to a real person", ""]

    for text in texts:
        reference = reference_embedding(weights, encoder.tokenizer.encode(text).ids)
        assert float(reference @ encoder.embed_one(text)) > 0.99, text
