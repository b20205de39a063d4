"""Export wrappers: one ``torch.nn.Module`` per model of the set, with the contract's I/O names.

Each :class:`Part` bundles the wrapper with its input/output names, dynamic axes and a factory of
seeded random inputs (used both as the trace example and, at another batch/size, for validation).
Names and layouts follow docs/ARCHITECTURE.md section 4; text encoders and VAE follow Optimum's
SDXL export (input_ids int32, hidden_states.N outputs, latent_sample / sample).
"""

import math

import torch
from torch import nn

# inputs that stay float32 in a float16 set (scales and the timestep are tiny and precision-critical)
FP32_INPUTS = ("timestep", "conditioning_scale", "ip_adapter_scale")


class Part:
    def __init__(self, name, module, input_names, output_names, dynamic_axes, make_inputs, trace_size, check_size,
                 keep_fp32=False):
        self.name = name                  # folder in the model set
        self.module = module              # torch wrapper, float32, eval
        self.input_names = input_names
        self.output_names = output_names
        self.dynamic_axes = dynamic_axes
        self.make_inputs = make_inputs    # (batch, size, seed) -> tuple of tensors in input order
        self.trace_size = trace_size      # (batch, size) used for the trace
        self.check_size = check_size      # (batch, size) used for validation: differs to exercise dynamic axes
        self.keep_fp32 = keep_fp32        # e.g. the VAE decoder in a float16 set


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _randn(g, *shape):
    return torch.randn(*shape, generator=g, dtype=torch.float32)


def down_residual_shapes(config, h, w):
    """Shapes of an SDXL ControlNet's down residuals (conv_in, each resnet, each downsampler) and mid residual."""
    ch0 = config.block_out_channels[0]
    shapes = [(ch0, h, w)]
    n = len(config.block_out_channels)
    for i, ch in enumerate(config.block_out_channels):
        shapes += [(ch, h, w)] * config.layers_per_block
        if i < n - 1:
            h, w = (h + 1) // 2, (w + 1) // 2  # conv k3 s2 p1
            shapes.append((ch, h, w))
    return shapes, (config.block_out_channels[-1], h, w)


def _time_ids(batch, h, w, vae_scale):
    hp, wp = float(h * vae_scale), float(w * vae_scale)
    # SDXL add_time_ids: original size, crop top-left, target size
    return torch.tensor([[hp, wp, 0.0, 0.0, hp, wp]] * batch, dtype=torch.float32)


# --------------------------------------------------------------------------- UNet
class UNetExport(nn.Module):
    def __init__(self, unet, scale_input, n_res):
        super().__init__()
        self.unet = unet
        self.scale_input = scale_input
        self.n_res = n_res

    def forward(self, sample, timestep, encoder_hidden_states, text_embeds, time_ids, ip_adapter_scale, *residuals):
        self.scale_input.value = ip_adapter_scale  # read by every IdentityAttnProcessor
        down, mid = residuals[:self.n_res], residuals[self.n_res]
        return self.unet(sample, timestep, encoder_hidden_states=encoder_hidden_states,
                         added_cond_kwargs={"text_embeds": text_embeds, "time_ids": time_ids},
                         down_block_additional_residuals=tuple(down), mid_block_additional_residual=mid,
                         return_dict=False)[0]


def unet_part(unet, scale_input, vae_scale, text_tokens, image_tokens, trace_size, check_size):
    cfg = unet.config
    res_shapes, mid_shape = down_residual_shapes(cfg, 8, 8)
    n = len(res_shapes)
    pooled = cfg.projection_class_embeddings_input_dim - 6 * cfg.addition_time_embed_dim
    names = ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids", "ip_adapter_scale"]
    names += ["down_block_additional_residual_%d" % i for i in range(n)] + ["mid_block_additional_residual"]
    axes = {"sample": {0: "batch", 2: "height", 3: "width"}, "encoder_hidden_states": {0: "batch", 1: "sequence"},
            "text_embeds": {0: "batch"}, "time_ids": {0: "batch"}, "out_sample": {0: "batch", 2: "height", 3: "width"}}
    for i in range(n):
        axes[names[6 + i]] = {0: "batch", 2: "res%d_height" % i, 3: "res%d_width" % i}
    axes["mid_block_additional_residual"] = {0: "batch", 2: "mid_height", 3: "mid_width"}

    def make(batch, size, seed):
        g = _gen(seed)
        h, w = size
        shapes, mid = down_residual_shapes(cfg, h, w)
        return ((_randn(g, batch, cfg.in_channels, h, w),
                 torch.tensor([float(torch.randint(0, 1000, (1,), generator=g))]),
                 _randn(g, batch, text_tokens + image_tokens, cfg.cross_attention_dim),
                 _randn(g, batch, pooled), _time_ids(batch, h, w, vae_scale), torch.tensor([0.8]))
                + tuple(0.5 * _randn(g, batch, *s) for s in shapes) + (0.5 * _randn(g, batch, *mid),))
    return Part("unet", UNetExport(unet, scale_input, n), names, ["out_sample"], axes, make, trace_size, check_size)


# --------------------------------------------------------------------------- ControlNet
class ControlNetExport(nn.Module):
    def __init__(self, controlnet):
        super().__init__()
        self.controlnet = controlnet

    def forward(self, sample, timestep, encoder_hidden_states, controlnet_cond, conditioning_scale, text_embeds, time_ids):
        down, mid = self.controlnet(sample, timestep, encoder_hidden_states=encoder_hidden_states,
                                    controlnet_cond=controlnet_cond, conditioning_scale=conditioning_scale,
                                    added_cond_kwargs={"text_embeds": text_embeds, "time_ids": time_ids},
                                    guess_mode=False, return_dict=False)
        return tuple(down) + (mid,)  # diffusers already multiplied every residual by conditioning_scale


def controlnet_part(name, controlnet, vae_scale, cond_tokens, trace_size, check_size):
    cfg = controlnet.config
    n = len(controlnet.controlnet_down_blocks)
    pooled = cfg.projection_class_embeddings_input_dim - 6 * cfg.addition_time_embed_dim
    inputs = ["sample", "timestep", "encoder_hidden_states", "controlnet_cond", "conditioning_scale", "text_embeds",
              "time_ids"]
    outputs = ["down_block_res_sample_%d" % i for i in range(n)] + ["mid_block_res_sample"]
    axes = {"sample": {0: "batch", 2: "height", 3: "width"}, "encoder_hidden_states": {0: "batch", 1: "sequence"},
            "controlnet_cond": {0: "batch", 2: "image_height", 3: "image_width"}, "text_embeds": {0: "batch"},
            "time_ids": {0: "batch"}}
    for i in range(n):
        axes[outputs[i]] = {0: "batch", 2: "res%d_height" % i, 3: "res%d_width" % i}
    axes["mid_block_res_sample"] = {0: "batch", 2: "mid_height", 3: "mid_width"}

    def make(batch, size, seed):
        g = _gen(seed)
        h, w = size
        return (_randn(g, batch, cfg.in_channels, h, w),
                torch.tensor([float(torch.randint(0, 1000, (1,), generator=g))]),
                _randn(g, batch, cond_tokens, cfg.cross_attention_dim),
                torch.rand(batch, 3, h * vae_scale, w * vae_scale, generator=g),
                torch.tensor([0.8]), _randn(g, batch, pooled), _time_ids(batch, h, w, vae_scale))
    return Part(name, ControlNetExport(controlnet), inputs, outputs, axes, make, trace_size, check_size)


# --------------------------------------------------------------------------- Resampler
def image_proj_part(resampler):
    def make(batch, size, seed):
        g = _gen(seed)
        # raw ArcFace embeddings have L2 norm ~20 (not normalised), so scale N(0,1) up
        return (0.9 * _randn(g, batch, size[0], 512),)
    return Part("image_proj", resampler, ["face_embeds"], ["image_prompt_embeds"],
                {"face_embeds": {0: "batch", 1: "faces"}, "image_prompt_embeds": {0: "batch"}},
                make, (2, (1,)), (1, (3,)))


# --------------------------------------------------------------------------- VAE
class VaeEncoderExport(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        # the distribution's mean: deterministic; img2img adds its own noise afterwards
        return self.vae.encode(sample, return_dict=False)[0].mode()


class VaeDecoderExport(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode(latent_sample, return_dict=False)[0]


def vae_parts(vae, vae_scale, trace_size, check_size, decoder_fp32):
    lc = vae.config.latent_channels

    def make_dec(batch, size, seed):
        return (_randn(_gen(seed), batch, lc, size[0], size[1]),)

    def make_enc(batch, size, seed):
        g = _gen(seed)
        return (torch.rand(batch, 3, size[0] * vae_scale, size[1] * vae_scale, generator=g) * 2 - 1,)
    img = {0: "batch", 2: "image_height", 3: "image_width"}
    lat = {0: "batch", 2: "height", 3: "width"}
    dec = Part("vae_decoder", VaeDecoderExport(vae), ["latent_sample"], ["sample"],
               {"latent_sample": lat, "sample": img}, make_dec, trace_size, check_size, keep_fp32=decoder_fp32)
    enc = Part("vae_encoder", VaeEncoderExport(vae), ["sample"], ["latent_sample"],
               {"sample": img, "latent_sample": lat}, make_enc, trace_size, check_size)
    return [dec, enc]


# --------------------------------------------------------------------------- text encoders (transformers)
class TextEncoderExport(nn.Module):
    def __init__(self, encoder, with_projection):
        super().__init__()
        self.encoder = encoder
        self.with_projection = with_projection

    def forward(self, input_ids):
        out = self.encoder(input_ids=input_ids.to(torch.long), output_hidden_states=True, return_dict=True)
        first = out.text_embeds if self.with_projection else out.last_hidden_state
        second = out.last_hidden_state if self.with_projection else out.pooler_output
        return (first, second) + tuple(out.hidden_states)


def text_encoder_part(name, encoder, with_projection, vocab_size):
    n_hidden = encoder.config.num_hidden_layers + 1  # embeddings output + one per layer, as transformers
    outputs = (["text_embeds", "last_hidden_state"] if with_projection else ["last_hidden_state", "pooler_output"])
    outputs += ["hidden_states.%d" % i for i in range(n_hidden)]
    axes = {"input_ids": {0: "batch"}}
    for o in outputs:
        axes[o] = {0: "batch"} if o in ("text_embeds", "pooler_output") else {0: "batch", 1: "sequence"}
    axes["input_ids"] = {0: "batch", 1: "sequence"}
    eos = encoder.config.eos_token_id

    def make(batch, size, seed):
        g = _gen(seed)
        ids = torch.randint(0, vocab_size - 2, (batch, size[0]), generator=g, dtype=torch.int64)
        # SDXL's configs say eos_token_id 2 (legacy: transformers then pools at argmax(id)); put the real
        # end-of-text id (last in the vocabulary) mid-sequence so pooling reads a known position either way
        ids[:, size[0] // 2] = vocab_size - 1 if eos in (None, 2) or eos >= vocab_size else eos
        return (ids.to(torch.int32),)
    return Part(name, TextEncoderExport(encoder, with_projection), ["input_ids"], outputs, axes, make,
                (2, (77,)), (1, (77,)))
