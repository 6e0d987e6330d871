#!/usr/bin/python3
"""PyTorch's seconds per LoRA training step on a decoder of a given config, the peer of
bin/bench-lora-step's FP32 figure (dev.distillery.bench.LoraStepBenchmark).

Version 1. Needs torch (Debian's 1.13) and numpy only:

    /usr/bin/python3 scripts/measure/lora_step_torch.py CONFIG.json [batch seq [timed [rank]]]

The same work as the Java benchmark: a Llama-family decoder of CONFIG's shape with seeded random
FP32 weights, frozen; LoRA adapters of rank r (alpha 2r, no dropout) on q, k, v, o, gate, up and
down of every layer, PEFT's y = x W^T + (alpha/r) (x A^T) B^T; gradient checkpointing per block
(torch.utils.checkpoint, as transformers' gradient_checkpointing_enable()); random ids of
batch x seq, no padding; next-token cross-entropy; backward; clip_grad_norm_ 1.0; AdamW (lr 1e-4,
weight decay 0.01) on A and B. Float32 throughout, eager attention, torch.set_num_threads from
DISTILLERY_THREADS (default 2). Prints each step, the median of the timed steps after two warm-up
steps, and one JSON line.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.utils.checkpoint

SCRIPT_VERSION = "1"


def main():
    config = json.load(open(sys.argv[1]))
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    seq = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    timed = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    rank = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    threads = int(os.environ.get("DISTILLERY_THREADS", "2"))
    torch.set_num_threads(threads)
    torch.manual_seed(7)

    h, f, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    d = config.get("head_dim", h // heads)
    vocab, eps, theta = config["vocab_size"], config["rms_norm_eps"], config.get("rope_theta", 10000.0)
    scale = 2.0 * rank / rank

    def frozen(*shape):
        return (0.02 * torch.randn(*shape)).requires_grad_(False)

    embed = frozen(vocab, h)
    head = embed if config.get("tie_word_embeddings") else frozen(vocab, h)
    blocks, adapters = [], []
    shapes = {"q": (heads * d, h), "k": (kv_heads * d, h), "v": (kv_heads * d, h), "o": (h, heads * d),
              "gate": (f, h), "up": (f, h), "down": (h, f)}
    for _ in range(layers):
        block = {"norm1": torch.ones(h), "norm2": torch.ones(h)}
        for name, (out_f, in_f) in shapes.items():
            a = (torch.rand(rank, in_f) * 2 - 1) / math.sqrt(in_f)
            b = torch.zeros(out_f, rank)
            block[name] = (frozen(out_f, in_f), a.requires_grad_(), b.requires_grad_())
            adapters += [a, b]
        blocks.append(block)
    final_norm = torch.ones(h)

    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    freqs = torch.arange(seq, dtype=torch.float32)[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    causal = torch.full((seq, seq), float("-inf")).triu(1)

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    def lora(x, p):
        w, a, b = p
        return x @ w.t() + scale * ((x @ a.t()) @ b.t())

    def rotate_half(x):
        return torch.cat((-x[..., d // 2:], x[..., :d // 2]), dim=-1)

    def block_forward(x, blk):
        bsz = x.shape[0]
        y = rms(x, blk["norm1"])
        q = lora(y, blk["q"]).view(bsz, seq, heads, d).transpose(1, 2)
        k = lora(y, blk["k"]).view(bsz, seq, kv_heads, d).transpose(1, 2)
        v = lora(y, blk["v"]).view(bsz, seq, kv_heads, d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = heads // kv_heads
        k = k[:, :, None].expand(bsz, kv_heads, rep, seq, d).reshape(bsz, heads, seq, d)
        v = v[:, :, None].expand(bsz, kv_heads, rep, seq, d).reshape(bsz, heads, seq, d)
        attn = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(d) + causal, dim=-1) @ v
        x = x + lora(attn.transpose(1, 2).reshape(bsz, seq, heads * d), blk["o"])
        y = rms(x, blk["norm2"])
        return x + lora(torch.nn.functional.silu(lora(y, blk["gate"])) * lora(y, blk["up"]), blk["down"])

    ids = torch.randint(0, vocab, (batch, seq), generator=torch.Generator().manual_seed(2))
    optimizer = torch.optim.AdamW(adapters, lr=1e-4, weight_decay=0.01)
    print("LoRA step, PyTorch %s, %d threads, %s shape (%d trainable), batch %d x %d"
          % (torch.__version__, threads, os.path.basename(os.path.dirname(os.path.abspath(sys.argv[1]))),
             sum(p.numel() for p in adapters), batch, seq))
    seconds = []
    for i in range(2 + timed):
        t0 = time.perf_counter()
        x = embed[ids]
        for blk in blocks:
            x = torch.utils.checkpoint.checkpoint(block_forward, x, blk, use_reentrant=False)
        logits = rms(x, final_norm) @ head.t()
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(adapters, 1.0)
        optimizer.step()
        optimizer.zero_grad()
        s = time.perf_counter() - t0
        print("  step %d (%s): %.2f s, loss %.4f" % (i + 1, "warm-up" if i < 2 else "timed", s, float(loss)))
        if i >= 2:
            seconds.append(s)
    median = float(np.median(seconds))
    print("median: %.2f s/step" % median)
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "script_version": SCRIPT_VERSION,
                      "batch": batch, "seq": seq, "rank": rank, "threads": threads,
                      "secondsPerStep": round(median, 4), "stepSeconds": seconds}))


if __name__ == "__main__":
    main()
