#!/usr/bin/python3
"""Make Lopper's Llama-style decoder test models (run from the repository root):

    /usr/bin/python3 samples/scripts/make_llm_models.py [--only NAME[,NAME...]] [--refs DIR]

A sibling of make_test_models.py (same registry, export path and manifest.json merge): it registers its
models there and runs that script's main, so `--only llama_tiny` refreshes just these files.

llama_tiny: HF-Llama-style decoder written out by hand (torch 1.13 TorchScript export): token embedding,
2 layers, pre-RMSNorm (decomposed Pow/ReduceMean/Add/Sqrt/Div/Mul as torch exports it), rotary position
embeddings (inv_freq buffer, cat(freqs, freqs), rotate_half as Slice/Neg/Concat), grouped-query attention
(8 query heads, 2 KV heads shared by 4 query heads each, repeat_kv as Unsqueeze/Expand/Reshape), KV cache
(inputs past_key_values.{i}.key/value [batch, 2, past_sequence, 8], outputs present.{i}.key/value), a causal
mask built from Range/Greater/Where, SiLU-gated MLP (gate/up/down) and an untied LM head.
llama_einsum: the same decoder with torch.einsum for the layers' projections ('bsh,oh->bso') and for attention
('bhqd,bhkd->bhqk', 'bhqk,bhkd->bhqd').
"""
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_test_models as mtm  # noqa: E402


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def repeat_kv(x, n_rep):
    b, kv, s, d = x.shape
    return x[:, :, None, :, :].expand(b, kv, n_rep, s, d).reshape(b, kv * n_rep, s, d)


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x / torch.sqrt(var + self.eps))


class Proj(nn.Module):
    """A bias-free Linear ([out, in] weight, as HF Llama), optionally written as an einsum."""

    def __init__(self, i, o, einsum):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(o, i) * (1.0 / math.sqrt(i)))
        self.einsum = einsum

    def forward(self, x):
        if self.einsum:
            return torch.einsum("bsh,oh->bso", x, self.weight)
        return torch.matmul(x, self.weight.t())


class Attention(nn.Module):
    def __init__(self, d, heads, kv_heads, head_dim, einsum):
        super().__init__()
        self.h, self.kv, self.hd, self.einsum = heads, kv_heads, head_dim, einsum
        self.q_proj = Proj(d, heads * head_dim, einsum)
        self.k_proj = Proj(d, kv_heads * head_dim, einsum)
        self.v_proj = Proj(d, kv_heads * head_dim, einsum)
        self.o_proj = Proj(heads * head_dim, d, einsum)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        b, s = x.shape[0], x.shape[1]
        q = self.q_proj(x).view(b, s, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        k = repeat_kv(k, self.h // self.kv)
        v = repeat_kv(v, self.h // self.kv)
        if self.einsum:
            w = torch.einsum("bhqd,bhkd->bhqk", q, k)
        else:
            w = torch.matmul(q, k.transpose(2, 3))
        w = w / math.sqrt(self.hd) + mask
        p = torch.softmax(w, dim=-1)
        a = torch.einsum("bhqk,bhkd->bhqd", p, v) if self.einsum else torch.matmul(p, v)
        a = a.transpose(1, 2).reshape(b, s, self.h * self.hd)
        return self.o_proj(a), present


class Layer(nn.Module):
    def __init__(self, d, heads, kv_heads, head_dim, inter, einsum):
        super().__init__()
        self.input_layernorm = RMSNorm(d)
        self.self_attn = Attention(d, heads, kv_heads, head_dim, einsum)
        self.post_attention_layernorm = RMSNorm(d)
        self.gate_proj = Proj(d, inter, einsum)
        self.up_proj = Proj(d, inter, einsum)
        self.down_proj = Proj(inter, d, einsum)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past_k, past_v)
        x = x + a
        h = self.post_attention_layernorm(x)
        g = self.gate_proj(h)
        x = x + self.down_proj(g * torch.sigmoid(g) * self.up_proj(h))
        return x, present


class LlamaTiny(nn.Module):
    def __init__(self, vocab=100, d=32, heads=8, kv_heads=2, head_dim=8, inter=48, layers=2, einsum=False):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([Layer(d, heads, kv_heads, head_dim, inter, einsum) for _ in range(layers)])
        self.norm = RMSNorm(d)
        self.lm_head = Proj(d, vocab, False)  # a MatMul: torch 1.13 declares an Einsum graph output with a made-up dim name
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, head_dim, 2).float() / head_dim)))

    def forward(self, input_ids, *past):
        s = input_ids.shape[1]
        past_len = past[0].shape[2]
        pos = torch.arange(s, dtype=torch.float32) + past_len
        freqs = pos[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        qi = torch.arange(s)[:, None] + past_len
        kj = torch.arange(s + past_len)[None, :]
        mask = torch.where(kj > qi, torch.tensor(-1e9), torch.tensor(0.0))[None, None]
        x = self.embed_tokens(input_ids)
        presents = []
        for i, layer in enumerate(self.layers):
            x, (k, v) = layer(x, cos, sin, mask, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        return (self.lm_head(self.norm(x)), *presents)


def llama(einsum):
    model = LlamaTiny(einsum=einsum)
    g = torch.Generator().manual_seed(11)
    ids = torch.randint(0, 100, (2, 5), generator=g)
    past = []
    in_names, out_names = ["input_ids"], ["logits"]
    dyn = {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
    for i in range(2):
        for kind in ("key", "value"):
            past.append(torch.randn(2, 2, 3, 8, generator=g))
            n, o = f"past_key_values.{i}.{kind}", f"present.{i}.{kind}"
            in_names.append(n)
            out_names.append(o)
            dyn[n] = {0: "batch", 2: "past_sequence"}
            dyn[o] = {0: "batch", 2: "total_sequence"}
    return model, (ids, *past), in_names, out_names, dyn


NOTES = ("hand-written HF-Llama-style decoder: RMSNorm (Pow/ReduceMean/Add/Sqrt/Div), rotary embeddings (inv_freq, "
         "rotate_half Slice/Neg/Concat), GQA 8 query heads / 2 KV heads (head_dim 8, repeat_kv Unsqueeze/Expand/Reshape), "
         "KV cache past_key_values.{i}.key/value [batch, 2, past_sequence, 8] -> present.{i}.key/value, causal mask "
         "(Range/Greater/Where), SiLU-gated MLP 48, hidden 32, 2 layers, vocab 100")


@mtm.torch_model("llama_tiny", "llama", (13,), NOTES + "; projections as MatMul")
def _():
    return llama(False)


@mtm.torch_model("llama_einsum", "llama", (13,), NOTES + "; projections and attention as Einsum "
                 "('bsh,oh->bso', 'bhqd,bhkd->bhqk', 'bhqk,bhkd->bhqd')")
def _():
    return llama(True)


if __name__ == "__main__":
    if not any(a.startswith("--only") for a in sys.argv[1:]):
        sys.argv += ["--only", "llama_tiny,llama_einsum"]
    sys.exit(mtm.main())
