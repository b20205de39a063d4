using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Models
{
    /// <summary>
    /// Runs every model of Tests/Fixtures/TinyModelSet in ONNX Runtime and compares with the torch outputs that
    /// Tools~/fixtures/make_tiny_model_set.py saved under Reference/tiny_set (so the exported graphs, not just the
    /// torch modules, are checked), plus the I/O names the model-set contract fixes.
    /// </summary>
    public sealed class TinyModelSetTests
    {
        const float Tolerance = 1e-4f;

        static string Model(string relative) => Path.Combine(TestData.TinyModelSet, relative);
        static string Expected(string name) => TestData.Path("Reference/tiny_set/" + name + ".npy");

        static InferenceSession Open(string relative) => new InferenceSession(Model(relative));

        static OrtValue Tensor(float[] data, params long[] shape) => OrtValue.CreateTensorValueFromMemory(data, shape);

        /// <summary>Runs a session and copies every output (in the model's output order) with its shape.</summary>
        static List<(float[] Data, long[] Shape)> Run(InferenceSession session, params (string Name, OrtValue Value)[] inputs)
        {
            try
            {
                using var options = new RunOptions();
                using var outputs = session.Run(options, inputs.Select(i => i.Name).ToArray(), inputs.Select(i => i.Value).ToArray(),
                    session.OutputNames.ToArray());
                return outputs.Select(o => (o.GetTensorDataAsSpan<float>().ToArray(), o.GetTensorTypeAndShape().Shape)).ToList();
            }
            finally
            {
                foreach (var i in inputs) i.Value.Dispose();
            }
        }

        static void AssertMatches((float[] Data, long[] Shape) actual, string expectedName)
        {
            var (data, shape) = TestData.LoadNpy(Expected(expectedName));
            Assert.That(actual.Shape, Is.EqualTo(shape.Select(d => (long)d).ToArray()), expectedName + " shape");
            float diff = TestData.MaxAbsDiff(actual.Data, data);
            TestContext.Out.WriteLine($"{expectedName}: max abs diff vs torch {diff:G3}");
            Assert.That(diff, Is.LessThanOrEqualTo(Tolerance), expectedName);
        }

        /// <summary>astronaut.png as float RGB HWC 0..255 (PNG decoding is exact; no colour management).</summary>
        static float[,,] Astronaut()
        {
            using var image = Image.Load<Rgb24>(TestData.AstronautPhoto);
            var rgb = new float[image.Height, image.Width, 3];
            for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                {
                    var p = image[x, y];
                    rgb[y, x, 0] = p.R; rgb[y, x, 1] = p.G; rgb[y, x, 2] = p.B;
                }
            return rgb;
        }

        /// <summary>NCHW [1,3,h,w] crop with (p - mean) / scale, the same float32 arithmetic as the generator.</summary>
        static float[] Crop(float[,,] rgb, int top, int left, int h, int w, float mean, float scale)
        {
            var data = new float[3 * h * w];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        data[(c * h + y) * w + x] = (rgb[top + y, left + x, c] - mean) / scale;
            return data;
        }

        // ---------------------------------------------------------------------------------------- names

        static readonly object[] Signatures =
        {
            new object[] { "text_encoder/model.onnx", new[] { "input_ids" },
                new[] { "last_hidden_state", "pooler_output", "hidden_states.0", "hidden_states.1", "hidden_states.2" } },
            new object[] { "text_encoder_2/model.onnx", new[] { "input_ids" },
                new[] { "text_embeds", "last_hidden_state", "hidden_states.0", "hidden_states.1", "hidden_states.2" } },
            new object[] { "image_proj/model.onnx", new[] { "face_embeds" }, new[] { "image_prompt_embeds" } },
            new object[] { "controlnet/model.onnx",
                new[] { "sample", "timestep", "encoder_hidden_states", "controlnet_cond", "conditioning_scale", "text_embeds", "time_ids" },
                Enumerable.Range(0, 6).Select(i => "down_block_res_sample_" + i).Append("mid_block_res_sample").ToArray() },
            new object[] { "unet/model.onnx",
                new[] { "sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids", "ip_adapter_scale" }
                    .Concat(Enumerable.Range(0, 6).Select(i => "down_block_additional_residual_" + i))
                    .Append("mid_block_additional_residual").ToArray(),
                new[] { "out_sample" } },
            new object[] { "vae_decoder/model.onnx", new[] { "latent_sample" }, new[] { "sample" } },
            new object[] { "vae_encoder/model.onnx", new[] { "sample" }, new[] { "latent_sample" } },
            new object[] { "face/detector.onnx", new[] { "input.1" },
                new[] { "score_8", "score_16", "score_32", "bbox_8", "bbox_16", "bbox_32", "kps_8", "kps_16", "kps_32" } },
            new object[] { "face/recognizer.onnx", new[] { "input.1" }, new[] { "embedding" } },
        };

        [TestCaseSource(nameof(Signatures))]
        public void Model_HasContractInputAndOutputNames(string relative, string[] inputs, string[] outputs)
        {
            using var session = Open(relative);
            Assert.That(session.InputNames, Is.EqualTo(inputs), relative + " inputs");
            Assert.That(session.OutputNames, Is.EqualTo(outputs), relative + " outputs");
        }

        [Test]
        public void ModelIndex_HasContractFieldsAndTinySizes()
        {
            var json = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(Model("model_index.json")));
            Assert.That((string?)json["format"], Is.EqualTo("instantid-avatars/onnx"));
            Assert.That((int?)json["version"], Is.EqualTo(1));
            Assert.That((string?)json["dtype"], Is.EqualTo("float32"));
            Assert.That((double?)json["vae_scaling_factor"], Is.EqualTo(0.13025));
            Assert.That(json["default_size"]!.Select(t => (int)t).ToArray(), Is.EqualTo(new[] { 64, 64 }));
            Assert.That((int?)json["image_tokens"], Is.EqualTo(16));
            Assert.That((int?)json["face"]!["det_size"], Is.EqualTo(640));
            Assert.That((string?)json["scheduler"]!["_class_name"], Is.EqualTo("EulerDiscreteScheduler"));
            Assert.That((string?)json["scheduler"]!["timestep_spacing"], Is.EqualTo("leading"));
            Assert.That((string?)json["source"]!["kind"], Is.EqualTo("tiny-random"));
        }

        [Test]
        public void Tokenizers_AreTheClipVocabulary()
        {
            foreach (var folder in new[] { "tokenizer", "tokenizer_2" })
            {
                var vocab = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(Model(folder + "/vocab.json")));
                Assert.That(vocab.Count, Is.EqualTo(49408), folder);
                Assert.That((int?)vocab["!"], Is.EqualTo(0));
                Assert.That((int?)vocab["a</w>"], Is.EqualTo(320));
                Assert.That((int?)vocab["<|endoftext|>"], Is.EqualTo(49407));
                var merges = File.ReadAllLines(Model(folder + "/merges.txt"));
                Assert.That(merges[0], Does.StartWith("#version"));
                Assert.That(merges.Length, Is.EqualTo(48895), folder);
            }
        }

        // ---------------------------------------------------------------------------------------- torch parity

        [Test]
        public void ImageProj_MatchesTorch()
        {
            using var session = Open("image_proj/model.onnx");
            var (x, shape) = TestData.LoadNpy(Expected("image_proj_face_embeds"));
            var outputs = Run(session, ("face_embeds", Tensor(x, shape.Select(d => (long)d).ToArray())));
            AssertMatches(outputs[0], "image_proj_image_prompt_embeds");
        }

        [TestCase("text_encoder", new[] { "last_hidden_state", "pooler_output", "hidden_states_0", "hidden_states_1", "hidden_states_2" })]
        [TestCase("text_encoder_2", new[] { "text_embeds", "last_hidden_state", "hidden_states_0", "hidden_states_1", "hidden_states_2" })]
        public void TextEncoder_MatchesTorch(string name, string[] expected)
        {
            using var session = Open(name + "/model.onnx");
            var (ids, shape) = TestData.LoadNpy(Expected("text_input_ids"));
            var input = OrtValue.CreateTensorValueFromMemory(ids.Select(v => (int)v).ToArray(), shape.Select(d => (long)d).ToArray());
            var outputs = Run(session, ("input_ids", input));
            for (int i = 0; i < expected.Length; i++)
                AssertMatches(outputs[i], name + "_" + expected[i]);
        }

        [Test]
        public void VaeEncoder_MatchesTorch_OnANonSquareImage()
        {
            using var session = Open("vae_encoder/model.onnx");
            var x = Crop(Astronaut(), 0, 160, 64, 96, 127.5f, 127.5f);
            var outputs = Run(session, ("sample", Tensor(x, 1, 3, 64, 96)));
            Assert.That(outputs[0].Shape, Is.EqualTo(new long[] { 1, 4, 8, 12 }));
            AssertMatches(outputs[0], "vae_encoder_latent_sample");
        }

        [Test]
        public void Recognizer_MatchesTorch_AndSeparatesDifferentCrops()
        {
            using var session = Open("face/recognizer.onnx");
            var rgb = Astronaut();
            var face = Run(session, ("input.1", Tensor(Crop(rgb, 60, 168, 112, 112, 127.5f, 127.5f), 1, 3, 112, 112)))[0];
            var other = Run(session, ("input.1", Tensor(Crop(rgb, 300, 100, 112, 112, 127.5f, 127.5f), 1, 3, 112, 112)))[0];
            AssertMatches(face, "recognizer_embedding_face");
            AssertMatches(other, "recognizer_embedding_other");
            Assert.That(Cosine(face.Data, other.Data), Is.LessThan(0.9));
        }

        static double Cosine(float[] a, float[] b)
        {
            double ab = 0, aa = 0, bb = 0;
            for (int i = 0; i < a.Length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
            return ab / Math.Sqrt(aa * bb);
        }

        static readonly string[] DetectorOutputs = { "score_8", "score_16", "score_32", "bbox_8", "bbox_16", "bbox_32", "kps_8", "kps_16", "kps_32" };

        static List<(float[] Data, long[] Shape)> Detect(InferenceSession session, float[] blob, int h, int w) =>
            Run(session, ("input.1", Tensor(blob, 1, 3, h, w)));

        [Test]
        public void Detector_MatchesTorch_OnAstronaut()
        {
            using var session = Open("face/detector.onnx");
            var outputs = Detect(session, Crop(Astronaut(), 0, 0, 512, 512, 127.5f, 128f), 512, 512);
            int[] strides = { 8, 16, 32 };
            for (int i = 0; i < 9; i++)
            {
                int s = strides[i % 3];
                long rows = 512 / s * (512 / s) * 2;
                long cols = i < 3 ? 1 : i < 6 ? 4 : 10;
                Assert.That(outputs[i].Shape, Is.EqualTo(new[] { rows, cols }), DetectorOutputs[i]);
                if (i < 3)
                {
                    AssertMatches(outputs[i], "detector_astronaut512_" + DetectorOutputs[i]);
                    continue;
                }
                // boxes and keypoints are the same row everywhere (hand-set layout); the fixture stores two rows
                var (row, _) = TestData.LoadNpy(Expected("detector_astronaut512_" + DetectorOutputs[i]));
                float worst = 0;
                for (long r = 0; r < rows; r++)
                    for (int c = 0; c < cols; c++)
                        worst = Math.Max(worst, Math.Abs(outputs[i].Data[r * cols + c] - row[c]));
                Assert.That(worst, Is.LessThanOrEqualTo(Tolerance), DetectorOutputs[i]);
            }
        }

        /// <summary>Best anchor decoded as insightface's distance2bbox / distance2kps (anchor = (x·s, y·s)).</summary>
        static (float Score, float[] Box, float[] Kps) Best(List<(float[] Data, long[] Shape)> outputs, int width)
        {
            int[] strides = { 8, 16, 32 };
            (float Score, float[] Box, float[] Kps) best = (float.NegativeInfinity, new float[4], new float[10]);
            for (int i = 0; i < 3; i++)
            {
                int s = strides[i], ws = width / s;
                var scores = outputs[i].Data;
                for (int r = 0; r < scores.Length; r++)
                {
                    if (scores[r] <= best.Score) continue;
                    int cell = r / 2;
                    float ax = cell % ws * s, ay = cell / ws * s;
                    var b = outputs[i + 3].Data;
                    var k = outputs[i + 6].Data;
                    var box = new[] { ax - b[r * 4] * s, ay - b[r * 4 + 1] * s, ax + b[r * 4 + 2] * s, ay + b[r * 4 + 3] * s };
                    var kps = new float[10];
                    for (int j = 0; j < 10; j++) kps[j] = (j % 2 == 0 ? ax : ay) + k[r * 10 + j] * s;
                    best = (scores[r], box, kps);
                }
            }
            return best;
        }

        [Test]
        public void Detector_FindsTheAstronautFace_WithAFaceShapedLayout()
        {
            using var session = Open("face/detector.onnx");
            var (score, box, kps) = Best(Detect(session, Crop(Astronaut(), 0, 0, 512, 512, 127.5f, 128f), 512, 512), 512);
            Assert.That(score, Is.GreaterThanOrEqualTo(0.5f));
            // the face centre (between the eyes and the mouth) lies inside the box
            Assert.That(box[0], Is.LessThan(230f)); Assert.That(box[2], Is.GreaterThan(230f));
            Assert.That(box[1], Is.LessThan(130f)); Assert.That(box[3], Is.GreaterThan(130f));
            // insightface order: left eye, right eye, nose, left mouth, right mouth (image left = smaller x)
            Assert.That(kps[0], Is.LessThan(kps[4])); Assert.That(kps[4], Is.LessThan(kps[2]));
            Assert.That(kps[6], Is.LessThan(kps[8]));
            for (int j = 0; j < 10; j += 2)
            {
                Assert.That(kps[j], Is.InRange(box[0], box[2]), "keypoint x inside the box");
                Assert.That(kps[j + 1], Is.InRange(box[1], box[3]), "keypoint y inside the box");
            }
            Assert.That(Math.Max(kps[1], kps[3]), Is.LessThan(kps[5]));
            Assert.That(kps[5], Is.LessThan(Math.Min(kps[7], kps[9])));
        }

        [TestCase(0f)]
        [TestCase(127.5f)]
        [TestCase(255f)]
        public void Detector_FindsNoFace_OnAFlatImage(float pixel)
        {
            using var session = Open("face/detector.onnx");
            var blob = Enumerable.Repeat((pixel - 127.5f) / 128f, 3 * 480 * 640).ToArray();
            var (score, _, _) = Best(Detect(session, blob, 480, 640), 640);
            Assert.That(score, Is.LessThan(0.5f));
        }

        // ---------------------------------------------------------------------------------------- copied diffusion models

        /// <summary>Deterministic pseudo-random floats in [-1, 1) (a small LCG; exact values do not matter here).</summary>
        static float[] Noise(int count, uint seed)
        {
            var data = new float[count];
            for (int i = 0; i < count; i++)
            {
                seed = seed * 1664525u + 1013904223u;
                data[i] = (seed >> 8) / 8388608f - 1f;
            }
            return data;
        }

        static float[] Row(float[] batch, int row, int rows) =>
            batch.Skip(batch.Length / rows * row).Take(batch.Length / rows).ToArray();

        /// <summary>
        /// The reference exports were only ever run at one batch size; the runtime runs them at 1 (no CFG) and 2 (CFG).
        /// Row 1 of a batch-2 run must equal a batch-1 run of that row.
        /// </summary>
        static void AssertBatchRowsIndependent(string relative, (string Name, long[] Shape, bool Batched)[] inputs)
        {
            using var session = Open(relative);
            var data = inputs.Select((input, i) =>
            {
                long n = input.Shape.Aggregate(1L, (a, b) => a * b) * (input.Batched ? 2 : 1);
                var d = Noise((int)n, (uint)(17 + i));
                if (input.Name.EndsWith("scale")) d[0] = 0.8f;
                if (input.Name == "timestep") d[0] = 958f;
                return d;
            }).ToArray();
            var two = Run(session, inputs.Select((input, i) => (input.Name,
                Tensor(data[i], input.Batched ? new[] { 2L }.Concat(input.Shape).ToArray() : input.Shape))).ToArray());
            var one = Run(session, inputs.Select((input, i) => (input.Name,
                Tensor(input.Batched ? Row(data[i], 1, 2) : data[i], input.Batched ? new[] { 1L }.Concat(input.Shape).ToArray() : input.Shape))).ToArray());
            Assert.That(one.Count, Is.EqualTo(session.OutputNames.Count));
            for (int o = 0; o < one.Count; o++)
            {
                Assert.That(two[o].Shape[0], Is.EqualTo(2)); Assert.That(one[o].Shape[0], Is.EqualTo(1));
                Assert.That(one[o].Data.All(float.IsFinite), Is.True, session.OutputNames[o]);
                Assert.That(TestData.MaxAbsDiff(Row(two[o].Data, 1, 2), one[o].Data), Is.LessThanOrEqualTo(Tolerance), session.OutputNames[o]);
                Assert.That(TestData.MaxAbsDiff(Row(two[o].Data, 0, 2), one[o].Data), Is.GreaterThan(Tolerance), "rows differ");
            }
        }

        [Test]
        public void ControlNet_RunsAtBatchOneAndTwo()
        {
            AssertBatchRowsIndependent("controlnet/model.onnx", new[]
            {
                ("sample", new long[] { 4, 8, 8 }, true), ("timestep", new long[] { 1 }, false),
                ("encoder_hidden_states", new long[] { 16, 64 }, true), ("controlnet_cond", new long[] { 3, 64, 64 }, true),
                ("conditioning_scale", new long[] { 1 }, false), ("text_embeds", new long[] { 32 }, true), ("time_ids", new long[] { 6 }, true),
            });
        }

        [Test]
        public void UNet_RunsAtBatchOneAndTwo()
        {
            var residuals = new[] { new long[] { 32, 8, 8 }, new long[] { 32, 8, 8 }, new long[] { 32, 8, 8 }, new long[] { 32, 4, 4 },
                                    new long[] { 64, 4, 4 }, new long[] { 64, 4, 4 } };
            AssertBatchRowsIndependent("unet/model.onnx", new[]
                {
                    ("sample", new long[] { 4, 8, 8 }, true), ("timestep", new long[] { 1 }, false),
                    ("encoder_hidden_states", new long[] { 93, 64 }, true), ("text_embeds", new long[] { 32 }, true),
                    ("time_ids", new long[] { 6 }, true), ("ip_adapter_scale", new long[] { 1 }, false),
                }
                .Concat(residuals.Select((r, i) => ("down_block_additional_residual_" + i, r, true)))
                .Append(("mid_block_additional_residual", new long[] { 64, 4, 4 }, true)).ToArray());
        }

        [Test]
        public void VaeDecoder_RunsAtBatchOneAndTwo()
        {
            AssertBatchRowsIndependent("vae_decoder/model.onnx", new[] { ("latent_sample", new long[] { 4, 8, 8 }, true) });
        }
    }
}
