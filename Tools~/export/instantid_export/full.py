"""Full-size SDXL / InstantID architectures with seeded random weights (``--random-full``), no downloads.

The configurations below are the published checkpoints' config files, written here as data so a
machine without internet can build the real architectures (for GPU benchmarks and diffusers-parity
runs on the same random weights). Only architecture fields are kept; the values are those of:

* ``UNET``        stabilityai/stable-diffusion-xl-base-1.0  unet/config.json        (UNet2DConditionModel)
* ``VAE``         stabilityai/stable-diffusion-xl-base-1.0  vae/config.json         (AutoencoderKL)
* ``TEXT_ENCODER``   stabilityai/stable-diffusion-xl-base-1.0  text_encoder/config.json   (CLIP ViT-L/14 text)
* ``TEXT_ENCODER_2`` stabilityai/stable-diffusion-xl-base-1.0  text_encoder_2/config.json (OpenCLIP bigG/14 text)
* ``CONTROLNET``  InstantX/InstantID  ControlNetModel/config.json  (IdentityNet: the SDXL ControlNet layout)
* ``RESAMPLER``   InstantID ``set_image_proj_model`` (resampler.INSTANTID_RESAMPLER), output = cross dim

Where the numbers were checked (no hub access in development): the UNet, VAE and ControlNet values
against copies of those config.json files quoted in public repositories (found with code search:
kohya-ss sd-scripts' DIFFUSERS_SDXL_UNET_CONFIG, several SDXL ControlNet configs with the InstantID
layout, diffusers' own conversion defaults), and against each other: cross 2048 = 768 + 1280,
projection_class_embeddings_input_dim 2816 = 1280 pooled + 6 x 256 time ids. The text-encoder values
are the well-known CLIP ViT-L/14 (768, 12 layers, 12 heads, quick_gelu) and OpenCLIP ViT-bigG/14
(1280, 32 layers, 20 heads, gelu, projection 1280) text towers with SDXL's vocab 49408 and the
legacy eos_token_id 2 its config files carry. The unit test ``tests/test_full.py`` checks the
contract widths (docs/ARCHITECTURE.md section 4) from these dicts without instantiating anything.

``--random-scale F`` (F = 1/2, 1/4, ... 1/16) shrinks widths by F and transformer/encoder depths by
F (rounded up, at least 1) while keeping the topology the contract depends on (3 UNet levels,
2 resnets per level -> 9 residuals + mid, 6 time ids, 16 identity tokens, 512-wide face embedding,
4 latent channels, VAE factor 8), so a CPU smoke test runs the same code path.
"""

import math

import torch

SOURCES = {
    "unet": "stabilityai/stable-diffusion-xl-base-1.0 unet/config.json",
    "vae": "stabilityai/stable-diffusion-xl-base-1.0 vae/config.json",
    "text_encoder": "stabilityai/stable-diffusion-xl-base-1.0 text_encoder/config.json",
    "text_encoder_2": "stabilityai/stable-diffusion-xl-base-1.0 text_encoder_2/config.json",
    "controlnet": "InstantX/InstantID ControlNetModel/config.json",
    "image_proj": "InstantID pipeline set_image_proj_model (Resampler dim 1280, depth 4, heads 20, dim_head 64)",
}

# stabilityai/stable-diffusion-xl-base-1.0 unet/config.json (architecture fields; diffusers 0.19 wrote it)
UNET = {
    "act_fn": "silu", "addition_embed_type": "text_time", "addition_embed_type_num_heads": 64,
    "addition_time_embed_dim": 256, "attention_head_dim": [5, 10, 20], "block_out_channels": [320, 640, 1280],
    "center_input_sample": False, "class_embed_type": None, "class_embeddings_concat": False, "conv_in_kernel": 3,
    "conv_out_kernel": 3, "cross_attention_dim": 2048, "cross_attention_norm": None,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"], "downsample_padding": 1,
    "dual_cross_attention": False, "encoder_hid_dim": None, "encoder_hid_dim_type": None, "flip_sin_to_cos": True,
    "freq_shift": 0, "in_channels": 4, "layers_per_block": 2, "mid_block_only_cross_attention": None,
    "mid_block_scale_factor": 1, "mid_block_type": "UNetMidBlock2DCrossAttn", "norm_eps": 1e-05,
    "norm_num_groups": 32, "num_attention_heads": None, "num_class_embeds": None, "only_cross_attention": False,
    "out_channels": 4, "projection_class_embeddings_input_dim": 2816, "resnet_out_scale_factor": 1.0,
    "resnet_skip_time_act": False, "resnet_time_scale_shift": "default", "sample_size": 128,
    "time_cond_proj_dim": None, "time_embedding_act_fn": None, "time_embedding_dim": None,
    "time_embedding_type": "positional", "timestep_post_act": None, "transformer_layers_per_block": [1, 2, 10],
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], "upcast_attention": None,
    "use_linear_projection": True,
}

# InstantX/InstantID ControlNetModel/config.json (IdentityNet; diffusers 0.21 wrote it)
CONTROLNET = {
    "act_fn": "silu", "addition_embed_type": "text_time", "addition_embed_type_num_heads": 64,
    "addition_time_embed_dim": 256, "attention_head_dim": [5, 10, 20], "block_out_channels": [320, 640, 1280],
    "class_embed_type": None, "conditioning_channels": 3, "conditioning_embedding_out_channels": [16, 32, 96, 256],
    "controlnet_conditioning_channel_order": "rgb", "cross_attention_dim": 2048,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"], "downsample_padding": 1,
    "encoder_hid_dim": None, "encoder_hid_dim_type": None, "flip_sin_to_cos": True, "freq_shift": 0,
    "global_pool_conditions": False, "in_channels": 4, "layers_per_block": 2, "mid_block_scale_factor": 1,
    "norm_eps": 1e-05, "norm_num_groups": 32, "num_attention_heads": None, "num_class_embeds": None,
    "only_cross_attention": False, "projection_class_embeddings_input_dim": 2816,
    "resnet_time_scale_shift": "default", "transformer_layers_per_block": [1, 2, 10], "upcast_attention": None,
    "use_linear_projection": True,
}

# stabilityai/stable-diffusion-xl-base-1.0 vae/config.json
VAE = {
    "act_fn": "silu", "block_out_channels": [128, 256, 512, 512], "down_block_types": ["DownEncoderBlock2D"] * 4,
    "force_upcast": True, "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32,
    "out_channels": 3, "sample_size": 1024, "scaling_factor": 0.13025, "up_block_types": ["UpDecoderBlock2D"] * 4,
}

# stabilityai/stable-diffusion-xl-base-1.0 text_encoder/config.json (CLIPTextModel, CLIP ViT-L/14)
TEXT_ENCODER = {
    "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2, "hidden_act": "quick_gelu",
    "hidden_size": 768, "initializer_factor": 1.0, "initializer_range": 0.02, "intermediate_size": 3072,
    "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "num_attention_heads": 12, "num_hidden_layers": 12,
    "pad_token_id": 1, "projection_dim": 768, "vocab_size": 49408,
}

# stabilityai/stable-diffusion-xl-base-1.0 text_encoder_2/config.json (CLIPTextModelWithProjection, OpenCLIP bigG/14)
TEXT_ENCODER_2 = {
    "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2, "hidden_act": "gelu",
    "hidden_size": 1280, "initializer_factor": 1.0, "initializer_range": 0.02, "intermediate_size": 5120,
    "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "num_attention_heads": 20, "num_hidden_layers": 32,
    "pad_token_id": 1, "projection_dim": 1280, "vocab_size": 49408,
}

# the same seeds as the tiny path (tiny.redraw_ recipe), so a run is reproducible on any machine
SEEDS = {"unet": 101, "controlnet": 202, "vae": 303, "ip_adapter": 404, "image_proj": 505, "extra_controlnet": 606,
         "text_encoder": 11, "text_encoder_2": 12}

ALLOWED_SCALES = (1, 2, 4, 8, 16)  # 1/F


def check_scale(scale):
    """--random-scale must be 1/k for k in ALLOWED_SCALES (widths stay divisible by heads and norm groups)."""
    k = 1.0 / scale if scale > 0 else 0
    if scale <= 0 or scale > 1 or abs(k - round(k)) > 1e-9 or int(round(k)) not in ALLOWED_SCALES:
        raise SystemExit("--random-scale must be one of 1, 0.5, 0.25, 0.125, 0.0625 (got %r): widths are divided "
                         "by 1/scale and must stay divisible by the attention heads and norm groups" % scale)
    return int(round(k))


def _w(x, k):
    if x % k:
        raise SystemExit("width %d is not divisible by %d" % (x, k))
    return x // k


def _d(n, k):
    return max(1, int(math.ceil(n / float(k))))  # depth: rounded up, at least one layer


def _scale_unet_like(cfg, k):
    c = dict(cfg)
    c["block_out_channels"] = [_w(x, k) for x in cfg["block_out_channels"]]
    c["norm_num_groups"] = _w(cfg["norm_num_groups"], k)  # channels per group stay 10, as SDXL
    c["transformer_layers_per_block"] = [_d(n, k) for n in cfg["transformer_layers_per_block"]]
    c["cross_attention_dim"] = _w(cfg["cross_attention_dim"], k)
    c["addition_time_embed_dim"] = _w(cfg["addition_time_embed_dim"], k)
    c["projection_class_embeddings_input_dim"] = _w(cfg["projection_class_embeddings_input_dim"], k)
    # attention_head_dim is the head COUNT in diffusers' SDXL configs: kept, so heads are 64/k wide
    if "conditioning_embedding_out_channels" in cfg:
        c["conditioning_embedding_out_channels"] = [_w(x, k) for x in cfg["conditioning_embedding_out_channels"]]
    return c


def configs(scale=1.0):
    """Every configuration at ``scale`` (1 = the published sizes). Plain dicts: nothing is instantiated."""
    k = check_scale(scale)
    vae = dict(VAE, block_out_channels=[_w(x, k) for x in VAE["block_out_channels"]],
               norm_num_groups=_w(VAE["norm_num_groups"], k))
    te1 = dict(TEXT_ENCODER, hidden_size=_w(768, k), intermediate_size=_w(3072, k), projection_dim=_w(768, k),
               num_hidden_layers=_d(12, k))
    te2 = dict(TEXT_ENCODER_2, hidden_size=_w(1280, k), intermediate_size=_w(5120, k), projection_dim=_w(1280, k),
               num_hidden_layers=_d(32, k))
    from .resampler import INSTANTID_RESAMPLER
    r = INSTANTID_RESAMPLER
    resampler = dict(r, dim=_w(r["dim"], k), dim_head=_w(r["dim_head"], k), depth=_d(r["depth"], k))
    return {"unet": _scale_unet_like(UNET, k), "controlnet": _scale_unet_like(CONTROLNET, k), "vae": vae,
            "text_encoder": te1, "text_encoder_2": te2, "image_proj": resampler,
            "image_proj_output_dim": _w(UNET["cross_attention_dim"], k)}


def _meta_supported():
    return hasattr(torch.device("meta"), "__enter__")  # torch >= 2.0: `with torch.device(...)`


def build_random(factory, seed, redraw, log=print):
    """Construct ``factory()`` and re-draw every parameter with ``redraw(module, seed)``.

    On torch >= 2 the module is constructed on the meta device (no memory, no default init of
    ~2.6 G parameters) and then materialised uninitialised with ``to_empty``; that is only valid when
    every tensor is a parameter re-drawn afterwards, so a module with buffers (their values would be
    lost) is rebuilt the ordinary way. Weights are float32: the export traces float32 and converts
    the ONNX graph to float16 afterwards (CPU torch lacks float16 kernels for the checks).
    """
    module = None
    if _meta_supported():
        try:
            with torch.device("meta"):
                m = factory()
            if any(True for _ in m.buffers()):
                log("note: %s has buffers; built on the CPU instead of the meta device" % type(m).__name__)
            else:
                module = m.to_empty(device="cpu")
        except Exception as e:  # noqa: BLE001 - any failure: fall back to the ordinary construction
            log("note: meta-device construction failed (%s); building on the CPU" % e)
            module = None
    if module is None:
        torch.manual_seed(0)
        module = factory()
    return redraw(module, seed)


def text_encoders(cfgs):
    """CLIP ViT-L and OpenCLIP bigG text towers (transformers), seeded default init (as the tiny path)."""
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection
    torch.manual_seed(SEEDS["text_encoder"])
    te1 = CLIPTextModel(CLIPTextConfig(**cfgs["text_encoder"])).eval()
    torch.manual_seed(SEEDS["text_encoder_2"])
    te2 = CLIPTextModelWithProjection(CLIPTextConfig(**cfgs["text_encoder_2"])).eval()
    return te1, te2

