#!/usr/bin/python3
"""PyTorch's generation speed on the models `distillery bench-generate` measures: the peer of
docs/results/generation.md.

Version 1. Needs only torch 1.13 (Debian's python3-torch) and the standard library:

    /usr/bin/python3 scripts/bench/generate_torch.py CONFIG [--tokens 128] [--rounds 5] [--threads 2]

CONFIG is a Hugging Face config.json of a Llama-family decoder, or a llama2.c checkpoint (.bin)
whose header gives the shape. The weights are seeded random FP32 of that shape: one token's cost
does not depend on their values. The decoder is transformers' LlamaForCausalLM written in plain
torch (as scripts/fixtures/make_llama_fixture.py writes it, whose logits and gradients the Java
tests match) with a KV cache: the prompt (BOS) runs once, then each step feeds one token, appends
its key and value to the cache and attends to all of it. Greedy decoding, every token forced to the
full count, under torch.inference_mode. Two untimed warm-up rounds, then the median and quartiles
of tokens per second over the timed rounds, printed as one JSON object.
"""
import argparse
import json
import math
import platform
import statistics
import struct
import time

import torch

SCRIPT_VERSION = "1"


def config_of(path):
    if path.endswith(".bin"):
        with open(path, "rb") as f:
            dim, hidden, layers, heads, kv, vocab, seq = struct.unpack("<7i", f.read(28))
        return dict(hidden_size=dim, intermediate_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                    num_key_value_heads=kv, vocab_size=abs(vocab), max_position_embeddings=seq, rms_norm_eps=1e-5,
                    rope_theta=10000.0, tie_word_embeddings=vocab > 0, bos_token_id=1)
    with open(path) as f:
        return json.load(f)


class Decoder:
    def __init__(self, c, seed):
        g = torch.Generator().manual_seed(seed)
        self.h = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.kv = c.get("num_key_value_heads", self.heads)
        self.d = c.get("head_dim", self.h // self.heads)
        self.eps = c.get("rms_norm_eps", 1e-6)
        f, v = c["intermediate_size"], c["vocab_size"]

        def w(*shape):
            return 0.02 * torch.randn(*shape, generator=g)

        self.embed = w(v, self.h)
        self.layers = []
        for _ in range(c["num_hidden_layers"]):
            self.layers.append(dict(q=w(self.heads * self.d, self.h), k=w(self.kv * self.d, self.h),
                                    v=w(self.kv * self.d, self.h), o=w(self.h, self.heads * self.d),
                                    gate=w(f, self.h), up=w(f, self.h), down=w(self.h, f),
                                    n1=torch.ones(self.h), n2=torch.ones(self.h)))
        self.norm = torch.ones(self.h)
        self.head = self.embed if c.get("tie_word_embeddings", False) else w(v, self.h)
        inv = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, self.d, 2).double() / self.d))
        pos = torch.arange(c["max_position_embeddings"]).double()[:, None] * inv[None, :]
        emb = torch.cat((pos, pos), dim=-1)
        self.cos, self.sin = emb.cos().float(), emb.sin().float()

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    @staticmethod
    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

    def step(self, ids, cache, start):
        """Logits of the last of `ids` (1-D) at positions start.., the cache extended in place."""
        s = ids.shape[0]
        x = self.embed[ids]  # [s, h]
        cos, sin = self.cos[start:start + s], self.sin[start:start + s]
        rep = self.heads // self.kv
        for i, l in enumerate(self.layers):
            hn = self.rms(x, l["n1"])
            q = (hn @ l["q"].t()).view(s, self.heads, self.d).transpose(0, 1)
            k = (hn @ l["k"].t()).view(s, self.kv, self.d).transpose(0, 1)
            v = (hn @ l["v"].t()).view(s, self.kv, self.d).transpose(0, 1)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            ck, cv = cache[i]
            ck[:, start:start + s] = k
            cv[:, start:start + s] = v
            keys = ck[:, :start + s].repeat_interleave(rep, dim=0)
            values = cv[:, :start + s].repeat_interleave(rep, dim=0)
            scores = q @ keys.transpose(1, 2) / math.sqrt(self.d)
            if s > 1:
                scores = scores + torch.full((s, start + s), float("-inf")).triu(start + 1)
            ctx = (torch.softmax(scores, dim=-1) @ values).transpose(0, 1).reshape(s, self.heads * self.d)
            x = x + ctx @ l["o"].t()
            hn = self.rms(x, l["n2"])
            x = x + (torch.nn.functional.silu(hn @ l["gate"].t()) * (hn @ l["up"].t())) @ l["down"].t()
        return self.rms(x[-1], self.norm) @ self.head.t()

    def round(self, bos, tokens):
        cache = [(torch.zeros(self.kv, 1 + tokens, self.d), torch.zeros(self.kv, 1 + tokens, self.d))
                 for _ in self.layers]
        logits = self.step(torch.tensor([bos]), cache, 0)
        start = time.perf_counter()
        for t in range(tokens):
            nxt = int(torch.argmax(logits))
            logits = self.step(torch.tensor([nxt]), cache, 1 + t)
        return tokens / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("config")
    p.add_argument("--tokens", type=int, default=128)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    c = config_of(a.config)
    model = Decoder(c, 1)
    bos = max(0, c.get("bos_token_id") or 0)
    speeds = []
    with torch.inference_mode():
        for r in range(2 + a.rounds):
            speed = model.round(bos, a.tokens)
            if r >= 2:
                speeds.append(speed)
    q = statistics.quantiles(speeds, n=4) if len(speeds) > 1 else [speeds[0]] * 3
    print(json.dumps({"engine": "pytorch", "script_version": SCRIPT_VERSION, "torch": torch.__version__,
                      "python": platform.python_version(), "threads": a.threads, "tokens": a.tokens,
                      "tokensPerSec": statistics.median(speeds), "q1": q[0], "q3": q[2], "rounds": len(speeds)}))


if __name__ == "__main__":
    main()
