"""End to end: ``python -m instantid_export --tiny-random`` writes a set that follows the contract.

The tiny InstantID folder (ControlNetModel/ + ip-adapter.bin) and antelopev2 folder are written by
the test, so the real loading code (from_pretrained, torch.load, strict state-dict loads, face-model
checks) runs. No downloads.
"""

import io
import json
import os
import shutil
import tempfile
import unittest
from contextlib import redirect_stdout

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

import _env


def _face_model(path, hw):
    # a one-Conv graph with the antelopev2 input layout; stands in for the real SCRFD/ArcFace files
    w = helper.make_tensor("w", TensorProto.FLOAT, [8, 3, 3, 3], np.ones(8 * 27, np.float32).tolist())
    node = helper.make_node("Conv", ["input.1", "w"], ["out"], pads=[1, 1, 1, 1])
    shape = ["None", 3] + list(hw)
    g = helper.make_graph([node], "face", [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, shape)],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["None", 8] + list(hw))], [w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


class CliTinyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        _env.require_diffusers()
        from diffusers import ControlNetModel, UNet2DConditionModel
        from instantid_export import attention, cli, sources, tiny
        cls.tiny, cls.attention, cls.sources = tiny, attention, sources
        cls.tmp = tempfile.mkdtemp(prefix="instantid_export_cli_")
        # InstantID-shaped folder with tiny weights
        inst = os.path.join(cls.tmp, "InstantID")
        torch.manual_seed(3)
        cn = tiny.redraw_(ControlNetModel(**tiny.CONTROLNET), 31)
        cn.save_pretrained(os.path.join(inst, "ControlNetModel"), safe_serialization=False)
        u = UNet2DConditionModel(**tiny.UNET)
        attention.install_ip_adapter(u)
        ip = tiny.redraw_(torch.nn.ModuleList(u.attn_processors.values()), 32).state_dict()
        res = tiny.redraw_(sources.make_resampler(None, 64, tiny_config=True), 33).state_dict()
        cls.ckpt = {"image_proj": res, "ip_adapter": ip}
        torch.save(cls.ckpt, os.path.join(inst, "ip-adapter.bin"))
        # an LCM-LoRA-shaped file (diffusers LoRA format) touching one projection of the tiny UNet
        g = torch.Generator().manual_seed(34)
        key = "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q"
        cls.lora = {"unet.%s.lora.down.weight" % key: torch.randn(4, 64, generator=g),
                    "unet.%s.lora.up.weight" % key: torch.randn(64, 4, generator=g)}
        lcm = os.path.join(cls.tmp, "lcm")
        os.makedirs(lcm)
        torch.save(cls.lora, os.path.join(lcm, "pytorch_lora_weights.bin"))
        ante = os.path.join(cls.tmp, "antelopev2")
        os.makedirs(ante)
        _face_model(os.path.join(ante, "scrfd_10g_bnkps.onnx"), ["?", "?"])
        _face_model(os.path.join(ante, "glintr100.onnx"), [112, 112])
        cls.out = os.path.join(cls.tmp, "set")
        buf = io.StringIO()
        with redirect_stdout(buf):
            cls.code = cli.main(["--tiny-random", "--instantid", inst, "--antelopev2", ante, "--out", cls.out,
                                 "--dtype", "float32", "--extra-controlnet", "depth=tiny", "--lcm-lora", lcm])
        cls.log = buf.getvalue()
        with open(os.path.join(cls.out, "model_index.json")) as f:
            cls.index = json.load(f)
        with open(os.path.join(cls.out, "export_report.json")) as f:
            cls.report = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def io_names(self, rel):
        m = onnx.load(os.path.join(self.out, rel))
        inits = {i.name for i in m.graph.initializer}
        return [i.name for i in m.graph.input if i.name not in inits], [o.name for o in m.graph.output], m

    def test_ModelIndex_FollowsContract(self):
        ix = self.index
        self.assertEqual(ix["format"], "instantid-avatars/onnx")
        self.assertEqual(ix["version"], 1)
        self.assertEqual(ix["dtype"], "float32")
        self.assertAlmostEqual(ix["vae_scaling_factor"], 0.13025)
        self.assertEqual(ix["image_tokens"], 16)
        self.assertEqual(ix["face"], {"det_size": 640})
        # --lcm-lora: LCMScheduler built from the SDXL (Euler) config, only LCMScheduler's own fields
        self.assertEqual(ix["scheduler"]["_class_name"], "LCMScheduler")
        self.assertEqual(ix["scheduler"]["timestep_spacing"], "leading")
        self.assertEqual(ix["scheduler"]["steps_offset"], 1)
        self.assertEqual(ix["scheduler"]["beta_schedule"], "scaled_linear")
        self.assertNotIn("use_karras_sigmas", ix["scheduler"])
        self.assertIn("lcm_lora", ix["source"])
        self.assertEqual(ix["controlnets"], ["depth"])
        self.assertIsNone(ix["ort_optimized"])
        self.assertTrue(ix["source"]["tiny_random"])
        self.assertIn("instantid", ix["source"])

    def test_Files_AndGraphIo_FollowContract(self):
        for f in ("tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer_2/vocab.json", "tokenizer_2/merges.txt",
                  "face/detector.onnx", "face/recognizer.onnx"):
            self.assertTrue(os.path.isfile(os.path.join(self.out, f)), f)
        with open(os.path.join(self.out, "tokenizer_2", "special_tokens_map.json")) as f:
            self.assertEqual(json.load(f)["pad_token"], "!")
        with open(os.path.join(self.out, "tokenizer", "vocab.json")) as f:
            vocab = json.load(f)
        self.assertEqual(vocab["!"], 0)
        ins, outs, m = self.io_names("unet/model.onnx")
        self.assertEqual(ins, ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids",
                               "ip_adapter_scale"] + ["down_block_additional_residual_%d" % i for i in range(6)]
                         + ["mid_block_additional_residual"])
        self.assertEqual(outs, ["out_sample"])
        dims = [d.dim_param or d.dim_value for d in m.graph.input[2].type.tensor_type.shape.dim]
        self.assertEqual(dims, ["batch", "sequence", 64])
        for cn in ("controlnet", "controlnet_depth"):
            ins, outs, _ = self.io_names(cn + "/model.onnx")
            self.assertEqual(ins, ["sample", "timestep", "encoder_hidden_states", "controlnet_cond",
                                   "conditioning_scale", "text_embeds", "time_ids"])
            self.assertEqual(outs, ["down_block_res_sample_%d" % i for i in range(6)] + ["mid_block_res_sample"])
        self.assertEqual(self.io_names("image_proj/model.onnx")[:2], (["face_embeds"], ["image_prompt_embeds"]))
        self.assertEqual(self.io_names("vae_decoder/model.onnx")[:2], (["latent_sample"], ["sample"]))
        self.assertEqual(self.io_names("vae_encoder/model.onnx")[:2], (["sample"], ["latent_sample"]))
        self.assertFalse(os.path.exists(os.path.join(self.out, ".work")))

    def test_ExitCodeAndReport_AreHonest(self):
        rows = {r["model"]: r for r in self.report["rows"]}
        if _env.has_module("onnxruntime"):
            for name in ("unet", "controlnet", "controlnet_depth", "image_proj", "vae_decoder", "vae_encoder"):
                self.assertTrue(rows[name]["passed"], rows[name])
        else:
            self.assertEqual(rows["unet"]["status"], "not validated (onnxruntime missing)")
            self.assertIsNone(rows["unet"]["passed"])
            self.assertEqual(self.code, 3)
            self.assertIn("NOT fully validated", self.log)
        if not _env.has_module("transformers"):
            self.assertTrue(rows["text_encoder"]["status"].startswith("MISSING"))
            self.assertEqual(self.code, 3)
        self.assertEqual(self.report["exit_code"], self.code)
        self.assertTrue(rows["face/recognizer.onnx"]["status"].startswith("copied"))

    def test_Unet_CarriesCheckpointIpWeights(self):
        # rebuild the CLI's tiny UNet in torch with the test checkpoint and run the written graph
        import mini_onnx
        from diffusers import UNet2DConditionModel
        from instantid_export import parts
        torch.manual_seed(0)
        unet = self.tiny.redraw_(UNet2DConditionModel(**self.tiny.UNET), 101)
        self.sources.apply_lcm_lora(unet, dict(self.lora))
        scale = self.attention.install_ip_adapter(unet, self.ckpt["ip_adapter"])
        part = parts.unet_part(unet.eval(), scale, 8, 77, 16, (2, (8, 8)), (1, (8, 16)))
        args = part.make_inputs(1, (8, 16), 99)
        with torch.no_grad():
            want = part.module(*args).numpy()
        got = mini_onnx.run(os.path.join(self.out, "unet", "model.onnx"),
                            {n: a.numpy() for n, a in zip(part.input_names, args)})["out_sample"]
        self.assertLess(np.abs(got - want).max(), 1e-4)
        with torch.no_grad():
            other = self.attention.install_ip_adapter(unet)  # fresh random IP weights: output must differ
            other.value = args[5]
            changed = part.module.unet(args[0], args[1], encoder_hidden_states=args[2],
                                       added_cond_kwargs={"text_embeds": args[3], "time_ids": args[4]},
                                       down_block_additional_residuals=args[6:12],
                                       mid_block_additional_residual=args[12]).sample.numpy()
        self.assertGreater(np.abs(changed - got).max(), 1e-3)


class CliErrorsTest(unittest.TestCase):
    def setUp(self):
        _env.require_diffusers()

    def test_MissingIpAdapterBin_SaysWhatToProvide(self):
        from instantid_export import sources
        with self.assertRaises(SystemExit) as ctx:
            sources.load_ip_checkpoint(tempfile.mkdtemp())
        self.assertIn("ControlNetModel/ and ip-adapter.bin", str(ctx.exception))

    def test_RealModeWithoutSdxl_Fails(self):
        from instantid_export import cli
        with self.assertRaises(SystemExit) as ctx:
            cli.main(["--out", tempfile.mkdtemp(), "--instantid", "x"])
        self.assertIn("--sdxl is required", str(ctx.exception))

    def test_BadFaceModelShape_IsRejected(self):
        from instantid_export import sources
        d = tempfile.mkdtemp()
        _face_model(os.path.join(d, "scrfd_10g_bnkps.onnx"), ["?", "?"])
        _face_model(os.path.join(d, "glintr100.onnx"), [224, 224])
        with self.assertRaises(SystemExit) as ctx:
            sources.copy_face_models(d, tempfile.mkdtemp())
        self.assertIn("112x112", str(ctx.exception))


@unittest.skipUnless(_env.has_module("onnxruntime"), "onnxruntime not installed: float16 conversion not testable here")
class Float16Test(unittest.TestCase):
    def test_Float16Set_KeepsScalesFloat32AndDecoderFloat32(self):
        _env.require_diffusers()
        from instantid_export import cli
        out = tempfile.mkdtemp()
        cli.main(["--tiny-random", "--out", out, "--dtype", "float16"])
        m = onnx.load(os.path.join(out, "unet", "model.onnx"))
        types = {i.name: i.type.tensor_type.elem_type for i in m.graph.input}
        self.assertEqual(types["sample"], TensorProto.FLOAT16)
        self.assertEqual(types["ip_adapter_scale"], TensorProto.FLOAT)
        self.assertEqual(types["timestep"], TensorProto.FLOAT)
        d = onnx.load(os.path.join(out, "vae_decoder", "model.onnx"))
        self.assertEqual(d.graph.input[0].type.tensor_type.elem_type, TensorProto.FLOAT)


if __name__ == "__main__":
    unittest.main()
