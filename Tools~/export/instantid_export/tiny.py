"""Tiny random configurations in SDXL topology (for tests: same code path, no downloads).

Sizes follow shared/reference README section 7 (the reference tiny UNet/ControlNet/VAE):
cross_attention_dim 64 (= 32 + 32 from the two tiny text encoders), pooled text_embeds 32,
addition_time_embed_dim 8, blocks (32, 64), transformer layers (1, 2), heads (2, 4).
"""

import json
import os

import torch

UNET = dict(sample_size=8, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(32, 64),
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), attention_head_dim=(2, 4),
            use_linear_projection=True, transformer_layers_per_block=(1, 2), addition_embed_type="text_time",
            addition_time_embed_dim=8, projection_class_embeddings_input_dim=80, cross_attention_dim=64,
            norm_num_groups=8)
CONTROLNET = dict(in_channels=4, layers_per_block=2, block_out_channels=(32, 64),
                  down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), attention_head_dim=(2, 4),
                  use_linear_projection=True, transformer_layers_per_block=(1, 2), addition_embed_type="text_time",
                  addition_time_embed_dim=8, projection_class_embeddings_input_dim=80, cross_attention_dim=64,
                  norm_num_groups=8, conditioning_embedding_out_channels=(8, 8, 16, 16))
VAE = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1, block_out_channels=(16, 16, 32, 32),
           down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
           norm_num_groups=8, sample_size=64, scaling_factor=0.13025)
RESAMPLER = dict(dim=64, depth=2, dim_head=16, heads=4, num_queries=16, embedding_dim=512, ff_mult=4)
# SDXL base scheduler/scheduler_config.json (diffusers EulerDiscreteScheduler)
SDXL_SCHEDULER = {"_class_name": "EulerDiscreteScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
                  "beta_start": 0.00085, "clip_sample": False, "interpolation_type": "linear",
                  "num_train_timesteps": 1000, "prediction_type": "epsilon", "sample_max_value": 1.0,
                  "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
                  "timestep_spacing": "leading", "trained_betas": None, "use_karras_sigmas": False}

# byte-level vocabulary with no merges: a valid CLIP BPE (every word splits into single characters)
START, END = "<|startoftext|>", "<|endoftext|>"


def _bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def tiny_vocab():
    chars = _bytes_to_unicode()
    tokens = chars + [c + "</w>" for c in chars] + [START, END]
    return {t: i for i, t in enumerate(tokens)}


def write_tiny_tokenizers(out_dir):
    vocab = tiny_vocab()
    for folder, pad in (("tokenizer", END), ("tokenizer_2", "!")):
        d = os.path.join(out_dir, folder)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(vocab, f, ensure_ascii=False)
        with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
        with open(os.path.join(d, "special_tokens_map.json"), "w", encoding="utf-8") as f:
            json.dump({"bos_token": START, "eos_token": END, "pad_token": pad, "unk_token": END}, f)
        with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump({"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "bos_token": START,
                       "eos_token": END, "pad_token": pad, "unk_token": END, "do_lower_case": True}, f)
    return len(vocab), vocab[START], vocab[END]


def text_encoders(vocab_size, bos, eos):
    """Two tiny CLIP text encoders (transformers): hidden 32 + 32 = cross_attention_dim 64, projection 32."""
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection
    common = dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=2, max_position_embeddings=77, bos_token_id=bos, eos_token_id=eos,
                  pad_token_id=1)
    torch.manual_seed(11)
    te1 = CLIPTextModel(CLIPTextConfig(hidden_act="quick_gelu", **common)).eval()
    torch.manual_seed(12)
    te2 = CLIPTextModelWithProjection(CLIPTextConfig(hidden_act="gelu", projection_dim=32, **common)).eval()
    return te1, te2


def redraw_(module, seed):
    """Re-draw every parameter (so zero-initialised convs of the ControlNet are not zero), as the reference."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            n = torch.randn(p.shape, generator=g)
            if p.dim() == 1:
                p.copy_(1 + 0.2 * n if name.endswith("weight") else 0.1 * n)
            else:
                p.copy_(n / (p[0].numel() ** 0.5))
    return module
