"""Parity of the tool's torch models and ONNX exports with the reference data (shared/reference §6, §7).

The reference tiny UNet/ControlNet/VAE were built with diffusers 0.25.1 + InstantID's own
IPAttnProcessor; rebuilding them with this tool's processors and the same weight recipe must give
the same numbers, and so must the exported graphs (run by tests/mini_onnx.py: no onnxruntime here).
"""

import json
import os
import tempfile
import unittest

import numpy as np
import torch

import _env


class ReferenceModelsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        _env.require_diffusers()
        cls.ref = _env.require_reference()
        from instantid_export import attention, onnx_io, parts, resampler, tiny
        cls.attention, cls.onnx_io, cls.parts, cls.resampler, cls.tiny = attention, onnx_io, parts, resampler, tiny
        with open(os.path.join(cls.ref, "unet_step", "unet_step.json")) as f:
            cls.step = json.load(f)
        cls.tmp = tempfile.mkdtemp(prefix="instantid_export_test_")

    def load(self, name):
        return torch.from_numpy(np.load(os.path.join(self.ref, "unet_step", name + ".npy")))

    # -- builders following the reference recipe: manual_seed(0) construct, processors, then redraw
    def build_unet(self):
        from diffusers import UNet2DConditionModel
        torch.manual_seed(0)
        unet = UNet2DConditionModel(**self.step["unet_config"])
        scale = self.attention.install_ip_adapter(unet)
        self.tiny.redraw_(unet, 101)
        return unet.eval(), scale

    def build_controlnet(self):
        from diffusers import ControlNetModel
        torch.manual_seed(0)
        return self.tiny.redraw_(ControlNetModel(**self.step["controlnet_config"]), 202).eval()

    def build_vae(self):
        from diffusers import AutoencoderKL
        torch.manual_seed(0)
        return self.tiny.redraw_(AutoencoderKL(**self.step["vae_config"]), 303).eval()

    def unet_inputs(self, ip_scale):
        return ((self.load("latent_model_input"), torch.tensor([958.0]), self.load("encoder_hidden_states"),
                 self.load("text_embeds"), self.load("time_ids"), torch.tensor([ip_scale]))
                + tuple(self.load("controlnet_down_%d" % i) for i in range(6)) + (self.load("controlnet_mid"),))

    def export(self, part):
        import mini_onnx
        path, _ = self.onnx_io.export_part(part, self.tmp)
        return path, mini_onnx

    @staticmethod
    def feeds(part, args):
        return {n: a.numpy() for n, a in zip(part.input_names, args)}

    # ------------------------------------------------------------------ Resampler
    def test_Resampler_MatchesInstantIdReference(self):
        d = os.path.join(self.ref, "resampler")
        with open(os.path.join(d, "resampler.json")) as f:
            meta = json.load(f)
        state = {n[:-4]: torch.from_numpy(np.load(os.path.join(d, "weights", n)))
                 for n in os.listdir(os.path.join(d, "weights"))}
        from instantid_export.sources import make_resampler
        model = make_resampler(state, 0)  # sizes read from the state dict
        self.assertEqual(model.layers[0][0].heads, meta["config"]["heads"])
        for case in meta["cases"].values():
            x = torch.from_numpy(np.load(os.path.join(d, case["input"])))
            want = np.load(os.path.join(d, case["output"]))
            with torch.no_grad():
                got = model(x).numpy()
            self.assertLess(np.abs(got - want).max(), 1e-5)
        part = self.parts.image_proj_part(model)
        path, mini = self.export(part)
        x = np.load(os.path.join(d, "b1_k3_zero_row_face_embeds.npy"))
        got = mini.run(path, {"face_embeds": x})["image_prompt_embeds"]
        self.assertLess(np.abs(got - np.load(os.path.join(d, "b1_k3_zero_row_image_prompt_embeds.npy"))).max(), 1e-4)

    # ------------------------------------------------------------------ UNet with IP attention
    def test_UNet_IdentityAttention_MatchesInstantIdStep(self):
        unet, scale = self.build_unet()
        wrapper = self.parts.UNetExport(unet, scale, 6)
        with torch.no_grad():
            noise = wrapper(*self.unet_inputs(0.8)).numpy()
            no_ip = wrapper(*self.unet_inputs(0.0)).numpy()
        self.assertLess(np.abs(noise - self.load("noise_pred").numpy()).max(), 1e-5)
        self.assertLess(np.abs(no_ip - self.load("noise_pred_ip_scale_0").numpy()).max(), 1e-5)

    def test_UNet_Onnx_MatchesReferenceAndTorchAtOtherSizes(self):
        unet, scale = self.build_unet()
        part = self.parts.unet_part(unet, scale, 8, 77, 16, (2, (8, 8)), (1, (16, 8)))
        self.assertEqual(part.input_names[:6], ["sample", "timestep", "encoder_hidden_states", "text_embeds",
                                                "time_ids", "ip_adapter_scale"])
        self.assertEqual(part.input_names[-1], "mid_block_additional_residual")
        path, mini = self.export(part)
        for ip, want in ((0.8, "noise_pred"), (0.0, "noise_pred_ip_scale_0")):
            got = mini.run(path, self.feeds(part, self.unet_inputs(ip)))["out_sample"]
            self.assertLess(np.abs(got - self.load(want).numpy()).max(), 1e-4, want)
        # dynamic batch/height/width/sequence: another batch, size and prompt length than the trace
        args = part.make_inputs(1, (16, 8), 7)
        args = (args[0], args[1], torch.randn(1, 154 + 16, 64)) + args[3:]
        with torch.no_grad():
            want = part.module(*args).numpy()
        got = mini.run(path, self.feeds(part, args))["out_sample"]
        self.assertEqual(got.shape, (1, 4, 16, 8))
        self.assertLess(np.abs(got - want).max(), 1e-4)

    def test_IpAdapterCheckpoint_LoadsInInstantIdOrder(self):
        unet, _ = self.build_unet()
        names = list(unet.attn_processors.keys())
        state = torch.nn.ModuleList(unet.attn_processors.values()).state_dict()
        # attn1 processors hold nothing: checkpoint indices are the odd positions of attn_processors
        want = set()
        for i, n in enumerate(names):
            if n.endswith("attn2.processor"):
                want |= {"%d.to_k_ip.weight" % i, "%d.to_v_ip.weight" % i}
        self.assertEqual(set(state), want)
        self.assertTrue(all(int(k.split(".")[0]) % 2 == 1 for k in state))
        fresh, _ = self.build_unet()
        marked = {k: torch.full_like(v, float(k.split(".")[0])) for k, v in state.items()}
        self.attention.install_ip_adapter(fresh, marked)
        for i, proc in enumerate(fresh.attn_processors.values()):
            if hasattr(proc, "to_k_ip"):
                self.assertEqual(float(proc.to_k_ip.weight[0, 0]), float(i))
        with self.assertRaises(RuntimeError):
            self.attention.install_ip_adapter(fresh, {"0.to_k_ip.weight": torch.zeros(1)})

    def test_LcmLora_IsFusedIntoUNetWeights(self):
        from diffusers import UNet2DConditionModel
        from instantid_export.sources import apply_lcm_lora
        torch.manual_seed(0)
        unet = UNet2DConditionModel(**self.tiny.UNET)
        key = "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k"
        layer = unet.get_submodule(key)
        before = layer.weight.detach().clone()
        g = torch.Generator().manual_seed(9)
        down, up = torch.randn(4, 64, generator=g), torch.randn(64, 4, generator=g)
        apply_lcm_lora(unet, {"unet.%s.lora.down.weight" % key: down, "unet.%s.lora.up.weight" % key: up})
        self.assertLess((layer.weight.detach() - before - up @ down).abs().max().item(), 1e-5)
        self.assertIsNone(layer.lora_layer)  # fused: the export sees a plain Linear

    # ------------------------------------------------------------------ IdentityNet ControlNet
    def test_ControlNet_Onnx_MatchesInstantIdStepWithScaleInput(self):
        cn = self.build_controlnet()
        part = self.parts.controlnet_part("controlnet", cn, 8, 16, (2, (8, 8)), (1, (16, 8)))
        self.assertEqual(part.output_names, ["down_block_res_sample_%d" % i for i in range(6)]
                         + ["mid_block_res_sample"])
        args = (self.load("latent_model_input"), torch.tensor([958.0]), self.load("image_tokens"),
                self.load("control_image"), torch.tensor([0.8]), self.load("text_embeds"), self.load("time_ids"))
        wants = [self.load("controlnet_down_%d" % i).numpy() for i in range(6)] + [self.load("controlnet_mid").numpy()]
        with torch.no_grad():
            torch_out = part.module(*args)
        for o, w in zip(torch_out, wants):
            self.assertLess(np.abs(o.numpy() - w).max(), 5e-5)  # measured 9.3e-6 (residuals up to ~9)
        path, mini = self.export(part)
        got = mini.run(path, self.feeds(part, args))
        for n, w in zip(part.output_names, wants):
            self.assertLess(np.abs(got[n] - w).max(), 1e-4, n)
        # conditioning_scale is a graph input: half the scale halves every residual
        half = mini.run(path, self.feeds(part, args[:4] + (torch.tensor([0.4]),) + args[5:]))
        for n, w in zip(part.output_names, wants):
            self.assertLess(np.abs(half[n] - 0.5 * w).max(), 1e-4, n)

    # ------------------------------------------------------------------ VAE
    def test_VaeDecoder_Onnx_MatchesReferenceDecode(self):
        vae = self.build_vae()
        dec, enc = self.parts.vae_parts(vae, 8, (1, (8, 8)), (1, (16, 8)), True)
        latent = (self.load("pred_original_sample") / 0.13025).numpy()
        path, mini = self.export(dec)
        got = mini.run(path, {"latent_sample": latent})["sample"]
        self.assertLess(np.abs(got - self.load("vae_decoded").numpy()).max(), 1e-4)
        path, mini = self.export(enc)
        args = enc.make_inputs(2, (8, 16), 3)
        with torch.no_grad():
            want = enc.module(*args).numpy()
        got = mini.run(path, {"sample": args[0].numpy()})["latent_sample"]
        self.assertEqual(got.shape, (2, 4, 8, 16))
        self.assertLess(np.abs(got - want).max(), 1e-4)


class TextEncoderTest(unittest.TestCase):
    def test_TextEncoders_OptimumLayout(self):
        _env.require_diffusers()
        if not _env.has_module("transformers"):
            self.skipTest("transformers not installed: text-encoder export cannot run here "
                          "(pip install transformers==4.37.1)")
        import mini_onnx
        from instantid_export import onnx_io, parts, tiny
        tmp = tempfile.mkdtemp(prefix="instantid_export_te_")
        info = tiny.write_tiny_tokenizers(tmp)
        te1, te2 = tiny.text_encoders(*info)
        for name, enc, proj in (("text_encoder", te1, False), ("text_encoder_2", te2, True)):
            part = parts.text_encoder_part(name, enc, proj, info[0])
            self.assertEqual(part.output_names[:2], ["text_embeds", "last_hidden_state"] if proj
                             else ["last_hidden_state", "pooler_output"])
            self.assertEqual(part.output_names[-1], "hidden_states.%d" % enc.config.num_hidden_layers)
            path, model = onnx_io.export_part(part, tmp)
            self.assertEqual(model.graph.input[0].type.tensor_type.elem_type, 6)  # int32 input_ids
            args = part.make_inputs(1, (77,), 5)
            with torch.no_grad():
                want = part.module(*args)
            got = mini_onnx.run(path, {"input_ids": args[0].numpy()})
            for n, w in zip(part.output_names, want):
                self.assertLess(np.abs(got[n] - w.numpy()).max(), 1e-4, n)


if __name__ == "__main__":
    unittest.main()
