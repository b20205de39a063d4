"""``--random-full``: the published SDXL / InstantID configurations (full.py) and a scaled end-to-end run.

FullConfigsTest reads the config dicts only (nothing is instantiated: the full UNet alone is ~10 GB in
float32) and checks the widths the model-set contract (docs/ARCHITECTURE.md section 4) depends on.
RandomFullSmokeTest runs ``--random-full --random-scale 0.125`` through the CLI (the same code path as
the full size), with the external-data threshold lowered so the >2 GB saving path runs on the UNet and
ControlNet, and checks the written graphs against the torch models with tests/mini_onnx.py.
"""

import io
import json
import os
import shutil
import tempfile
import types
import unittest
from contextlib import redirect_stdout

import numpy as np
import onnx

import _env


def _ns(cfg):
    return types.SimpleNamespace(**cfg)


class FullConfigsTest(unittest.TestCase):
    def setUp(self):
        from instantid_export import full, parts
        self.full, self.parts = full, parts

    def check_contract(self, c, scale):
        u, cn, vae, te1, te2, rs = (c["unet"], c["controlnet"], c["vae"], c["text_encoder"], c["text_encoder_2"],
                                    c["image_proj"])
        cross = int(2048 * scale)
        # SDXL text conditioning = penultimate hidden states of both encoders concatenated (768 + 1280)
        self.assertEqual(u["cross_attention_dim"], cross)
        self.assertEqual(te1["hidden_size"] + te2["hidden_size"], cross)
        # pooled text_embeds = encoder 2's projection (1280); add_embedding input = pooled + 6 time ids x 256
        self.assertEqual(te2["projection_dim"], int(1280 * scale))
        self.assertEqual(u["addition_time_embed_dim"], int(256 * scale))
        self.assertEqual(u["projection_class_embeddings_input_dim"],
                         te2["projection_dim"] + 6 * u["addition_time_embed_dim"])
        self.assertEqual(u["addition_embed_type"], "text_time")
        # IdentityNet shares every architecture field the residual pairing depends on
        for key in ("block_out_channels", "layers_per_block", "down_block_types", "cross_attention_dim",
                    "addition_time_embed_dim", "projection_class_embeddings_input_dim", "in_channels",
                    "transformer_layers_per_block", "attention_head_dim"):
            self.assertEqual(cn[key], u[key], key)
        # 9 down residuals + mid for a 1024x1024 image (128x128 latent)
        down, mid = self.parts.down_residual_shapes(_ns(cn), 128, 128)
        self.assertEqual(len(down), 9)
        b = u["block_out_channels"]
        # conv_in + 2 resnets at 128, downsampler to 64; 2 resnets at 64, downsampler to 32; 2 resnets at 32
        self.assertEqual(down, [(b[0], 128, 128)] * 3 + [(b[0], 64, 64)] + [(b[1], 64, 64)] * 2 + [(b[1], 32, 32)]
                         + [(b[2], 32, 32)] * 2)
        self.assertEqual(mid, (b[2], 32, 32))
        self.assertEqual(len(u["up_block_types"]), len(u["down_block_types"]))
        # identity tokens: the Resampler writes 16 tokens of the cross width from a 512-wide ArcFace embedding
        self.assertEqual(c["image_proj_output_dim"], cross)
        self.assertEqual((rs["num_queries"], rs["embedding_dim"]), (16, 512))
        self.assertEqual(rs["heads"] * rs["dim_head"], rs["dim"])
        # VAE: 4 latent channels, factor 8, SDXL scaling factor
        self.assertEqual(vae["latent_channels"], u["in_channels"])
        self.assertEqual(2 ** (len(vae["block_out_channels"]) - 1), 8)
        self.assertEqual(vae["scaling_factor"], 0.13025)
        # widths divisible by heads and norm groups (diffusers' attention_head_dim is the head count here)
        for ch, heads in zip(b, u["attention_head_dim"]):
            self.assertEqual(ch % heads, 0)
            self.assertEqual(ch % u["norm_num_groups"], 0)
        for ch in vae["block_out_channels"]:
            self.assertEqual(ch % vae["norm_num_groups"], 0)
        for te in (te1, te2):
            self.assertEqual(te["hidden_size"] % te["num_attention_heads"], 0)
            self.assertEqual((te["vocab_size"], te["max_position_embeddings"]), (49408, 77))

    def test_FullConfigs_MatchContractWidths(self):
        c = self.full.configs(1.0)
        self.check_contract(c, 1.0)
        # the published sizes themselves (SDXL base 1.0 / InstantID), not only their relations
        self.assertEqual(c["unet"]["block_out_channels"], [320, 640, 1280])
        self.assertEqual(c["unet"]["transformer_layers_per_block"], [1, 2, 10])
        self.assertEqual(c["unet"]["attention_head_dim"], [5, 10, 20])
        self.assertEqual(c["controlnet"]["conditioning_embedding_out_channels"], [16, 32, 96, 256])
        self.assertEqual(c["vae"]["block_out_channels"], [128, 256, 512, 512])
        self.assertEqual((c["text_encoder"]["num_hidden_layers"], c["text_encoder_2"]["num_hidden_layers"]), (12, 32))
        self.assertEqual((c["text_encoder"]["hidden_act"], c["text_encoder_2"]["hidden_act"]), ("quick_gelu", "gelu"))
        self.assertEqual(c["image_proj"], dict(dim=1280, depth=4, dim_head=64, heads=20, num_queries=16,
                                               embedding_dim=512, ff_mult=4))
        self.assertEqual(self.full.UNET["sample_size"] * 8, 1024)

    def test_ScaledConfigs_KeepContractRelations(self):
        for k in self.full.ALLOWED_SCALES:
            self.check_contract(self.full.configs(1.0 / k), 1.0 / k)
        self.assertEqual(self.full.configs(0.25)["unet"]["transformer_layers_per_block"], [1, 1, 3])

    def test_BadScale_SaysWhichAreAllowed(self):
        for bad in (0.3, 2.0, 0.0, 1.0 / 32):
            with self.assertRaises(SystemExit) as ctx:
                self.full.configs(bad)
            self.assertIn("--random-scale must be one of", str(ctx.exception))


class RandomFullSmokeTest(unittest.TestCase):
    SCALE = 0.125

    @classmethod
    def setUpClass(cls):
        _env.require_diffusers()
        from instantid_export import cli, onnx_io
        cls.tmp = tempfile.mkdtemp(prefix="instantid_export_full_")
        cls.out = os.path.join(cls.tmp, "set")
        vocab = os.path.join(cls.tmp, "clip")
        os.makedirs(vocab)
        with open(os.path.join(vocab, "vocab.json"), "w") as f:
            json.dump({"!": 0, "<|startoftext|>": 1, "<|endoftext|>": 2}, f)
        with open(os.path.join(vocab, "merges.txt"), "w") as f:
            f.write("#version: 0.2\n")
        cls.argv = ["--random-full", "--random-scale", str(cls.SCALE), "--out", cls.out, "--dtype", "float32",
                    "--clip-vocab", vocab, "--extra-controlnet", "depth=random"]
        saved = onnx_io.TWO_GB
        onnx_io.TWO_GB = 16 * 2 ** 20  # the UNet/ControlNet at 1/8 (>16 MB) take the >2 GB external-data path
        try:
            buf = io.StringIO()
            with redirect_stdout(buf):
                cls.code = cli.main(cls.argv)
            cls.log = buf.getvalue()
        finally:
            onnx_io.TWO_GB = saved
        with open(os.path.join(cls.out, "model_index.json")) as f:
            cls.index = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def components(self):
        # the same seeded models the CLI exported (every parameter is re-drawn from fixed seeds)
        from instantid_export import cli, sources
        args = cli.build_parser().parse_args(self.argv)
        return sources.load_components(args, lambda *_: None)

    def test_Index_RecordsRandomFullAndContractShapes(self):
        ix = self.index
        self.assertTrue(ix["source"]["random_full"])
        self.assertEqual(ix["source"]["random_scale"], self.SCALE)
        self.assertIn("unet/config.json", ix["source"]["configs"]["unet"])
        self.assertEqual(ix["cross_attention_dim"], 256)
        self.assertEqual(ix["default_size"], [1024, 1024])
        self.assertEqual(ix["controlnets"], ["depth"])
        unet = ix["models"]["unet"]
        self.assertEqual(unet["inputs"][6:], ["down_block_additional_residual_%d" % i for i in range(9)]
                         + ["mid_block_additional_residual"])
        self.assertEqual(ix["models"]["controlnet"]["outputs"],
                         ["down_block_res_sample_%d" % i for i in range(9)] + ["mid_block_res_sample"])
        # external data: one model.onnx_data beside model.onnx, graph file small
        for name in ("unet", "controlnet", "controlnet_depth"):
            self.assertTrue(ix["models"][name]["external_data"], name)
            path = os.path.join(self.out, name, "model.onnx")
            self.assertLess(os.path.getsize(path), 4 * 2 ** 20)
            self.assertGreater(os.path.getsize(path + "_data"), 16 * 2 ** 20)
            self.assertEqual(sorted(os.listdir(os.path.dirname(path))), ["model.onnx", "model.onnx_data"])
        self.assertFalse(ix["models"]["vae_decoder"]["external_data"])
        with open(os.path.join(self.out, "tokenizer_2", "special_tokens_map.json")) as f:
            self.assertEqual(json.load(f)["pad_token"], "!")
        with open(os.path.join(self.out, "export_report.json")) as f:
            rows = {r["model"]: r for r in json.load(f)["rows"]}
        if not _env.has_module("transformers"):
            self.assertTrue(rows["text_encoder_2"]["status"].startswith("MISSING: transformers is not installed"))
            self.assertEqual(self.code, 3)
        else:
            self.assertIn("hidden_states.%d" % 4, ix["models"]["text_encoder_2"]["outputs"])  # 32 / 8 layers

    def test_Graphs_MatchTorchModels(self):
        import mini_onnx
        from instantid_export import onnx_io, parts
        comp = self.components()
        vae_scale = 8
        todo = [parts.unet_part(comp["unet"], comp["scale"], vae_scale, 77, 16, (2, (8, 8)), (1, (16, 8))),
                parts.controlnet_part("controlnet", comp["controlnet"], vae_scale, 16, (2, (8, 8)), (1, (16, 8))),
                parts.controlnet_part("controlnet_depth", comp["extras"]["depth"], vae_scale, 77, (2, (8, 8)),
                                      (1, (16, 8))),
                parts.image_proj_part(comp["resampler"])]
        todo += parts.vae_parts(comp["vae"], vae_scale, (2, (8, 8)), (1, (16, 8)), True)
        for part in todo:
            args, refs = onnx_io.torch_reference(part)
            got = mini_onnx.run(os.path.join(self.out, part.name, "model.onnx"),
                                {n: a.numpy() for n, a in zip(part.input_names, args)})
            for name, ref in zip(part.output_names, refs):
                err = float(np.abs(got[name] - ref).max())
                scale = float(np.abs(ref).max())
                self.assertGreater(scale, 1e-3, "%s %s is ~0: random weights did not reach it" % (part.name, name))
                self.assertLess(err, 1e-4 + 1e-4 * scale, "%s %s: max err %g (max ref %g)"
                                % (part.name, name, err, scale))

    def test_Unet_HasScaledSdxlWidths(self):
        m = onnx.load(os.path.join(self.out, "unet", "model.onnx"), load_external_data=False)
        dims = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in m.graph.input}
        self.assertEqual(dims["encoder_hidden_states"], ["batch", "sequence", 256])
        self.assertEqual(dims["text_embeds"], ["batch", 160])
        self.assertEqual(dims["time_ids"], ["batch", 6])
        self.assertEqual(dims["down_block_additional_residual_8"][1], 160)


if __name__ == "__main__":
    unittest.main()
