"""The InstantID image-projection model (face embedding -> 16 identity tokens).

Same maths and the same state_dict keys as InstantID ``ip_adapter/resampler.py`` (a Perceiver
resampler from open_flamingo), so ``ip-adapter.bin["image_proj"]`` loads with ``strict=True``.
"""

import math

import torch
from torch import nn

# InstantID's set_image_proj_model(): the only configuration the released checkpoint uses.
INSTANTID_RESAMPLER = dict(dim=1280, depth=4, dim_head=64, heads=20, num_queries=16, embedding_dim=512, ff_mult=4)


def _feed_forward(dim, mult):
    # keys layers.i.1.{0,1,3}: LayerNorm, Linear (no bias), GELU (exact), Linear (no bias)
    return nn.Sequential(
        nn.LayerNorm(dim),
        nn.Linear(dim, int(dim * mult), bias=False),
        nn.GELU(),
        nn.Linear(int(dim * mult), dim, bias=False),
    )


def _split_heads(x, heads):
    b, n, _ = x.shape
    return x.view(b, n, heads, -1).transpose(1, 2)  # [b, heads, n, dim_head]


class PerceiverAttention(nn.Module):
    def __init__(self, dim, dim_head, heads):
        super().__init__()
        self.dim_head = dim_head
        self.heads = heads
        inner = dim_head * heads
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_kv = nn.Linear(dim, inner * 2, bias=False)  # first half K, second half V
        self.to_out = nn.Linear(inner, dim, bias=False)

    def forward(self, x, latents):
        x = self.norm1(x)
        latents = self.norm2(latents)
        b, n, _ = latents.shape
        q = self.to_q(latents)
        # keys/values see the image features AND the latent queries (Perceiver / open_flamingo)
        k, v = self.to_kv(torch.cat((x, latents), dim=-2)).chunk(2, dim=-1)
        q, k, v = (_split_heads(t, self.heads) for t in (q, k, v))
        # both sides scaled by dim_head^-1/4 before the product, as upstream (fp16 stability)
        s = 1.0 / math.sqrt(math.sqrt(self.dim_head))
        w = (q * s) @ (k * s).transpose(-2, -1)
        w = torch.softmax(w.float(), dim=-1).type(w.dtype)
        out = (w @ v).permute(0, 2, 1, 3).reshape(b, n, -1)
        return self.to_out(out)


class Resampler(nn.Module):
    def __init__(self, dim=1280, depth=4, dim_head=64, heads=20, num_queries=16, embedding_dim=512,
                 output_dim=2048, ff_mult=4):
        super().__init__()
        self.latents = nn.Parameter(torch.randn(1, num_queries, dim) / dim ** 0.5)
        self.proj_in = nn.Linear(embedding_dim, dim)
        self.proj_out = nn.Linear(dim, output_dim)
        self.norm_out = nn.LayerNorm(output_dim)
        self.layers = nn.ModuleList(
            nn.ModuleList([PerceiverAttention(dim, dim_head, heads), _feed_forward(dim, ff_mult)])
            for _ in range(depth))

    def forward(self, face_embeds):
        latents = self.latents.repeat(face_embeds.size(0), 1, 1)
        x = self.proj_in(face_embeds)
        for attn, ff in self.layers:
            latents = attn(x, latents) + latents
            latents = ff(latents) + latents
        return self.norm_out(self.proj_out(latents))
