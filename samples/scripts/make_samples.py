#!/usr/bin/python3
"""Make Lopper's bundled sample models (run from the repository root):

    /usr/bin/python3 samples/scripts/make_samples.py [OUT_DIR]

Writes into OUT_DIR (default: samples/):
  digits_cnn.onnx        small residual CNN trained on scikit-learn's digits (8x8, 10 classes)
  digits_test.csv        its held-out test set: label,f0..f63 (scaled pixels, row-major), no header
  digits_cnn.json        test accuracy, sample count, input scaling
  tiny_encoder.onnx      2-layer BERT-style encoder (opset 13: LayerNorm decomposed)
  tiny_encoder_opset17.onnx  the same weights at opset 17 (LayerNormalization op)
  tiny_encoder.json      synthetic task description and accuracy
  tiny_encoder_test.csv  its 512 evaluation sequences: label,t0..t16 (token ids), no header

Needs Debian's python3-torch, python3-onnx, python3-sklearn. Deterministic (fixed seeds, one thread).
Python is only used to MAKE these files; Lopper never needs it.
"""
import json
import math
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.abspath(OUT)
os.makedirs(OUT, exist_ok=True)

PIXEL_SCALE = 16.0  # sklearn digits pixels are integers 0..16; the model expects value / 16 in [0, 1]


def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


# --------------------------------------------------------------------------------------------------
# digits CNN
# --------------------------------------------------------------------------------------------------
def conv_bn_relu(cin, cout, k=3, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU())


class ResidualBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = conv_bn_relu(c, c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(self.conv1(x))))


class DigitsCNN(nn.Module):
    """stem -> residual block -> two branches (1x1 conv | grouped 3x3 conv) concatenated ->
    1x1 fuse conv with stride-2 pooling -> residual block -> global average pool -> Flatten -> Gemm."""

    def __init__(self, width=24, classes=10):
        super().__init__()
        self.stem = conv_bn_relu(1, width)
        self.block1 = ResidualBlock(width)
        self.branch_a = conv_bn_relu(width, width, k=1)
        self.branch_b = conv_bn_relu(width, width, k=3, groups=4)
        self.fuse = conv_bn_relu(2 * width, 2 * width, k=1)
        self.pool = nn.MaxPool2d(2)
        self.block2 = ResidualBlock(2 * width)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(0.1)
        self.fc = nn.Linear(2 * width, classes)

    def forward(self, x):
        x = self.block1(self.stem(x))
        x = torch.cat([self.branch_a(x), self.branch_b(x)], dim=1)
        x = self.pool(self.fuse(x))
        x = self.block2(x)
        return self.fc(self.dropout(self.flatten(self.gap(x))))


def make_digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    seed_all(0)
    data = load_digits()
    x = (data.images.astype(np.float32) / PIXEL_SCALE)  # [N, 8, 8]
    y = data.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)

    model = DigitsCNN()
    xt = torch.from_numpy(x_train).unsqueeze(1)
    yt = torch.from_numpy(y_train)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    epochs = 40
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    g = torch.Generator().manual_seed(1)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            xb = xt[idx]
            # light augmentation: random shift by up to one pixel
            dx, dy = torch.randint(-1, 2, (2,), generator=g).tolist()
            xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
            loss = F.cross_entropy(model(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()

    model.eval()
    xs = torch.from_numpy(x_test).unsqueeze(1)
    with torch.no_grad():
        logits = model(xs)
    pred = logits.argmax(1).numpy()
    acc = float((pred == y_test).mean())
    print(f"digits_cnn: test accuracy {acc:.4f} on {len(y_test)} samples")

    path = os.path.join(OUT, "digits_cnn.onnx")
    torch.onnx.export(model, xs[:1], path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13,
                      # PRESERVE keeps BatchNormalization nodes (EVAL would fold them into the convs)
                      training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)

    with open(os.path.join(OUT, "digits_test.csv"), "w") as f:
        for label, img in zip(y_test, x_test):
            # values are k/16 exactly; repr of the float32 value keeps them exact
            f.write(str(int(label)) + "," + ",".join(repr(float(v)) for v in img.reshape(-1)) + "\n")

    with open(os.path.join(OUT, "digits_cnn.json"), "w") as f:
        json.dump({
            "model": "digits_cnn.onnx",
            "testAccuracy": round(acc, 6),
            "testSamples": int(len(y_test)),
            "trainSamples": int(len(y_train)),
            "inputScaling": "sklearn.datasets.load_digits pixel value (0..16) / 16.0, giving floats in [0,1]; "
                            "input tensor [batch,1,8,8] float32, row-major (f0 = row 0 col 0, f8 = row 1 col 0)",
            "input": {"name": "input", "elemType": "float32", "shape": ["batch", 1, 8, 8]},
            "output": {"name": "logits", "elemType": "float32", "shape": ["batch", 10]},
            "classes": [str(i) for i in range(10)],
            "split": "sklearn train_test_split(test_size=0.2, random_state=0, stratify=labels)",
            "torchTestLogitsFirstSample": [round(float(v), 5) for v in logits[0]],
        }, f, indent=2)
        f.write("\n")
    return model, xs, logits


# --------------------------------------------------------------------------------------------------
# tiny BERT-style encoder
# --------------------------------------------------------------------------------------------------
class SelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, hidden)

    def split_heads(self, x):
        b, s, _ = x.size()
        return x.view(b, s, self.heads, self.head_dim).transpose(1, 2)  # [B, H, S, D]

    def forward(self, x):
        q = self.split_heads(self.query(x))
        k = self.split_heads(self.key(x))
        v = self.split_heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).transpose(1, 2).contiguous()  # [B, S, H, D]
        b, s = ctx.size(0), ctx.size(1)
        ctx = ctx.reshape(b, s, self.heads * self.head_dim)
        return self.out(ctx)


class EncoderLayer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.attention = SelfAttention(hidden, heads)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, ffn)
        self.output = nn.Linear(ffn, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x):
        x = self.attention_norm(x + self.attention(x))
        return self.output_norm(x + self.output(F.gelu(self.intermediate(x))))


class TinyEncoder(nn.Module):
    def __init__(self, vocab=64, hidden=64, heads=4, ffn=128, layers=2, max_len=64, classes=2):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Parameter(torch.randn(1, max_len, hidden) * 0.02)
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList([EncoderLayer(hidden, heads, ffn) for _ in range(layers)])
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, classes)

    def forward(self, input_ids):
        s = input_ids.size(1)
        x = self.word_embeddings(input_ids) + self.position_embeddings[:, :s]
        x = self.embedding_norm(x)
        for layer in self.layers:
            x = layer(x)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.classifier(pooled)


VOCAB = 64


def synthetic_batch(g, batch, seq):
    """Task: token 1 is [CLS] at position 0; label = 1 iff more tokens of the rest are < 32 than >= 32."""
    ids = torch.randint(2, VOCAB, (batch, seq), generator=g)
    ids[:, 0] = 1
    low = (ids[:, 1:] < 32).sum(1)
    label = (low * 2 > (seq - 1)).long()
    return ids, label


def make_encoder():
    seed_all(0)
    model = TinyEncoder(vocab=VOCAB)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(2)
    model.train()
    for step in range(400):
        ids, label = synthetic_batch(g, 32, 17)  # [CLS] + 16 tokens; a tie (8 low) is label 0
        loss = F.cross_entropy(model(ids), label)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    gt = torch.Generator().manual_seed(3)
    ids, label = synthetic_batch(gt, 512, 17)
    with torch.no_grad():
        acc = float((model(ids).argmax(1) == label).float().mean())
    print(f"tiny_encoder: synthetic task accuracy {acc:.4f}")
    with open(os.path.join(OUT, "tiny_encoder_test.csv"), "w") as f:
        for lab, row in zip(label.tolist(), ids.tolist()):
            f.write(str(lab) + "," + ",".join(str(t) for t in row) + "\n")

    example = ids[:2]
    for opset, name in ((13, "tiny_encoder.onnx"), (17, "tiny_encoder_opset17.onnx")):
        path = os.path.join(OUT, name)
        torch.onnx.export(model, example, path, input_names=["input_ids"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch"}},
                          opset_version=opset)
        onnx.checker.check_model(onnx.load(path), full_check=True)
    with open(os.path.join(OUT, "tiny_encoder.json"), "w") as f:
        json.dump({
            "model": "tiny_encoder.onnx",
            "opset17Model": "tiny_encoder_opset17.onnx",
            "input": {"name": "input_ids", "elemType": "int64", "shape": ["batch", "seq"],
                      "vocab": VOCAB, "maxSeq": 64},
            "output": {"name": "logits", "elemType": "float32", "shape": ["batch", 2]},
            "architecture": "token + learned position embeddings, LayerNorm, 2 x (4-head self-attention, "
                            "residual + LayerNorm, GELU MLP 64->128->64, residual + LayerNorm), "
                            "tanh pooler on position 0, linear classifier",
            "task": "synthetic: input_ids[:,0] = 1 ([CLS]), other tokens uniform in 2..63; "
                    "label 1 iff more than half of the other tokens are < 32 (trained with 17-token sequences)",
            "syntheticAccuracy": round(acc, 6),
            "evalSamples": 512,
            "testSet": "tiny_encoder_test.csv: label,t0,...,t16 per line (no header), the 512 evaluation "
                       "sequences as int64 token ids, input shape [batch, 17]",
        }, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    make_digits()
    make_encoder()
