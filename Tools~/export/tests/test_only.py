"""``--only``: a set built in several calls into one folder; unknown parts; atomic per part."""

import io
import json
import os
import shutil
import tempfile
import unittest
from contextlib import redirect_stdout

import _env


def _run(argv):
    from instantid_export import cli
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = cli.main(argv)
    return code, buf.getvalue()


def _report(out):
    with open(os.path.join(out, "export_report.json")) as f:
        return json.load(f)


class OnlyTwoCallsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        _env.require_diffusers()
        from test_cli import _face_model
        cls.tmp = tempfile.mkdtemp(prefix="instantid_export_only_")
        ante = os.path.join(cls.tmp, "antelopev2")
        os.makedirs(ante)
        _face_model(os.path.join(ante, "scrfd_10g_bnkps.onnx"), ["?", "?"])
        _face_model(os.path.join(ante, "glintr100.onnx"), [112, 112])
        cls.out = os.path.join(cls.tmp, "set")
        base = ["--tiny-random", "--antelopev2", ante, "--out", cls.out, "--dtype", "float32"]
        cls.code1, cls.log1 = _run(base + ["--only", "unet,controlnet"])
        cls.report1 = _report(cls.out)
        with open(os.path.join(cls.out, "unet", "model.onnx"), "rb") as f:
            cls.unet_bytes = f.read()
        cls.code2, cls.log2 = _run(base + ["--only", "image_proj,vae_decoder,vae_encoder,face,tokenizers"])
        cls.report2 = _report(cls.out)
        with open(os.path.join(cls.out, "model_index.json")) as f:
            cls.index = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_FilesOfBothCalls_ArePresent(self):
        for rel in ("unet/model.onnx", "controlnet/model.onnx", "image_proj/model.onnx", "vae_decoder/model.onnx",
                    "vae_encoder/model.onnx", "face/detector.onnx", "face/recognizer.onnx", "tokenizer/vocab.json",
                    "tokenizer_2/merges.txt"):
            self.assertTrue(os.path.isfile(os.path.join(self.out, rel)), rel)
        with open(os.path.join(self.out, "unet", "model.onnx"), "rb") as f:
            self.assertEqual(f.read(), self.unet_bytes)  # second call left the first call's UNet untouched
        self.assertEqual([n for n in os.listdir(self.out) if n.startswith(".")], [])

    def test_FirstCall_ExportsOnlyItsParts(self):
        self.assertEqual(self.report1["exported"], ["controlnet", "unet"])
        self.assertEqual(sorted(r["model"] for r in self.report1["rows"]), ["controlnet", "unet"])
        self.assertIn("image_proj", self.report1["missing_parts"])
        self.assertIn("tokenizers", self.report1["missing_parts"])
        self.assertEqual(self.code1, 3)

    def test_SecondCall_ReportsOnlyItsPartsAndTextEncodersMissing(self):
        rows = sorted(r["model"] for r in self.report2["rows"])
        self.assertEqual(rows, ["face/detector.onnx", "face/recognizer.onnx", "image_proj", "vae_decoder",
                                "vae_encoder"])
        self.assertEqual(self.report2["missing_parts"], ["text_encoder", "text_encoder_2"])
        self.assertIn("parts still missing from %s: text_encoder, text_encoder_2" % self.out, self.log2)
        self.assertEqual(self.code2, 3)
        self.assertEqual(self.report2["exit_code"], 3)

    def test_ModelIndex_ListsPartsOfBothCalls(self):
        self.assertEqual(sorted(self.index["models"]), ["controlnet", "face_detector", "face_recognizer", "image_proj",
                                                        "unet", "vae_decoder", "vae_encoder"])
        self.assertEqual(self.index["models"]["unet"]["outputs"], ["out_sample"])
        self.assertEqual(self.index["format"], "instantid-avatars/onnx")


class OnlyErrorsTest(unittest.TestCase):
    def setUp(self):
        _env.require_diffusers()

    def test_UnknownPart_ListsValidParts(self):
        with self.assertRaises(SystemExit) as ctx:
            _run(["--tiny-random", "--out", tempfile.mkdtemp(), "--only", "unet,vae",
                  "--extra-controlnet", "depth=tiny"])
        msg = str(ctx.exception)
        self.assertIn("unknown part(s) vae", msg)
        for name in ("text_encoder_2", "vae_decoder", "tokenizers", "face", "controlnet_depth"):
            self.assertIn(name, msg)

    def test_FailureMidPart_LeavesNoPartialFolder(self):
        from instantid_export import onnx_io
        out = tempfile.mkdtemp(prefix="instantid_export_fail_")
        self.addCleanup(shutil.rmtree, out, True)
        real_save = onnx_io.save_model
        written = []

        def save_then_fail(model, path):
            real_save(model, path)
            written.append(path)  # the model file exists in the temp folder when the failure hits
            raise RuntimeError("simulated failure")
        onnx_io.save_model = save_then_fail
        try:
            with self.assertRaises(RuntimeError):
                _run(["--tiny-random", "--out", out, "--dtype", "float32", "--only", "image_proj"])
        finally:
            onnx_io.save_model = real_save
        self.assertEqual(written, [os.path.join(out, ".partial-image_proj", "image_proj", "model.onnx")])
        self.assertFalse(os.path.exists(os.path.join(out, "image_proj")))
        self.assertEqual([n for n in os.listdir(out) if n.startswith(".partial")], [])
        # a call that works afterwards installs the part
        code, _ = _run(["--tiny-random", "--out", out, "--dtype", "float32", "--only", "image_proj"])
        self.assertTrue(os.path.isfile(os.path.join(out, "image_proj", "model.onnx")))
        self.assertEqual(code, 3)


if __name__ == "__main__":
    unittest.main()
