"""InstantID's decoupled cross-attention with the IP-Adapter scale as a tensor.

Maths as InstantID ``ip_adapter/attention_processor.py`` (non-xformers path):
``IPAttnProcessor`` splits the last ``num_tokens`` rows of ``encoder_hidden_states`` off as the
identity tokens, attends to them with its own ``to_k_ip``/``to_v_ip`` (no bias) and adds
``scale * ip_attention`` before ``to_out``. Upstream keeps ``scale`` as a Python float; here it
is read from a shared :class:`ScaleInput`, which the export wrapper fills with the graph input
``ip_adapter_scale`` so the runtime can change it per request. The region-mask branch of the
upstream processor is inactive in single-identity inference (empty list) and is not reproduced.
"""

import torch
from torch import nn


class ScaleInput:
    """Holds the tensor the IP processors multiply by; set once per forward by the wrapper."""

    def __init__(self, value=1.0):
        self.value = torch.tensor([float(value)])


def _attend(attn, query, key, value, mask=None):
    # diffusers Attention helpers: [B,N,H*D] <-> [B*H,N,D], baddbmm(scale=dim_head^-0.5), softmax
    probs = attn.get_attention_scores(query, key, mask)
    return attn.batch_to_head_dim(torch.bmm(probs, value))


def _enter(attn, hidden_states, encoder_hidden_states, attention_mask, temb):
    # The opening both processors share with diffusers' AttnProcessor: spatial norm, [B,C,H,W] -> [B,HW,C],
    # the prepared mask, group norm. Returns the states, the mask and the image shape (None for 3-D input).
    if attn.spatial_norm is not None:
        hidden_states = attn.spatial_norm(hidden_states, temb)
    image_shape = None
    if hidden_states.ndim == 4:
        image_shape = hidden_states.shape
        b, c, h, w = image_shape
        hidden_states = hidden_states.view(b, c, h * w).transpose(1, 2)
    bsz, seq, _ = hidden_states.shape if encoder_hidden_states is None else encoder_hidden_states.shape
    attention_mask = attn.prepare_attention_mask(attention_mask, seq, bsz)
    if attn.group_norm is not None:
        hidden_states = attn.group_norm(hidden_states.transpose(1, 2)).transpose(1, 2)
    return hidden_states, attention_mask, image_shape


def _leave(attn, out, residual, image_shape):
    # The shared closing: to_out, back to [B,C,H,W] for 4-D input, residual, rescale.
    out = attn.to_out[1](attn.to_out[0](out))
    if image_shape is not None:
        b, c, h, w = image_shape
        out = out.transpose(-1, -2).reshape(b, c, h, w)
    if attn.residual_connection:
        out = out + residual
    return out / attn.rescale_output_factor


class PlainAttnProcessor(nn.Module):
    """Processor for self-attention (attn1); InstantID installs its ``AttnProcessor`` there."""

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None, **_):
        residual = hidden_states
        hidden_states, attention_mask, image_shape = _enter(attn, hidden_states, encoder_hidden_states, attention_mask, temb)
        query = attn.to_q(hidden_states)
        if encoder_hidden_states is None:
            encoder_hidden_states = hidden_states
        elif attn.norm_cross:
            encoder_hidden_states = attn.norm_encoder_hidden_states(encoder_hidden_states)
        key = attn.head_to_batch_dim(attn.to_k(encoder_hidden_states))
        value = attn.head_to_batch_dim(attn.to_v(encoder_hidden_states))
        out = _attend(attn, attn.head_to_batch_dim(query), key, value, attention_mask)
        return _leave(attn, out, residual, image_shape)


class IdentityAttnProcessor(nn.Module):
    """Cross-attention over text tokens plus decoupled attention over the trailing identity tokens."""

    def __init__(self, hidden_size, cross_attention_dim, num_tokens=16, scale=None):
        super().__init__()
        self.hidden_size = hidden_size
        self.cross_attention_dim = cross_attention_dim
        self.num_tokens = num_tokens
        self.scale = scale if scale is not None else ScaleInput()
        self.to_k_ip = nn.Linear(cross_attention_dim or hidden_size, hidden_size, bias=False)
        self.to_v_ip = nn.Linear(cross_attention_dim or hidden_size, hidden_size, bias=False)

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None, **_):
        residual = hidden_states
        hidden_states, attention_mask, image_shape = _enter(attn, hidden_states, encoder_hidden_states, attention_mask, temb)
        query = attn.head_to_batch_dim(attn.to_q(hidden_states))
        if encoder_hidden_states is None:
            raise ValueError("IdentityAttnProcessor is for cross-attention (attn2): encoder_hidden_states is required")
        # text tokens first, identity tokens are the last num_tokens rows (InstantID pipeline concat order)
        end = encoder_hidden_states.shape[1] - self.num_tokens
        text_states, ip_states = encoder_hidden_states[:, :end, :], encoder_hidden_states[:, end:, :]
        if attn.norm_cross:
            text_states = attn.norm_encoder_hidden_states(text_states)
        key = attn.head_to_batch_dim(attn.to_k(text_states))
        value = attn.head_to_batch_dim(attn.to_v(text_states))
        out = _attend(attn, query, key, value, attention_mask)
        ip_key = attn.head_to_batch_dim(self.to_k_ip(ip_states))
        ip_value = attn.head_to_batch_dim(self.to_v_ip(ip_states))
        ip_out = _attend(attn, query, ip_key, ip_value, None)
        scale = self.scale.value.to(dtype=out.dtype) if isinstance(self.scale, ScaleInput) else self.scale
        out = out + scale * ip_out
        return _leave(attn, out, residual, image_shape)


def install_ip_adapter(unet, ip_state_dict=None, num_tokens=16):
    """Install the processors like InstantID's ``set_ip_adapter`` and load ``ip-adapter.bin["ip_adapter"]``.

    The checkpoint keys are indices into ``ModuleList(unet.attn_processors.values())`` ("1.to_k_ip.weight",
    "3.to_k_ip.weight", ...; attn1 processors hold no weights), so the processors are built in the
    order of ``unet.attn_processors`` and loaded through the same ModuleList, strictly.
    Returns the shared :class:`ScaleInput`.
    """
    cfg = unet.config
    scale = ScaleInput()
    procs = {}
    for name in unet.attn_processors.keys():
        if name.endswith("attn1.processor"):
            procs[name] = PlainAttnProcessor()
            continue
        if name.startswith("mid_block"):
            hidden = cfg.block_out_channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(cfg.block_out_channels))[int(name[len("up_blocks.")])]
        elif name.startswith("down_blocks"):
            hidden = cfg.block_out_channels[int(name[len("down_blocks.")])]
        else:
            raise ValueError("unexpected attention processor name " + name)
        procs[name] = IdentityAttnProcessor(hidden, cfg.cross_attention_dim, num_tokens, scale)
    unet.set_attn_processor(procs)
    if ip_state_dict is not None:
        layers = nn.ModuleList(unet.attn_processors.values())
        layers.load_state_dict(ip_state_dict, strict=True)
    return scale
