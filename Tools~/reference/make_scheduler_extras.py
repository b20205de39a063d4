"""Extra scheduler reference data (v_prediction, other spacings, Heun) from diffusers v0.25.1.

Complements shared/reference/schedulers (same trace procedure, see its README §2). Run with Debian's
/usr/bin/python3 (torch 1.13.1, numpy 1.24) and source checkouts of diffusers v0.25.1 and huggingface_hub v0.20.2:

    /usr/bin/python3 make_scheduler_extras.py <diffusers>/src <huggingface_hub>/src <out_dir>
"""
import json
import math
import os
import sys

sys.path[:0] = [sys.argv[1], sys.argv[2]]
out_dir = sys.argv[3]
os.makedirs(out_dir, exist_ok=True)

import numpy as np
import torch
import diffusers
from diffusers.schedulers import (scheduling_ddim, scheduling_dpmsolver_multistep, scheduling_euler_ancestral_discrete,
                                  scheduling_euler_discrete, scheduling_lcm)

SDXL = {"_class_name": "EulerDiscreteScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
        "beta_start": 0.00085, "clip_sample": False, "interpolation_type": "linear", "num_train_timesteps": 1000,
        "prediction_type": "epsilon", "sample_max_value": 1.0, "set_alpha_to_one": False, "skip_prk_steps": True,
        "steps_offset": 1, "timestep_spacing": "leading", "trained_betas": None, "use_karras_sigmas": False}

VARIANTS = {
    "euler_v": ("EulerDiscreteScheduler", {"prediction_type": "v_prediction"}),
    "euler_linspace": ("EulerDiscreteScheduler", {"timestep_spacing": "linspace"}),
    "euler_ancestral_v": ("EulerAncestralDiscreteScheduler", {"prediction_type": "v_prediction"}),
    "dpmpp_2m_karras_v": ("DPMSolverMultistepScheduler",
                          {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": True,
                           "prediction_type": "v_prediction"}),
    "dpmpp_2m_heun_trailing": ("DPMSolverMultistepScheduler",
                               {"algorithm_type": "dpmsolver++", "solver_order": 2, "solver_type": "heun",
                                "timestep_spacing": "trailing"}),
    "dpmpp_2m_linspace": ("DPMSolverMultistepScheduler",
                          {"algorithm_type": "dpmsolver++", "solver_order": 2, "timestep_spacing": "linspace"}),
    "ddim_v_trailing": ("DDIMScheduler", {"prediction_type": "v_prediction", "timestep_spacing": "trailing"}),
    "lcm_v": ("LCMScheduler", {"original_inference_steps": 50, "prediction_type": "v_prediction"}),
}

draws = []
gen = None


def fake_randn(shape, generator=None, device=None, dtype=None, layout=None):
    x = torch.randn(shape, generator=gen, dtype=torch.float32)
    draws.append(x.clone())
    return x.to(dtype) if dtype is not None else x


for module in (scheduling_ddim, scheduling_dpmsolver_multistep, scheduling_euler_ancestral_discrete,
               scheduling_euler_discrete, scheduling_lcm):
    if hasattr(module, "randn_tensor"):
        module.randn_tensor = fake_randn

x0 = np.random.RandomState(1234).standard_normal((1, 4, 8, 8)).astype(np.float32)
result = {"diffusers_version": diffusers.__version__, "sdxl_config": SDXL, "step_counts": [1, 4, 8, 25, 30],
          "variants": {}}
for name, (cls_name, overrides) in VARIANTS.items():
    cls = getattr(diffusers, cls_name)
    cfg = dict(SDXL)
    cfg.update(overrides)
    entry = {"class": cls_name, "overrides": overrides, "tables": {}}
    for n in (1, 4, 8, 25, 30):
        s = cls.from_config(cfg)
        s.set_timesteps(n)
        t = {"timesteps": [float(v) for v in s.timesteps.tolist()], "timesteps_dtype": str(s.timesteps.dtype),
             "init_noise_sigma": float(s.init_noise_sigma)}
        if hasattr(s, "sigmas") and cls_name not in ("DDIMScheduler", "LCMScheduler"):
            t["sigmas"] = [float(v) for v in s.sigmas.float().tolist()]
        entry["tables"][str(n)] = t
    s = cls.from_config(cfg)
    s.set_timesteps(8)
    entry["effective_config"] = dict(s.config)
    gen = torch.Generator().manual_seed(4321)
    draws.clear()
    draw_steps = []
    latents = torch.from_numpy(x0) * s.init_noise_sigma
    rec = {k: [] for k in ("scaled_input", "model_output", "prev_sample", "pred_original")}
    for i, t in enumerate(s.timesteps):
        inp = s.scale_model_input(latents, t)
        eps = 0.5 * torch.tanh(inp) + np.float32(0.1 * math.cos(float(t) / 100))
        before = len(draws)
        out = s.step(eps, t, latents)
        draw_steps += [i] * (len(draws) - before)
        latents = out.prev_sample
        rec["scaled_input"].append(inp.numpy().copy())
        rec["model_output"].append(eps.numpy().copy())
        rec["prev_sample"].append(latents.numpy().copy())
        po = getattr(out, "pred_original_sample", None)
        if po is None:
            po = getattr(out, "denoised", None)
        if po is not None:
            rec["pred_original"].append(po.numpy().copy())
    files = [f"{name}_init_latents.npy"]
    np.save(os.path.join(out_dir, f"{name}_init_latents.npy"), (torch.from_numpy(x0) * s.init_noise_sigma).numpy())
    for k, v in rec.items():
        if v:
            np.save(os.path.join(out_dir, f"{name}_{k}.npy"), np.stack(v).astype(np.float32))
            files.append(f"{name}_{k}.npy")
    if draws:
        np.save(os.path.join(out_dir, f"{name}_noise.npy"), torch.stack(draws).numpy().astype(np.float32))
        files.append(f"{name}_noise.npy")
    entry["trace"] = {"num_inference_steps": 8, "timesteps": [float(v) for v in s.timesteps.tolist()], "files": files,
                      "noise_draw_steps": draw_steps, "noise_draw_count": len(draws)}
    result["variants"][name] = entry

np.save(os.path.join(out_dir, "x0.npy"), x0)
with open(os.path.join(out_dir, "schedulers.json"), "w") as f:
    json.dump(result, f, indent=1, default=str)
print("wrote", out_dir)
