using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Text;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>
    /// Hostile prompts end to end (tokenizer → A1111 weighting → both tiny text encoders): every case finishes in
    /// under a second with finite embeddings, or is refused with a typed error. The tokenizer's own hostile-input
    /// cases are in Tests/Runtime/Text.
    /// </summary>
    public sealed class PromptInputTests
    {
        InferenceSession _te1 = null!, _te2 = null!;
        SdxlTextEncoder _encoder = null!;

        static string Set(string relative) => Path.Combine(TestData.TinyModelSet, relative);

        [OneTimeSetUp]
        public void Load()
        {
            _te1 = new InferenceSession(Set("text_encoder/model.onnx"));
            _te2 = new InferenceSession(Set("text_encoder_2/model.onnx"));
            _encoder = new SdxlTextEncoder(_te1, _te2, ClipTokenizer.FromFolder(Set("tokenizer")),
                ClipTokenizer.FromFolder(Set("tokenizer_2"), ClipTokenizer.ExclamationPadToken));
            _encoder.Encode("warm up", "", PromptWeightingMode.A1111);
        }

        [OneTimeTearDown]
        public void Unload()
        {
            _encoder.Dispose();
            _te1.Dispose();
            _te2.Dispose();
        }

        static readonly string LongPrompt = string.Concat(Enumerable.Repeat("a photo of an astronaut, ", 400)); // 10 000 chars

        static readonly object[][] s_hostile =
        {
            new object[] { "empty", "" },
            new object[] { "10 000 characters", LongPrompt },
            new object[] { "control characters", "a\u0001b\u0007c\u001b[2Jd\u007f\u0085e\u009b" + new string('\b', 50) },
            new object[] { "lone and reversed surrogates", "x\uD800y\uDFFFz\uDC00\uD800 \uD83D" },
            new object[] { "NUL", "portrait\0 of\0\0 a \0woman" },
            new object[] { "RTL marks and overrides", "\u200Fportrait\u202E of a \u2067man\u2069\u200E" },
            new object[] { "emoji, ZWJ and skin tones", "👩🏽‍🚀 astronaut 🧑‍🤝‍🧑 🏳️‍🌈 " + string.Concat(Enumerable.Repeat("😀", 500)) },
            new object[] { "unbalanced brackets", "((((portrait of [[[a man)))) ]]]] (:)" },
            new object[] { "10 000 '('", new string('(', 10000) },
            new object[] { "10 000 '(' then text", new string('(', 10000) + "face" },
            new object[] { "5 000 nested pairs", new string('(', 5000) + "face" + new string(')', 5000) },
            new object[] { "5 000 nested squares", new string('[', 5000) + "face" + new string(']', 5000) },
            new object[] { "alternating open and text", string.Concat(Enumerable.Repeat("(x", 5000)) },
            new object[] { "weight 1e308", "(face:1e308)" },
            new object[] { "weight 1e308 written out", "(face:1" + new string('0', 308) + ")" },
            new object[] { "weight nan", "(face:nan)" },
            new object[] { "weight -5", "(face:-5)" },
            new object[] { "weight 0 under overflow", new string('(', 800) + "(face:0)" + new string(')', 800) },
            new object[] { "BREAK storm", string.Concat(Enumerable.Repeat("BREAK ", 300)) },
        };

        // Only the case name goes into the test name (some prompts are 10 000 characters long).
        public static System.Collections.Generic.IEnumerable<TestCaseData> Hostile() =>
            s_hostile.Select(c => new TestCaseData((string)c[0]).SetName("HostilePrompt_EncodesInUnderASecond_WithFiniteEmbeddings_OrIsRefusedAsTooLong(" + c[0] + ")"));

        [TestCaseSource(nameof(Hostile))]
        public void HostilePrompt_EncodesInUnderASecond_WithFiniteEmbeddings_OrIsRefusedAsTooLong(string name)
        {
            var prompt = (string)s_hostile.Single(c => (string)c[0] == name)[1];
            foreach (var mode in new[] { PromptWeightingMode.None, PromptWeightingMode.A1111 })
            {
                // Best of two runs: the 2-core CI box is shared, and a hang or a quadratic blow-up fails both.
                long best = long.MaxValue;
                EncodedPrompt? encoded = null;
                PromptTooLongException? refused = null;
                for (int attempt = 0; attempt < 2 && best >= 1000; attempt++)
                {
                    var clock = Stopwatch.StartNew();
                    try { encoded = _encoder.Encode(new SdxlPromptRequest(prompt, null, prompt, null, mode)); }
                    catch (PromptTooLongException e) { refused = e; }
                    best = Math.Min(best, clock.ElapsedMilliseconds);
                }
                Assert.That(best, Is.LessThan(1000), $"{name} ({mode}) took {best} ms");
                if (refused != null)
                {
                    // the other allowed outcome: refused with the numbers
                    Assert.That(refused.Chunks, Is.GreaterThan(SdxlTextEncoder.MaxChunks));
                    Assert.That(refused.Message, Does.Contain($"at most {SdxlTextEncoder.MaxChunks}"));
                    TestContext.WriteLine($"{name} ({mode}): refused, {refused.Chunks} chunks, {best} ms");
                    continue;
                }
                TestContext.WriteLine($"{name} ({mode}): {encoded!.Conditional.SequenceLength / 77} chunk(s), {best} ms");
                foreach (var side in new[] { encoded.Conditional, encoded.Unconditional! })
                {
                    Assert.That(side.Embeds.All(float.IsFinite), Is.True, $"{name} ({mode}): embeddings must be finite");
                    Assert.That(side.Pooled.All(float.IsFinite), Is.True, $"{name} ({mode}): pooled must be finite");
                    Assert.That(side.SequenceLength % 77, Is.EqualTo(0));
                }
            }
        }

        [Test]
        public void TenThousandCharacters_Encode_ButThreeHundredBreaks_AreRefusedAsTooLong()
        {
            Assert.That(_encoder.Encode(LongPrompt, null, PromptWeightingMode.A1111).Conditional.SequenceLength, Is.EqualTo(34 * 77));
            var e = Assert.Throws<PromptTooLongException>(() =>
                _encoder.Encode(string.Concat(Enumerable.Repeat("BREAK ", 300)), null, PromptWeightingMode.A1111))!;
            Assert.That(e.Chunks, Is.EqualTo(300));
            Assert.That(e.Message, Does.Contain("300 chunks").And.Contain("fewer BREAKs"));
            Assert.That(e, Is.InstanceOf<InstantIdException>());
        }

        [Test]
        public void OverflowingWeights_AreClampedToMaxWeight()
        {
            var tokenizer = _encoder.Tokenizer;
            float Weight(string prompt) => PromptWeighting.Tokenize(tokenizer, prompt, PromptWeightingMode.A1111).Chunks[0].Weights[0];
            Assert.That(Weight("(face:1e308)"), Is.EqualTo(1.1f).Within(1e-6), "'1e308' is not A1111 weight syntax: text in a (…) group");
            Assert.That(Weight("(face:1" + new string('0', 308) + ")"), Is.EqualTo((float)PromptWeighting.MaxWeight));
            Assert.That(Weight(new string('(', 5000) + "face" + new string(')', 5000)), Is.EqualTo((float)PromptWeighting.MaxWeight));
            Assert.That(Weight("(face:-1" + new string('0', 60) + ")"), Is.EqualTo((float)-PromptWeighting.MaxWeight));
            Assert.That(Weight("(face:-5)"), Is.EqualTo(-5f), "negative weights within range are kept, as A1111");
            Assert.That(Weight(new string('[', 5000) + "face" + new string(']', 5000)), Is.EqualTo(0f), "underflow to 0 is harmless");
            Assert.That(Weight("(face:2.5)"), Is.EqualTo(2.5f), "ordinary weights are untouched");
        }

        [Test]
        public void MillionCharacterPrompt_IsRefusedByTheRequest_BeforeAnyEncoding()
        {
            var request = new GenerationRequest { Prompt = new string('a', 1_000_000), FacePhotoPaths = { "face.png" } };
            var e = Assert.Throws<InvalidRequestException>(() => request.Validate())!;
            Assert.That(e.Message, Does.Contain("Prompt is 1000000 characters"));
            request.Prompt = LongPrompt;
            request.NegativePrompt = new string('b', GenerationRequest.MaxPromptLength + 1);
            Assert.That(() => request.Validate(), Throws.TypeOf<InvalidRequestException>().With.Message.Contains("NegativePrompt"));
            request.NegativePrompt = LongPrompt;
            Assert.That(() => request.Validate(), Throws.Nothing, "10 000 characters are fine");
        }

        [Test]
        public void RandomUnicode_NeverThrowsOrHangs()
        {
            var random = new Random(77);
            var slowest = 0L;
            for (int n = 0; n < 40; n++)
            {
                var sb = new StringBuilder();
                int length = random.Next(0, 400);
                for (int i = 0; i < length; i++)
                    sb.Append(random.Next(6) == 0 ? "()[]:\\"[random.Next(6)] : (char)random.Next(0, 0x10000));
                var clock = Stopwatch.StartNew();
                var encoded = _encoder.Encode(sb.ToString(), sb.ToString(), PromptWeightingMode.A1111);
                slowest = Math.Max(slowest, clock.ElapsedMilliseconds);
                Assert.That(encoded.Conditional.Embeds.All(float.IsFinite), Is.True, "case " + n);
            }
            Assert.That(slowest, Is.LessThan(1000));
        }
    }
}
