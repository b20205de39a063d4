"""ONNX export, external data, float16 conversion, onnxruntime optimisation and validation."""

import os
import shutil

import numpy as np
import onnx
import torch

from .parts import FP32_INPUTS

OPSET = 17
TWO_GB = 2 ** 31 - 1


def ort_available():
    try:
        import onnxruntime  # noqa: F401
        return True
    except ImportError:
        return False


def _proto_size(model):
    return sum(t.ByteSize() for t in model.graph.initializer) + sum(
        n.ByteSize() for n in model.graph.node if n.op_type == "Constant")


def save_model(model, path):
    """Save as ``model.onnx``; over 2 GB the weights go to one ``model.onnx_data`` beside it (Optimum's name)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = os.path.basename(path) + "_data"
    if os.path.exists(os.path.join(os.path.dirname(path), data)):
        os.remove(os.path.join(os.path.dirname(path), data))
    if _proto_size(model) > TWO_GB:
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data,
                        size_threshold=1024)
    else:
        onnx.save_model(model, path)
    return path


def export_part(part, work_dir):
    """torch.onnx.export of the float32 wrapper into work_dir/<part>/model.onnx; returns the path."""
    out_dir = os.path.join(work_dir, part.name)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    path = os.path.join(out_dir, "model.onnx")
    batch, size = part.trace_size
    args = part.make_inputs(batch, size, 1234)
    with torch.no_grad():
        # torch writes one file per tensor when the graph passes 2 GB; save_model() re-packs them
        torch.onnx.export(part.module, args, path, input_names=part.input_names, output_names=part.output_names,
                          dynamic_axes=part.dynamic_axes, opset_version=OPSET, do_constant_folding=True)
    model = onnx.load(path)  # loads external tensors too
    if _proto_size(model) <= TWO_GB:
        onnx.checker.check_model(model)
    else:
        onnx.checker.check_model(path)
    return path, model


def ort_optimize(path, model_type, target):
    """onnxruntime.transformers optimizer (graph fusions) as ORT's stable-diffusion optimize_pipeline does."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model
    options = FusionOptions(model_type)
    if target != "cuda":
        # GroupNorm/BiasSplitGelu/packed-KV fusions are CUDA-only contrib ops: keep a set that runs on CPU too
        for flag in ("enable_group_norm", "enable_skip_group_norm", "enable_bias_splitgelu", "enable_packed_kv",
                     "enable_packed_qkv", "enable_bias_add", "enable_nhwc_conv"):
            if hasattr(options, flag):
                setattr(options, flag, False)
    opt = optimize_model(path, model_type=model_type, num_heads=0, hidden_size=0, opt_level=0,
                         optimization_options=options, use_gpu=(target == "cuda"))
    return opt.model


def to_float16(model, fp32_io):
    """Weights and activations to float16 (onnxruntime's converter); scales/timestep inputs stay float32."""
    try:
        from onnxruntime.transformers.float16 import convert_float_to_float16
    except ImportError:
        raise SystemExit("--dtype float16 needs onnxruntime's float16 converter: pip install onnxruntime "
                         "(see Tools~/export/README.md), or export with --dtype float32")
    big = _proto_size(model) > TWO_GB
    return convert_float_to_float16(model, keep_io_types=list(fp32_io), disable_shape_infer=big)


def finish_part(part, fp32_path, fp32_model, out_dir, dtype, optimize, target):
    """Optimise / convert the exported graph and write it to the set. Returns (path, dtype used, optimized)."""
    model = fp32_model
    optimized = None
    if optimize is not None:
        model = ort_optimize(fp32_path, optimize, target)
        optimized = optimize
    part_dtype = "float32" if (dtype == "float32" or part.keep_fp32) else "float16"
    if part_dtype == "float16":
        keep = [n for n in part.input_names if n in FP32_INPUTS]
        model = to_float16(model, keep)
    path = save_model(model, os.path.join(out_dir, part.name, "model.onnx"))
    return path, part_dtype, optimized


# --------------------------------------------------------------------------- validation
def torch_reference(part):
    batch, size = part.check_size
    args = part.make_inputs(batch, size, 4321)
    with torch.no_grad():
        out = part.module(*args)
    if torch.is_tensor(out):
        out = (out,)
    return args, [o.detach().float().numpy() for o in out]


def tolerance(dtype, optimized):
    # float32 graphs differ from torch only by op order; fp16 (and fused kernels) by rounding
    if dtype == "float16":
        return 5e-2, 2e-2
    return (1e-3, 1e-3) if optimized is None else (2e-3, 2e-3)


def validate_part(part, path, dtype, optimized, target, atol=None, rtol=None):
    """Run the written ONNX model with onnxruntime on fresh random inputs (another batch and size than the
    trace) and compare every output to the float32 torch module. Returns a row dict for the report."""
    d_atol, d_rtol = tolerance(dtype, optimized)
    atol = d_atol if atol is None else atol
    rtol = d_rtol if rtol is None else rtol
    row = {"model": part.name, "dtype": dtype, "check_batch": part.check_size[0], "check_size": list(part.check_size[1]),
           "atol": atol, "rtol": rtol}
    if not ort_available():
        row.update(status="not validated (onnxruntime missing)", passed=None)
        return row
    import onnxruntime as ort
    available = ort.get_available_providers()
    needs_gpu = dtype == "float16" or target == "cuda"
    if needs_gpu and "CUDAExecutionProvider" not in available:
        row.update(status="not validated (float16/CUDA-fused graph needs CUDAExecutionProvider)", passed=None)
        return row
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if needs_gpu else ["CPUExecutionProvider"]
    args, refs = torch_reference(part)
    sess = ort.InferenceSession(path, providers=providers)
    feeds = {}
    for meta, name, t in zip(sess.get_inputs(), part.input_names, args):
        if meta.name != name:
            raise RuntimeError("%s: input %s where %s was expected" % (part.name, meta.name, name))
        a = t.numpy()
        if meta.type == "tensor(float16)":
            a = a.astype(np.float16)
        feeds[name] = a
    outs = sess.run(part.output_names, feeds)
    worst, per_output = 0.0, {}
    passed = True
    for name, ref, got in zip(part.output_names, refs, outs):
        got = np.asarray(got, dtype=np.float32)
        if got.shape != ref.shape:
            row.update(status="shape mismatch on %s: onnx %s torch %s" % (name, got.shape, ref.shape), passed=False)
            return row
        err = float(np.max(np.abs(got - ref))) if ref.size else 0.0
        scale = float(np.max(np.abs(ref))) if ref.size else 0.0
        per_output[name] = {"max_abs_err": err, "max_abs_ref": scale}
        if not np.isfinite(err) or err > atol + rtol * scale:
            passed = False
        worst = max(worst, err)
    row.update(status="ok" if passed else "OVER TOLERANCE", passed=passed, max_abs_err=worst, outputs=per_output,
               providers=sess.get_providers())
    return row
