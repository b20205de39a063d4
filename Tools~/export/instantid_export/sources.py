"""Load the torch models the set is exported from: real checkpoints (hub id or local folder) or tiny random."""

import json
import os
import shutil

import torch

from . import full, tiny
from .attention import install_ip_adapter
from .resampler import INSTANTID_RESAMPLER, Resampler

TOKENIZER_FILES = ("vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json")
FACE_FILES = {"detector.onnx": "scrfd_10g_bnkps.onnx", "recognizer.onnx": "glintr100.onnx"}


def _local_or_download(source, patterns):
    if os.path.isdir(source):
        return source
    from huggingface_hub import snapshot_download
    return snapshot_download(source, allow_patterns=list(patterns))


def diffusers_hub_compat():
    """diffusers 0.25.1 imports ``cached_download`` from huggingface_hub at import time; huggingface_hub 0.26
    removed it. A machine whose transformers needs a newer hub (the device session) can then still import
    diffusers: the name is defined to fail loudly, and this tool never calls it (it is used only by
    diffusers' remote-code pipelines)."""
    try:
        import huggingface_hub
    except ImportError:
        return
    if not hasattr(huggingface_hub, "cached_download"):
        def cached_download(*args, **kwargs):
            raise RuntimeError("huggingface_hub %s has no cached_download; install huggingface_hub==0.20.2 "
                               "for diffusers 0.25.1's remote-code loading" % huggingface_hub.__version__)
        huggingface_hub.cached_download = cached_download


def write_clip_tokenizers(vocab_dir, out_dir):
    """tokenizer/ and tokenizer_2/ for a random-weight set: the CLIP BPE files (vocab.json, merges.txt) from
    ``vocab_dir`` with SDXL's special tokens (tokenizer pads with <|endoftext|>, tokenizer_2 with "!"); without
    ``vocab_dir`` the tiny byte-level vocabulary (ids stay inside the 49408-token embedding). Returns None:
    the text-encoder checks then draw ids over the encoder's own vocabulary."""
    if vocab_dir is None:
        tiny.write_tiny_tokenizers(out_dir)
        return None
    for name in ("vocab.json", "merges.txt"):
        if not os.path.isfile(os.path.join(vocab_dir, name)):
            raise SystemExit("--clip-vocab %s has no %s: give a folder with CLIP's vocab.json and merges.txt (e.g. "
                             "an SDXL checkpoint's tokenizer/ folder)" % (vocab_dir, name))
    start, end = tiny.START, tiny.END
    for folder, pad in (("tokenizer", end), ("tokenizer_2", "!")):
        d = os.path.join(out_dir, folder)
        os.makedirs(d, exist_ok=True)
        for name in ("vocab.json", "merges.txt"):
            shutil.copyfile(os.path.join(vocab_dir, name), os.path.join(d, name))
        with open(os.path.join(d, "special_tokens_map.json"), "w", encoding="utf-8") as f:
            json.dump({"bos_token": start, "eos_token": end, "pad_token": pad, "unk_token": end}, f)
        with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump({"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "bos_token": start,
                       "eos_token": end, "pad_token": pad, "unk_token": end, "do_lower_case": True}, f)
    return None


def load_ip_checkpoint(folder):
    """InstantID's ip-adapter.bin: {"image_proj": Resampler weights, "ip_adapter": attention K/V weights}."""
    path = os.path.join(folder, "ip-adapter.bin")
    if not os.path.isfile(path):
        raise SystemExit("%s not found: --instantid must be a folder with ControlNetModel/ and ip-adapter.bin "
                         "(huggingface InstantX/InstantID)" % path)
    ckpt = torch.load(path, map_location="cpu")
    for key in ("image_proj", "ip_adapter"):
        if key not in ckpt:
            raise SystemExit("%s has no '%s' entry (keys: %s); is it InstantID's ip-adapter.bin?"
                             % (path, key, sorted(ckpt)[:5]))
    return ckpt


def make_resampler(image_proj_state, output_dim, tiny_config=False, config=None):
    """Build the Resampler; with a state dict the sizes are read from it (InstantID's, the tiny test one or
    ``config``'s: the head count is not in the state dict, so it is matched by the attention width)."""
    cfg = dict(config or (tiny.RESAMPLER if tiny_config else INSTANTID_RESAMPLER))
    if image_proj_state is not None:
        lat = image_proj_state["latents"]
        inner = image_proj_state["layers.0.0.to_q.weight"].shape[0]
        known = {INSTANTID_RESAMPLER["dim_head"] * INSTANTID_RESAMPLER["heads"]: INSTANTID_RESAMPLER["heads"],
                 tiny.RESAMPLER["dim_head"] * tiny.RESAMPLER["heads"]: tiny.RESAMPLER["heads"]}
        if config is not None:
            known[config["dim_head"] * config["heads"]] = config["heads"]
        heads = known.get(inner)
        if heads is None:
            raise SystemExit("image_proj: attention width %d is neither InstantID's (1280) nor the tiny one" % inner)
        cfg.update(dim=lat.shape[2], num_queries=lat.shape[1], heads=heads, dim_head=inner // heads,
                   embedding_dim=image_proj_state["proj_in.weight"].shape[1],
                   depth=len({k.split(".")[1] for k in image_proj_state if k.startswith("layers.")}))
        output_dim = image_proj_state["proj_out.weight"].shape[0]
    model = Resampler(output_dim=output_dim, **cfg)
    if image_proj_state is not None:
        model.load_state_dict(image_proj_state, strict=True)
    return model.eval()


def apply_lcm_lora(unet, lora_id):
    """Fuse an LCM-LoRA (e.g. latent-consistency/lcm-lora-sdxl) into the UNet weights before the IP processors."""
    # the SDXL pipeline's LoRA classmethods, without building a pipeline (LCM-LoRA only touches the UNet)
    from diffusers.loaders.lora import StableDiffusionXLLoraLoaderMixin as Loader
    state, alphas = Loader.lora_state_dict(lora_id)
    Loader.load_lora_into_unet(state, alphas, unet=unet)
    unet.fuse_lora()


def load_components(args, log):
    """Returns a dict with every torch model, plus tokenizer/scheduler info and the provenance record."""
    diffusers_hub_compat()
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel
    comp = {"source": {"tiny_random": bool(args.tiny_random)}, "missing": {}}
    fp32 = torch.float32
    random_full = getattr(args, "random_full", False)
    full_cfg = full.configs(args.random_scale) if random_full else None

    # ---- UNet, VAE, text encoders, tokenizers, scheduler
    if random_full:
        unet = full.build_random(lambda: UNet2DConditionModel(**full_cfg["unet"]), full.SEEDS["unet"],
                                 tiny.redraw_, log)
        vae = full.build_random(lambda: AutoencoderKL(**full_cfg["vae"]), full.SEEDS["vae"], tiny.redraw_, log)
        scheduler = dict(tiny.SDXL_SCHEDULER)
        comp["tokenizer_writer"] = lambda out_dir: write_clip_tokenizers(args.clip_vocab, out_dir)
        comp["source"].update(random_full=True, random_scale=args.random_scale, seeds=dict(full.SEEDS),
                              configs=dict(full.SOURCES))
        try:
            comp["text_encoders"] = "random_full"
            import transformers  # noqa: F401
        except ImportError:
            comp["text_encoders"] = None
            comp["missing"]["text_encoder"] = comp["missing"]["text_encoder_2"] = \
                "transformers is not installed: text encoders not exported (pip install transformers==4.37.1)"
        comp["full_configs"] = full_cfg
    elif args.tiny_random:
        torch.manual_seed(0)
        unet = tiny.redraw_(UNet2DConditionModel(**tiny.UNET), 101)
        vae = tiny.redraw_(AutoencoderKL(**tiny.VAE), 303)
        scheduler = dict(tiny.SDXL_SCHEDULER)
        comp["tokenizer_writer"] = tiny.write_tiny_tokenizers
        try:
            comp["text_encoders"] = "tiny"
            import transformers  # noqa: F401
        except ImportError:
            comp["text_encoders"] = None
            comp["missing"]["text_encoder"] = comp["missing"]["text_encoder_2"] = \
                "transformers is not installed: text encoders not exported (pip install transformers==4.37.1)"
    else:
        if not args.sdxl:
            raise SystemExit("--sdxl is required (hub id such as stabilityai/stable-diffusion-xl-base-1.0, or a "
                             "local diffusers folder), or use --tiny-random")
        log("loading SDXL from %s" % args.sdxl)
        unet = UNet2DConditionModel.from_pretrained(args.sdxl, subfolder="unet", variant=args.variant, torch_dtype=fp32)
        if args.vae:
            vae = AutoencoderKL.from_pretrained(args.vae, torch_dtype=fp32)
        else:
            vae = AutoencoderKL.from_pretrained(args.sdxl, subfolder="vae", variant=args.variant, torch_dtype=fp32)
        root = _local_or_download(args.sdxl, ["scheduler/*", "tokenizer/*", "tokenizer_2/*"])
        with open(os.path.join(root, "scheduler", "scheduler_config.json")) as f:
            scheduler = json.load(f)

        def copy_tokenizers(out_dir):
            for folder in ("tokenizer", "tokenizer_2"):
                os.makedirs(os.path.join(out_dir, folder), exist_ok=True)
                for name in TOKENIZER_FILES:
                    src = os.path.join(root, folder, name)
                    if os.path.isfile(src):
                        shutil.copyfile(src, os.path.join(out_dir, folder, name))
                    elif name in ("vocab.json", "merges.txt"):
                        raise SystemExit("%s missing in the SDXL checkpoint" % src)
        comp["tokenizer_writer"] = copy_tokenizers
        comp["text_encoders"] = "sdxl"
        comp["source"]["sdxl"] = args.sdxl
        if args.vae:
            comp["source"]["vae"] = args.vae

    if args.lcm_lora:
        log("fusing LCM-LoRA %s" % args.lcm_lora)
        apply_lcm_lora(unet, args.lcm_lora)
        import inspect
        from diffusers import LCMScheduler
        # as diffusers' LCM-LoRA recipe: LCMScheduler.from_config(the checkpoint's scheduler config)
        own = inspect.signature(LCMScheduler.__init__).parameters
        scheduler = {k: v for k, v in LCMScheduler.from_config(scheduler).config.items() if k in own}
        scheduler["_class_name"] = "LCMScheduler"
        comp["source"]["lcm_lora"] = args.lcm_lora
    scheduler = {k: v for k, v in scheduler.items() if not k.startswith("_") or k == "_class_name"}

    # ---- InstantID: IdentityNet + ip-adapter.bin
    if args.instantid:
        folder = _local_or_download(args.instantid, ["ControlNetModel/*", "ip-adapter.bin"])
        log("loading InstantID from %s" % folder)
        controlnet = ControlNetModel.from_pretrained(os.path.join(folder, "ControlNetModel"), torch_dtype=fp32)
        ckpt = load_ip_checkpoint(folder)
        comp["source"]["instantid"] = args.instantid
    elif random_full:
        controlnet = full.build_random(lambda: ControlNetModel(**full_cfg["controlnet"]), full.SEEDS["controlnet"],
                                       tiny.redraw_, log)
        ckpt = None
    elif args.tiny_random:
        torch.manual_seed(0)
        controlnet = tiny.redraw_(ControlNetModel(**tiny.CONTROLNET), 202)
        ckpt = None
    else:
        raise SystemExit("--instantid is required: a folder (or hub id InstantX/InstantID) with ControlNetModel/ "
                         "and ip-adapter.bin")
    res_cfg = full_cfg["image_proj"] if random_full else None
    if ckpt is None:  # tiny / random-full: draw the IP weights through the same loading path as a real checkpoint
        install_ip_adapter(unet)
        ip_state = {k: v for k, v in tiny.redraw_(torch.nn.ModuleList(unet.attn_processors.values()), 404)
                    .state_dict().items()}
        res = tiny.redraw_(make_resampler(None, unet.config.cross_attention_dim, not random_full, res_cfg), 505)
        ckpt = {"image_proj": res.state_dict(), "ip_adapter": ip_state}
        del res
    scale = install_ip_adapter(unet, ckpt["ip_adapter"], num_tokens=16)
    resampler = make_resampler(ckpt["image_proj"], unet.config.cross_attention_dim, config=res_cfg)
    del ckpt

    extras = {}
    for spec in args.extra_controlnet or []:
        if "=" not in spec:
            raise SystemExit("--extra-controlnet expects name=<hub id or folder>, got %r" % spec)
        name, src = spec.split("=", 1)
        if not name.isidentifier():
            raise SystemExit("--extra-controlnet name %r must be a plain identifier (e.g. depth, pose, canny)" % name)
        if args.tiny_random and src == "tiny":
            torch.manual_seed(0)
            extras[name] = tiny.redraw_(ControlNetModel(**tiny.CONTROLNET), 606 + len(extras))
        elif random_full and src == "random":
            # an SDXL ControlNet of IdentityNet's layout (depth/pose/canny ControlNets share it)
            extras[name] = full.build_random(lambda: ControlNetModel(**full_cfg["controlnet"]),
                                             full.SEEDS["extra_controlnet"] + len(extras), tiny.redraw_, log)
        else:
            extras[name] = ControlNetModel.from_pretrained(src, torch_dtype=fp32)
        comp["source"].setdefault("extra_controlnets", {})[name] = src

    for m in [unet, vae, controlnet, resampler] + list(extras.values()):
        m.eval().requires_grad_(False)
    comp.update(unet=unet, scale=scale, vae=vae, controlnet=controlnet, resampler=resampler, extras=extras,
                scheduler=scheduler)
    return comp


def load_text_encoders(comp, args, vocab_info):
    if comp["text_encoders"] is None:
        return None
    if comp["text_encoders"] == "tiny":
        return tiny.text_encoders(*vocab_info)
    if comp["text_encoders"] == "random_full":
        return full.text_encoders(comp["full_configs"])
    from transformers import CLIPTextModel, CLIPTextModelWithProjection
    te1 = CLIPTextModel.from_pretrained(args.sdxl, subfolder="text_encoder", variant=args.variant,
                                        torch_dtype=torch.float32)
    te2 = CLIPTextModelWithProjection.from_pretrained(args.sdxl, subfolder="text_encoder_2", variant=args.variant,
                                                      torch_dtype=torch.float32)
    return te1.eval(), te2.eval()


def copy_face_models(folder, out_dir):
    """antelopev2's SCRFD and ArcFace, copied unchanged; checks they are ONNX with the expected inputs."""
    import onnx
    dst = os.path.join(out_dir, "face")
    os.makedirs(dst, exist_ok=True)
    rows = []
    for target, name in FACE_FILES.items():
        src = os.path.join(folder, name)
        if not os.path.isfile(src):
            raise SystemExit("%s not found: --antelopev2 must be the unzipped antelopev2 folder (insightface) with "
                             "scrfd_10g_bnkps.onnx and glintr100.onnx" % src)
        model = onnx.load(src)
        onnx.checker.check_model(model)
        inits = {i.name for i in model.graph.initializer}
        inp = [i for i in model.graph.input if i.name not in inits][0]
        dims = [d.dim_value if d.HasField("dim_value") else d.dim_param for d in inp.type.tensor_type.shape.dim]
        if len(dims) != 4 or dims[1] != 3:
            raise SystemExit("%s: input %s has shape %s, expected [N,3,H,W]" % (src, inp.name, dims))
        if target == "recognizer.onnx" and dims[2:] != [112, 112] and all(isinstance(d, int) and d > 0 for d in dims[2:]):
            raise SystemExit("%s: ArcFace input must be 112x112, got %s" % (src, dims[2:]))
        shutil.copyfile(src, os.path.join(dst, target))
        rows.append({"model": "face/" + target, "status": "copied from " + name, "input": dims})
    return rows
