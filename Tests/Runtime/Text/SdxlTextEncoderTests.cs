using System;
using System.IO;
using System.Linq;
using InstantIdAvatars.Text;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Text
{
    /// <summary>Runs the tiny model set's text encoders (hidden 32 + 32, pooled 32; hidden_states.0..2).</summary>
    public sealed class SdxlTextEncoderTests
    {
        const float Tol = 2e-5f;
        InferenceSession _te1 = null!;
        InferenceSession _te2 = null!;
        SdxlTextEncoder _encoder = null!;

        static string Set(string relative) => System.IO.Path.Combine(TestData.TinyModelSet, relative);
        static string Expected(string name) => TestData.Path("Reference/tiny_set/" + name);

        [OneTimeSetUp]
        public void Load()
        {
            _te1 = new InferenceSession(Set("text_encoder/model.onnx"));
            _te2 = new InferenceSession(Set("text_encoder_2/model.onnx"));
            var tok1 = ClipTokenizer.FromFolder(Set("tokenizer"));
            var tok2 = ClipTokenizer.FromFolder(Set("tokenizer_2"), ClipTokenizer.ExclamationPadToken);
            _encoder = new SdxlTextEncoder(_te1, _te2, tok1, tok2);
        }

        [OneTimeTearDown]
        public void Unload()
        {
            _encoder.Dispose();
            _te1.Dispose();
            _te2.Dispose();
        }

        static float[] Slice(float[] data, int rowLength, int row) => data.Skip(row * rowLength).Take(rowLength).ToArray();

        /// <summary>[77, C] → the channels [from, from+count) of positions [0, positions).</summary>
        static float[] Channels(float[] embeds, int c, int from, int count, int positions, int tokenOffset = 0)
        {
            var r = new float[positions * count];
            for (int t = 0; t < positions; t++)
                Array.Copy(embeds, (tokenOffset + t) * c + from, r, t * count, count);
            return r;
        }

        [Test]
        public void Graphs_ReadPenultimateStateAndPooled_MatchTorch()
        {
            var ids = TestData.LoadNpy(Expected("text_input_ids.npy")).Data.Select(v => (int)v).ToArray();
            var weights = Enumerable.Repeat(1f, ids.Length).ToArray();
            var g1 = new SdxlTextEncoder.EncoderGraph(_te1, "text_encoder", needsPooled: false);
            var g2 = new SdxlTextEncoder.EncoderGraph(_te2, "text_encoder_2", needsPooled: true);
            var (h1, p1) = g1.Run((ids, weights), 2);
            var (h2, p2) = g2.Run((ids, weights), 2);
            Assert.That(p1, Is.Null);
            TestContext.Out.WriteLine("max |diff| vs torch: hs1 enc1 {0:E2}, hs1 enc2 {1:E2}, text_embeds {2:E2}",
                TestData.MaxAbsDiff(h1.Hidden, TestData.LoadNpy(Expected("text_encoder_hidden_states_1.npy")).Data),
                TestData.MaxAbsDiff(h2.Hidden, TestData.LoadNpy(Expected("text_encoder_2_hidden_states_1.npy")).Data),
                TestData.MaxAbsDiff(p2!, TestData.LoadNpy(Expected("text_encoder_2_text_embeds.npy")).Data));
            Assert.That(h1.Channels, Is.EqualTo(32));
            Assert.That(TestData.MaxAbsDiff(h1.Hidden, TestData.LoadNpy(Expected("text_encoder_hidden_states_1.npy")).Data), Is.LessThan(Tol));
            Assert.That(TestData.MaxAbsDiff(h2.Hidden, TestData.LoadNpy(Expected("text_encoder_2_hidden_states_1.npy")).Data), Is.LessThan(Tol));
            Assert.That(TestData.MaxAbsDiff(p2!, TestData.LoadNpy(Expected("text_encoder_2_text_embeds.npy")).Data), Is.LessThan(Tol));
        }

        [Test]
        public void Encode_APhotoOfACat_IsConcatOfPenultimateStatesAndPooledOfEncoder2()
        {
            var e = _encoder.Encode("a photo of a cat");
            Assert.That(e.Conditional.Shape, Is.EqualTo(new[] { 1, 77, 64 }));
            Assert.That(e.Conditional.Pooled.Length, Is.EqualTo(32));
            Assert.That(_encoder.Channels, Is.EqualTo(64));

            var hs1 = Slice(TestData.LoadNpy(Expected("text_encoder_hidden_states_1.npy")).Data, 77 * 32, 0);
            var hs2 = Slice(TestData.LoadNpy(Expected("text_encoder_2_hidden_states_1.npy")).Data, 77 * 32, 0);
            var pooled = Slice(TestData.LoadNpy(Expected("text_encoder_2_text_embeds.npy")).Data, 32, 0);
            // Encoder 1 saw exactly the reference row (padded with 49407).
            Assert.That(TestData.MaxAbsDiff(Channels(e.Conditional.Embeds, 64, 0, 32, 77), hs1), Is.LessThan(Tol));
            // Encoder 2 pads with 0, the reference row with 49407: the causal encoder agrees up to the end token.
            Assert.That(TestData.MaxAbsDiff(Channels(e.Conditional.Embeds, 64, 32, 32, 7), Channels(hs2, 32, 0, 32, 7)), Is.LessThan(Tol));
            Assert.That(Channels(e.Conditional.Embeds, 64, 32, 32, 70, 7), Is.Not.EqualTo(Channels(hs2, 32, 0, 32, 70, 7)));
            Assert.That(TestData.MaxAbsDiff(e.Conditional.Pooled, pooled), Is.LessThan(Tol));
        }

        [Test]
        public void Encode_NoNegative_GivesZeroUnconditional_AndGuidanceBatchOf2()
        {
            var e = _encoder.Encode("a photo of a cat");
            Assert.That(e.UnconditionalIsZero, Is.True);
            Assert.That(e.Unconditional!.Shape, Is.EqualTo(new[] { 1, 77, 64 }));
            Assert.That(e.Unconditional.Embeds.All(v => v == 0f) && e.Unconditional.Pooled.All(v => v == 0f), Is.True);
            var (embeds, shape, pooled) = e.ToGuidanceBatch();
            Assert.That(shape, Is.EqualTo(new[] { 2, 77, 64 }));
            Assert.That(pooled.Length, Is.EqualTo(64));
            Assert.That(embeds.Skip(77 * 64), Is.EqualTo(e.Conditional.Embeds));
            Assert.That(embeds.Take(77 * 64).All(v => v == 0f), Is.True);
        }

        [Test]
        public void Encode_EmptyStringNegative_IsEncodedNotZero_AsDiffusers()
        {
            var e = _encoder.Encode("a photo of a cat", negativePrompt: "");
            var empty = _encoder.Encode("");
            Assert.That(e.UnconditionalIsZero, Is.False);
            Assert.That(e.Unconditional!.Embeds, Is.EqualTo(empty.Conditional.Embeds).Within(1e-6f));
            Assert.That(e.Unconditional.Pooled, Is.EqualTo(empty.Conditional.Pooled).Within(1e-6f));
            Assert.That(e.Unconditional.Embeds.Any(v => v != 0f), Is.True);
        }

        [Test]
        public void Encode_NoGuidance_HasNoUnconditional()
        {
            var e = _encoder.Encode(new SdxlPromptRequest("a cat", classifierFreeGuidance: false));
            Assert.That(e.Unconditional, Is.Null);
            Assert.That(() => e.ToGuidanceBatch(), Throws.InvalidOperationException);
        }

        [Test]
        public void Encode_Prompt2_GoesToEncoder2Only()
        {
            var both = _encoder.Encode(new SdxlPromptRequest("a cat", "a dog"));
            var cat = _encoder.Encode("a cat");
            var dog = _encoder.Encode("a dog");
            Assert.That(Channels(both.Conditional.Embeds, 64, 0, 32, 77), Is.EqualTo(Channels(cat.Conditional.Embeds, 64, 0, 32, 77)).Within(1e-6f));
            Assert.That(Channels(both.Conditional.Embeds, 64, 32, 32, 77), Is.EqualTo(Channels(dog.Conditional.Embeds, 64, 32, 32, 77)).Within(1e-6f));
            Assert.That(both.Conditional.Pooled, Is.EqualTo(dog.Conditional.Pooled).Within(1e-6f));
            // prompt_2 "" falls back to prompt (diffusers: prompt_2 or prompt).
            var fallback = _encoder.Encode(new SdxlPromptRequest("a cat", ""));
            Assert.That(fallback.Conditional.Embeds, Is.EqualTo(cat.Conditional.Embeds).Within(1e-6f));
        }

        [Test]
        public void Encode_LongPrompt_ChunksAlongSequenceAxis()
        {
            var prompt = string.Join(" ", Enumerable.Repeat("cat", 100)); // 100 tokens: chunks of 75 + 25
            var e = _encoder.Encode(prompt);
            Assert.That(e.Conditional.Shape, Is.EqualTo(new[] { 1, 154, 64 }));
            Assert.That(e.Unconditional!.Shape, Is.EqualTo(new[] { 1, 154, 64 }));
            var first = _encoder.Encode(string.Join(" ", Enumerable.Repeat("cat", 75)));
            var second = _encoder.Encode(string.Join(" ", Enumerable.Repeat("cat", 25)));
            Assert.That(e.Conditional.Embeds.Take(77 * 64), Is.EqualTo(first.Conditional.Embeds).Within(1e-6f));
            Assert.That(e.Conditional.Embeds.Skip(77 * 64), Is.EqualTo(second.Conditional.Embeds).Within(1e-6f));
            Assert.That(e.Conditional.Pooled, Is.EqualTo(first.Conditional.Pooled).Within(1e-6f));
        }

        [Test]
        public void Encode_ShortNegativeWithLongPrompt_PadsNegativeWithEmptyChunk()
        {
            var prompt = string.Join(" ", Enumerable.Repeat("cat", 100));
            var e = _encoder.Encode(prompt, negativePrompt: "blurry");
            var blurry = _encoder.Encode("blurry");
            var empty = _encoder.Encode("");
            Assert.That(e.Unconditional!.Shape, Is.EqualTo(new[] { 1, 154, 64 }));
            Assert.That(e.Unconditional.Embeds.Take(77 * 64), Is.EqualTo(blurry.Conditional.Embeds).Within(1e-6f));
            Assert.That(e.Unconditional.Embeds.Skip(77 * 64), Is.EqualTo(empty.Conditional.Embeds).Within(1e-6f));
            Assert.That(e.Unconditional.Pooled, Is.EqualTo(blurry.Conditional.Pooled).Within(1e-6f));
        }

        [Test]
        public void Encode_A1111Weight_ScalesTokenThenRestoresMean()
        {
            var plain = _encoder.Encode("a cat");
            var weighted = _encoder.Encode("a (cat:1.5)", weighting: PromptWeightingMode.A1111);
            var unitWeight = _encoder.Encode("a (cat:1)", weighting: PromptWeightingMode.A1111);
            Assert.That(unitWeight.Conditional.Embeds, Is.EqualTo(plain.Conditional.Embeds));
            Assert.That(weighted.Conditional.Pooled, Is.EqualTo(plain.Conditional.Pooled));

            // Hand-apply A1111's rule to each encoder's [77, 32] half: token 2 ("cat") × 1.5, then × mean_before/mean_after.
            for (int half = 0; half < 2; half++)
            {
                var z = Channels(plain.Conditional.Embeds, 64, half * 32, 32, 77);
                double before = z.Select(v => (double)v).Average();
                for (int i = 2 * 32; i < 3 * 32; i++) z[i] *= 1.5f;
                double after = z.Select(v => (double)v).Average();
                var expected = z.Select(v => v * (float)(before / after)).ToArray();
                var actual = Channels(weighted.Conditional.Embeds, 64, half * 32, 32, 77);
                Assert.That(TestData.MaxAbsDiff(actual, expected), Is.LessThan(1e-5f), "half " + half);
                Assert.That(actual.Select(v => (double)v).Average(), Is.EqualTo(before).Within(1e-5));
            }
        }

        [Test]
        public void Encode_ParallelCalls_MatchSequentialResults()
        {
            var prompts = new[] { "a cat", "a (dog:1.4)", "", string.Join(" ", Enumerable.Repeat("cat", 90)) };
            var expected = prompts.Select(p => _encoder.Encode(p, "blurry", PromptWeightingMode.A1111)).ToArray();
            var results = new EncodedPrompt[prompts.Length * 4];
            System.Threading.Tasks.Parallel.For(0, results.Length,
                i => results[i] = _encoder.Encode(prompts[i % prompts.Length], "blurry", PromptWeightingMode.A1111));
            for (int i = 0; i < results.Length; i++)
            {
                Assert.That(results[i].Conditional.Embeds, Is.EqualTo(expected[i % prompts.Length].Conditional.Embeds));
                Assert.That(results[i].Unconditional!.Embeds, Is.EqualTo(expected[i % prompts.Length].Unconditional!.Embeds));
            }
        }

        [TestCase(true)]
        [TestCase(false)]
        public void Dispose_ClosesSessionsOnlyWhenOwned(bool owns)
        {
            // observe disposal directly: running a disposed session is a native use-after-free, never a test
            using var s1 = new TrackingSession(Set("text_encoder/model.onnx"));
            using var s2 = new TrackingSession(Set("text_encoder_2/model.onnx"));
            var enc = new SdxlTextEncoder(s1, s2, _encoder.Tokenizer, _encoder.Tokenizer2, ownsSessions: owns);
            enc.Dispose();
            Assert.That(() => enc.Encode("a cat"), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That((s1.Disposed, s2.Disposed), Is.EqualTo((owns, owns)));
        }

        sealed class TrackingSession : InferenceSession
        {
            public bool Disposed;
            public TrackingSession(string path) : base(path) { }
            protected override void Dispose(bool disposing)
            {
                Disposed = true;
                base.Dispose(disposing);
            }
        }

        [Test]
        public void Constructor_WrongGraph_ThrowsNamingTheInput()
        {
            using var wrong = new InferenceSession(Set("image_proj/model.onnx"));
            var tok = ClipTokenizerTests.Tokenizer1;
            var ex = Assert.Throws<TextEncoderException>(() => new SdxlTextEncoder(wrong, _te2, tok, tok));
            Assert.That(ex!.Message, Does.Contain("input_ids").And.Contain("text_encoder"));
            var ex2 = Assert.Throws<TextEncoderException>(() => new SdxlTextEncoder(_te1, _te1, tok, tok));
            Assert.That(ex2!.Message, Does.Contain("text_embeds"));
        }

        [Test]
        public void Cache_SameRequest_HitsAndReturnsSameEncoding()
        {
            var cache = new PromptEmbeddingCache(capacity: 2);
            var a = cache.GetOrEncode("tiny", new SdxlPromptRequest("a cat"), _encoder);
            var b = cache.GetOrEncode("tiny", new SdxlPromptRequest("a cat"), _encoder);
            Assert.That(b, Is.SameAs(a));
            Assert.That((cache.Hits, cache.Misses), Is.EqualTo((1L, 1L)));

            // Any key part differing is a miss: model set, negative, weighting mode.
            Assert.That(cache.GetOrEncode("other", new SdxlPromptRequest("a cat"), _encoder), Is.Not.SameAs(a));
            Assert.That(cache.GetOrEncode("tiny", new SdxlPromptRequest("a cat", negativePrompt: ""), _encoder), Is.Not.SameAs(a));
            Assert.That(cache.TryGet("tiny", new SdxlPromptRequest("a cat", weighting: PromptWeightingMode.A1111)), Is.Null);
            Assert.That(cache.Misses, Is.EqualTo(3));
        }

        [Test]
        public void Cache_OverCapacity_EvictsLeastRecentlyUsed()
        {
            var cache = new PromptEmbeddingCache(capacity: 2);
            int calls = 0;
            EncodedPrompt Fake(SdxlPromptRequest r)
            {
                calls++;
                return new EncodedPrompt(new PromptEmbeddings(new float[77], new[] { 1, 77, 1 }, new float[1]), null, false);
            }
            cache.GetOrEncode("m", new SdxlPromptRequest("a"), Fake);
            cache.GetOrEncode("m", new SdxlPromptRequest("b"), Fake);
            cache.GetOrEncode("m", new SdxlPromptRequest("a"), Fake); // a is now most recent
            cache.GetOrEncode("m", new SdxlPromptRequest("c"), Fake); // evicts b
            Assert.That(cache.Count, Is.EqualTo(2));
            Assert.That(cache.TryGet("m", new SdxlPromptRequest("a")), Is.Not.Null);
            Assert.That(cache.TryGet("m", new SdxlPromptRequest("b")), Is.Null);
            Assert.That(calls, Is.EqualTo(3));
        }
    }
}
