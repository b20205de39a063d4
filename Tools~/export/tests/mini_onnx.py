"""A small ONNX interpreter (numpy, torch for Conv/Erf) for the ops torch.onnx emits for these models.

Test-only: lets the tests run the exported graphs numerically where onnxruntime cannot be
installed (the tool itself validates with onnxruntime and never with this). Follows the ONNX
operator spec for the attribute forms torch 1.13/2.1 export at opset 17.
"""

import numpy as np
import onnx
import torch
from onnx import numpy_helper

_DT = {1: np.float32, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64}


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _div(a, b):
    if np.issubdtype(a.dtype, np.integer):
        return (np.trunc(a / b)).astype(a.dtype)
    return a / b


def _resize(x, roi, scales, sizes, at):
    if at.get("mode", b"nearest") != b"nearest":
        raise NotImplementedError("Resize mode %s" % at.get("mode"))
    if at.get("coordinate_transformation_mode", b"half_pixel") != b"asymmetric" or \
            at.get("nearest_mode", b"round_prefer_floor") != b"floor":
        raise NotImplementedError("Resize nearest only with asymmetric/floor")
    if sizes is not None and sizes.size:
        out = [int(s) for s in sizes]
        scales = [o / i for o, i in zip(out, x.shape)]
    else:
        out = [int(np.floor(d * s)) for d, s in zip(x.shape, scales)]
    for ax, (n, s) in enumerate(zip(out, scales)):
        idx = np.minimum(np.floor(np.arange(n) / s).astype(np.int64), x.shape[ax] - 1)
        x = np.take(x, idx, axis=ax)
    return x


def _slice(x, starts, ends, axes=None, steps=None):
    axes = list(range(len(starts))) if axes is None else [int(a) % x.ndim for a in axes]
    steps = [1] * len(starts) if steps is None else steps
    sl = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        d = x.shape[a]
        s, e, st = int(s), int(e), int(st)
        s = max(min(s + d if s < 0 else s, d), 0) if st > 0 else max(min(s + d if s < 0 else s, d - 1), -1)
        e = max(min(e + d if e < 0 else e, d), 0) if st > 0 else max(min(e + d if e < 0 else e, d - 1), -1)
        sl[a] = slice(s, e if e >= 0 else None, st)
    return x[tuple(sl)]


def _conv(x, w, b, at):
    pads = at.get("pads", [0] * (2 * (x.ndim - 2)))
    n = len(pads) // 2
    if pads[:n] != pads[n:]:
        raise NotImplementedError("asymmetric Conv pads")
    out = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                     None if b is None else torch.from_numpy(b), stride=at.get("strides", 1),
                                     padding=pads[:n], dilation=at.get("dilations", 1), groups=at.get("group", 1))
    return out.numpy()


def _layernorm(x, scale, bias, at):
    axis = at.get("axis", -1) % x.ndim
    axes = tuple(range(axis, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + at.get("epsilon", 1e-5))
    y = y * scale
    return y + bias if bias is not None else y


def _instnorm(x, scale, bias, at):
    axes = tuple(range(2, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    sh = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean) / np.sqrt(var + at.get("epsilon", 1e-5)) * scale.reshape(sh) + bias.reshape(sh)


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _reshape(x, shape):
    shape = [int(s) if s != 0 else x.shape[i] for i, s in enumerate(shape)]
    return x.reshape(shape)


def _pad(x, pads, value=None, at=None):
    if at.get("mode", b"constant") != b"constant":
        raise NotImplementedError("Pad mode %s" % at.get("mode"))
    n = x.ndim
    pads = [int(p) for p in pads]
    widths = [(pads[i], pads[i + n]) for i in range(n)]
    return np.pad(x, widths, constant_values=0 if value is None or value.size == 0 else value.item())


def _gemm(a, b, c, at):
    if at.get("transA", 0):
        a = a.T
    if at.get("transB", 0):
        b = b.T
    y = at.get("alpha", 1.0) * (a @ b)
    return y + at.get("beta", 1.0) * c if c is not None else y


def _op(node, ins, at):
    t = node.op_type
    x = ins[0] if ins else None
    if t == "Add": return x + ins[1]
    if t == "Sub": return x - ins[1]
    if t == "Mul": return x * ins[1]
    if t == "Div": return _div(x, ins[1])
    if t == "Pow": return np.power(x, ins[1]).astype(x.dtype)
    if t == "Sqrt": return np.sqrt(x)
    if t == "Neg": return -x
    if t == "Exp": return np.exp(x)
    if t == "Cos": return np.cos(x)
    if t == "Sin": return np.sin(x)
    if t == "Erf": return torch.erf(torch.from_numpy(np.ascontiguousarray(x))).numpy()
    if t == "Sigmoid": return (1.0 / (1.0 + np.exp(-x))).astype(x.dtype)
    if t == "Softmax": return _softmax(x, at.get("axis", -1))
    if t == "Equal": return np.equal(x, ins[1])
    if t == "Where": return np.where(x, ins[1], ins[2])
    if t == "Cast": return x.astype(_DT[at["to"]])
    if t == "Concat": return np.concatenate(ins, axis=at["axis"])
    if t == "Constant": return numpy_helper.to_array(at["value"])
    if t == "ConstantOfShape":
        v = numpy_helper.to_array(at["value"]) if "value" in at else np.zeros(1, np.float32)
        return np.full([int(s) for s in x], v.reshape(-1)[0], dtype=v.dtype)
    if t == "Shape": return np.array(x.shape, dtype=np.int64)
    if t == "Gather": return np.take(x, ins[1].astype(np.int64) % x.shape[at.get("axis", 0)], axis=at.get("axis", 0))
    if t == "Unsqueeze":
        for a in sorted(int(a) % (x.ndim + len(ins[1])) for a in ins[1]):
            x = np.expand_dims(x, a)
        return x
    if t == "Squeeze": return np.squeeze(x, axis=tuple(int(a) for a in ins[1])) if len(ins) > 1 else np.squeeze(x)
    if t == "Reshape": return _reshape(x, ins[1])
    if t == "Transpose": return np.transpose(x, at.get("perm"))
    if t == "Expand": return x * np.ones([int(s) for s in ins[1]], dtype=x.dtype) if x.dtype != np.bool_ else \
        np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(int(s) for s in ins[1])))
    if t == "Tile": return np.tile(x, [int(r) for r in ins[1]])
    if t == "Slice": return _slice(x, *ins[1:])
    if t == "MatMul": return np.matmul(x, ins[1])
    if t == "Gemm": return _gemm(x, ins[1], ins[2] if len(ins) > 2 else None, at)
    if t == "Conv": return _conv(x, ins[1], ins[2] if len(ins) > 2 else None, at)
    if t == "LayerNormalization": return _layernorm(x, ins[1], ins[2] if len(ins) > 2 else None, at)
    if t == "InstanceNormalization": return _instnorm(x, ins[1], ins[2], at)
    if t == "Resize": return _resize(x, *(list(ins[1:]) + [None] * (4 - len(ins))), at)
    if t == "Pad": return _pad(x, ins[1], ins[2] if len(ins) > 2 else None, at)
    if t == "Range": return np.arange(ins[0], ins[1], ins[2]).astype(ins[0].dtype)
    if t == "ReduceMean":
        return np.mean(x, axis=tuple(at["axes"]) if "axes" in at else None, keepdims=bool(at.get("keepdims", 1)))
    raise NotImplementedError("mini_onnx: op %s" % t)


def run(path, feeds):
    """Evaluate the graph at ``path`` on the numpy ``feeds``; returns {output name: array}."""
    model = onnx.load(path)
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env.update(feeds)
    env[""] = None
    for node in model.graph.node:
        ins = [env[n] if n else None for n in node.input]
        out = _op(node, ins, _attrs(node))
        outs = out if isinstance(out, tuple) else (out,)
        for name, val in zip(node.output, outs):
            env[name] = np.asarray(val)
    return {o.name: env[o.name] for o in model.graph.output}
