"""Command line: build an InstantID Avatars ONNX model set (docs/ARCHITECTURE.md section 4)."""

import argparse
import gc
import json
import os
import shutil
import sys
import time

import onnx
import torch

from . import __version__, onnx_io, parts, sources

EXIT_OK, EXIT_ERROR, EXIT_OVER_TOLERANCE, EXIT_INCOMPLETE = 0, 1, 2, 3
# --only names; extra ControlNets are added as controlnet_<name> (their folder names)
BASE_PARTS = ("text_encoder", "text_encoder_2", "image_proj", "controlnet", "unet", "vae_decoder", "vae_encoder",
              "face", "tokenizers")
PARTIAL_PREFIX = ".partial-"
ORT_MODEL_TYPE = {"unet": "unet", "controlnet": "unet", "vae_decoder": "vae", "vae_encoder": "vae",
                  "text_encoder": "clip", "text_encoder_2": "clip"}


def build_parser():
    p = argparse.ArgumentParser(prog="python -m instantid_export", description=__doc__)
    p.add_argument("--sdxl", help="SDXL diffusers checkpoint: hub id (stabilityai/stable-diffusion-xl-base-1.0) "
                                  "or local folder")
    p.add_argument("--instantid", help="folder (or hub id InstantX/InstantID) with ControlNetModel/ and ip-adapter.bin")
    p.add_argument("--antelopev2", help="folder with insightface antelopev2 scrfd_10g_bnkps.onnx and glintr100.onnx")
    p.add_argument("--out", required=True, help="model-set folder to write")
    p.add_argument("--dtype", choices=("float16", "float32"), default="float16")
    p.add_argument("--variant", help="checkpoint weight variant to download, e.g. fp16 (upcast to float32 for export)")
    p.add_argument("--vae", help="replacement VAE, e.g. madebyollin/sdxl-vae-fp16-fix")
    p.add_argument("--fp16-vae-decoder", action="store_true",
                   help="convert the VAE decoder to float16 too (only safe with the fp16-fix VAE; default keeps it float32)")
    p.add_argument("--lcm-lora", help="LCM-LoRA to fuse into the UNet, e.g. latent-consistency/lcm-lora-sdxl "
                                      "(the set's scheduler becomes LCMScheduler)")
    p.add_argument("--extra-controlnet", action="append", metavar="NAME=ID",
                   help="extra SDXL ControlNet exported to controlnet_NAME/ (repeatable), e.g. depth=diffusers/"
                        "controlnet-depth-sdxl-1.0")
    p.add_argument("--ort-optimize", action="store_true",
                   help="run onnxruntime.transformers' optimizer on unet/controlnet/vae/text encoders")
    p.add_argument("--ort-target", choices=("cpu", "cuda"), default="cpu",
                   help="fusions for --ort-optimize: cpu = portable (default), cuda = CUDA-only contrib ops")
    p.add_argument("--tiny-random", action="store_true",
                   help="tiny random models in SDXL topology, no downloads (tests the tool, not a usable set)")
    p.add_argument("--random-full", action="store_true",
                   help="the real SDXL / IdentityNet / Resampler / CLIP architectures (configs in full.py) with seeded "
                        "random weights, no downloads: a full-size set for GPU benchmarks and parity runs")
    p.add_argument("--random-scale", type=float, default=1.0,
                   help="with --random-full: divide widths and depths by 1/F (F = 0.5, 0.25, ... 0.0625) for a smoke "
                        "test; topology and I/O stay the same (default 1 = full size)")
    p.add_argument("--clip-vocab", help="with --random-full: folder with CLIP's vocab.json and merges.txt for "
                                        "tokenizer/ and tokenizer_2/ (default: the tiny byte-level vocabulary)")
    p.add_argument("--atol", type=float, help="validation absolute tolerance (default by dtype)")
    p.add_argument("--rtol", type=float, help="validation tolerance relative to max |torch output| (default by dtype)")
    p.add_argument("--only", metavar="PART[,PART...]",
                   help="export only these parts into --out, leaving the others there untouched (build a set in "
                        "several calls): " + ", ".join(BASE_PARTS) + ", controlnet_<name> for --extra-controlnet")
    p.add_argument("--keep-work", action="store_true", help="keep the float32 intermediate exports in OUT/.work")
    return p


def _versions():
    import diffusers
    v = {"instantid_export": __version__, "torch": torch.__version__, "diffusers": diffusers.__version__,
         "onnx": onnx.__version__, "opset": onnx_io.OPSET}
    try:
        import onnxruntime
        v["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        v["onnxruntime"] = None
    try:
        import transformers
        v["transformers"] = transformers.__version__
    except ImportError:
        v["transformers"] = None
    return v


def print_table(rows, out=sys.stdout):
    out.write("\n%-22s %-8s %-14s %-12s %-12s %s\n" % ("model", "dtype", "checked at", "max|err|", "tolerance", "status"))
    for r in rows:
        at = ("B=%d %s" % (r["check_batch"], "x".join(map(str, r["check_size"])))) if "check_batch" in r else "-"
        err = ("%.3g" % r["max_abs_err"]) if r.get("max_abs_err") is not None else "-"
        tol = ("%.0e+%.0e*ref" % (r["atol"], r["rtol"])) if "atol" in r else "-"
        out.write("%-22s %-8s %-14s %-12s %-12s %s\n" % (r["model"], r.get("dtype", "-"), at, err, tol, r["status"]))
    out.flush()


def valid_parts(args):
    names = [spec.split("=", 1)[0] for spec in (args.extra_controlnet or [])]
    return list(BASE_PARTS) + ["controlnet_" + n for n in names]


def selected_parts(args):
    """The parts this call exports (all without --only); unknown names are an error listing the valid ones."""
    valid = valid_parts(args)
    if not args.only:
        return valid
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in valid]
    if unknown or not wanted:
        raise SystemExit("--only: unknown part(s) %s; valid parts: %s (extra ControlNets are controlnet_<name> of "
                         "--extra-controlnet)" % (", ".join(unknown) or "(none given)", ", ".join(valid)))
    return [p for p in valid if p in wanted]


def part_present(out, name):
    if name == "face":
        return all(os.path.isfile(os.path.join(out, "face", f)) for f in sources.FACE_FILES)
    if name == "tokenizers":
        return all(os.path.isfile(os.path.join(out, d, "vocab.json")) for d in ("tokenizer", "tokenizer_2"))
    return os.path.isfile(os.path.join(out, name, "model.onnx"))


def staging_dir(out, name):
    """Empty temp folder beside the set's folders; a part is written there and renamed into place when complete,
    so an interrupted call never leaves a half-written part (a stale one is removed by the next call)."""
    d = os.path.join(out, PARTIAL_PREFIX + name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def install_staged(staging, out, folders):
    """Move staging/<folder> to out/<folder> for each folder (replacing an older copy), then drop staging."""
    for folder in folders:
        dst = os.path.join(out, folder)
        if os.path.exists(dst):
            os.rename(dst, os.path.join(staging, folder + ".old"))
        os.rename(os.path.join(staging, folder), dst)
    shutil.rmtree(staging, ignore_errors=True)


def _previous_models(out):
    try:
        with open(os.path.join(out, "model_index.json")) as f:
            return json.load(f).get("models", {})
    except (OSError, ValueError):
        return {}


def run(args, log=print):
    t0 = time.time()
    if args.tiny_random and args.random_full:
        raise SystemExit("--tiny-random and --random-full are exclusive: choose tiny test models or full-size ones")
    if args.random_scale != 1.0 and not args.random_full:
        raise SystemExit("--random-scale only applies to --random-full")
    if args.clip_vocab and not args.random_full:
        raise SystemExit("--clip-vocab only applies to --random-full (real checkpoints bring their tokenizers)")
    if (args.tiny_random or args.random_full) and args.sdxl:
        log("note: --%s ignores --sdxl (no downloads)" % ("tiny-random" if args.tiny_random else "random-full"))
    only = selected_parts(args)
    os.makedirs(args.out, exist_ok=True)
    for stale in os.listdir(args.out):
        if stale.startswith(PARTIAL_PREFIX):  # left by an interrupted call
            shutil.rmtree(os.path.join(args.out, stale), ignore_errors=True)
    work = os.path.join(args.out, ".work")
    comp = sources.load_components(args, log)
    unet, vae = comp["unet"], comp["vae"]
    vae_scale = 2 ** (len(vae.config.block_out_channels) - 1)
    if args.tiny_random or (args.random_full and args.random_scale < 1.0):
        # small sizes keep the CPU checks of a scaled smoke test short; the full size uses the real ones
        trace, check = (2, (8, 8)), (1, (16, 8))
    else:
        trace, check = (2, (32, 32)), (1, (48, 40))
    decoder_fp32 = not args.fp16_vae_decoder
    if args.fp16_vae_decoder and not (args.vae and "fp16-fix" in args.vae):
        log("warning: --fp16-vae-decoder without the fp16-fix VAE: SDXL's VAE overflows in float16 (NaN images)")

    rows = []
    # entries of parts written by earlier calls (--only) stay while their files do
    models = {k: v for k, v in _previous_models(args.out).items() if k not in only
              and os.path.isfile(os.path.join(args.out, v.get("path", "")))}
    for name, reason in comp["missing"].items():
        if name in only:
            rows.append({"model": name, "status": "MISSING: " + reason, "passed": None})

    # tokenizers first: their vocabulary sizes the tiny text encoders (written every call, installed if selected)
    staging = staging_dir(args.out, "tokenizers")
    vocab_info = comp["tokenizer_writer"](staging)
    if "tokenizers" in only:
        install_staged(staging, args.out, ("tokenizer", "tokenizer_2"))
    shutil.rmtree(staging, ignore_errors=True)
    if "face" not in only:
        pass
    elif args.antelopev2:
        staging = staging_dir(args.out, "face")
        rows += sources.copy_face_models(args.antelopev2, staging)
        install_staged(staging, args.out, ("face",))
        models["face_detector"] = {"path": "face/detector.onnx"}
        models["face_recognizer"] = {"path": "face/recognizer.onnx"}
    else:
        rows.append({"model": "face", "status": "MISSING: no --antelopev2 folder given", "passed": None})

    cross = unet.config.cross_attention_dim
    todo = [("image_proj", lambda: parts.image_proj_part(comp["resampler"])),
            ("controlnet", lambda: parts.controlnet_part("controlnet", comp["controlnet"], vae_scale, 16, trace,
                                                         check))]
    for extra, cn in comp["extras"].items():
        # extra ControlNets see the prompt tokens (77 per chunk), not the identity tokens
        todo.append(("controlnet_" + extra, lambda extra=extra, cn=cn: parts.controlnet_part(
            "controlnet_" + extra, cn, vae_scale, 77, trace, check)))
    todo.append(("unet", lambda: parts.unet_part(unet, comp["scale"], vae_scale, 77, 16, trace, check)))
    todo += [(n, lambda i=i: parts.vae_parts(vae, vae_scale, trace, check, decoder_fp32)[i])
             for i, n in enumerate(("vae_decoder", "vae_encoder"))]
    if "text_encoder" in only or "text_encoder_2" in only:
        encoders = sources.load_text_encoders(comp, args, vocab_info)
        if encoders is not None:
            vocab = vocab_info[0] if isinstance(vocab_info, tuple) else encoders[0].config.vocab_size
            todo.append(("text_encoder", lambda: parts.text_encoder_part("text_encoder", encoders[0], False, vocab)))
            todo.append(("text_encoder_2", lambda: parts.text_encoder_part("text_encoder_2", encoders[1], True,
                                                                           vocab)))

    ort_record = {"target": args.ort_target, "models": {}} if args.ort_optimize else None
    for name, make in todo:
        if name not in only:
            continue
        part = make()
        log("exporting %s" % part.name)
        staging = staging_dir(args.out, part.name)
        try:
            fp32_path, fp32_model = onnx_io.export_part(part, work)
            model_type = "unet" if part.name.startswith("controlnet") else ORT_MODEL_TYPE.get(part.name)
            optimize = model_type if args.ort_optimize else None  # the Resampler has no ORT model type: left as is
            path, dtype, optimized = onnx_io.finish_part(part, fp32_path, fp32_model, staging, args.dtype, optimize,
                                                         args.ort_target)
            del fp32_model
            if optimized and ort_record is not None:
                ort_record["models"][part.name] = optimized
            log("validating %s" % part.name)
            row = onnx_io.validate_part(part, path, dtype, optimized, args.ort_target, args.atol, args.rtol)
            external = os.path.exists(path + "_data")
            install_staged(staging, args.out, (part.name,))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        rows.append(row)
        models[part.name] = {"path": part.name + "/model.onnx", "dtype": dtype, "external_data": external,
                             "inputs": part.input_names, "outputs": part.output_names}
        gc.collect()
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    if ort_record is not None:
        # parts optimised by earlier calls keep their record
        for name, m in models.items():
            if m.get("ort_optimized") and name not in ort_record["models"]:
                ort_record["models"][name] = m["ort_optimized"]
    for name, m in models.items():
        if ort_record is not None and name in ort_record["models"]:
            m["ort_optimized"] = ort_record["models"][name]

    index = {
        "format": "instantid-avatars/onnx", "version": 1, "dtype": args.dtype,
        "vae_scaling_factor": float(vae.config.scaling_factor),
        "default_size": [int(unet.config.sample_size) * vae_scale] * 2,
        "image_tokens": 16, "face": {"det_size": 640},
        "scheduler": comp["scheduler"],
        "source": comp["source"],
        "cross_attention_dim": cross,
        "controlnets": sorted(comp["extras"]),
        "models": models,
        "ort_optimized": ort_record,
        "exporter": _versions(),
    }
    with open(os.path.join(args.out, "model_index.json"), "w") as f:
        json.dump(index, f, indent=2)

    print_table(rows)
    still_missing = [p for p in valid_parts(args) if not part_present(args.out, p)]
    log("parts still missing from %s: %s" % (args.out, ", ".join(still_missing) or "none"))
    over = [r["model"] for r in rows if r.get("passed") is False]
    unchecked = [r["model"] for r in rows if r.get("passed") is None and not r["status"].startswith("copied")]
    unchecked += [p for p in still_missing if p not in unchecked]
    code = EXIT_OVER_TOLERANCE if over else (EXIT_INCOMPLETE if unchecked else EXIT_OK)
    verdict = {EXIT_OK: "model set written and every model validated against PyTorch",
               EXIT_OVER_TOLERANCE: "VALIDATION FAILED (over tolerance): " + ", ".join(over),
               EXIT_INCOMPLETE: "model set written but NOT fully validated/complete: " + ", ".join(unchecked)}[code]
    if args.only:
        verdict += " (this call: %s; earlier calls' parts were validated by those calls)" % ", ".join(only)
    with open(os.path.join(args.out, "export_report.json"), "w") as f:
        json.dump({"exit_code": code, "verdict": verdict, "exported": only, "rows": rows,
                   "missing_parts": still_missing, "seconds": round(time.time() - t0, 1)}, f, indent=2)
    log("\n%s (%s, %.0f s)" % (verdict, args.out, time.time() - t0))
    return code


def main(argv=None):
    args = build_parser().parse_args(argv)
    return run(args)
