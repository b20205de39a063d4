using System;
using InstantIdAvatars.Diffusion;
using InstantIdAvatars.Identity;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Identity
{
    /// <summary>InstantID Resampler (tiny random weights, dim 64, output 128) against upstream ip_adapter/resampler.py.</summary>
    public sealed class IdentityTokenizerTests
    {
        const float Tolerance = 1e-4f;
        InferenceSession _session = null!;

        [OneTimeSetUp]
        public void Open() => _session = new InferenceSession(TestData.Path("Reference/models/resampler_tiny.onnx"));

        [OneTimeTearDown]
        public void Close() => _session.Dispose();

        static (float[] Data, int[] Shape) Load(string name) => TestData.LoadNpy(TestData.Path("Reference/resampler/" + name + ".npy"));

        [TestCase("b2_k1_cfg")]
        [TestCase("b1_k3_zero_row")]
        [TestCase("b1_k1")]
        public void Project_MatchesUpstreamResampler(string name)
        {
            var (input, inputShape) = Load(name + "_face_embeds");
            var (expected, expectedShape) = Load(name + "_image_prompt_embeds");
            using var tokenizer = new IdentityTokenizer(_session);
            var actual = tokenizer.Project(input, inputShape[0], inputShape[1], out int tokens, out int hidden);
            Assert.That(new[] { inputShape[0], tokens, hidden }, Is.EqualTo(expectedShape));
            Assert.That(TestData.MaxAbsDiff(actual, expected), Is.LessThanOrEqualTo(Tolerance));
        }

        [Test]
        public void Encode_BuildsCfgPairFromZeroEmbeddingLikeThePipeline()
        {
            var (input, _) = Load("b2_k1_cfg_face_embeds");
            var (expected, _) = Load("b2_k1_cfg_image_prompt_embeds");
            using var tokenizer = new IdentityTokenizer(_session);
            var tokens = tokenizer.Encode(input.AsSpan(512, 512));
            Assert.That(tokens.TokenCount, Is.EqualTo(16));
            Assert.That(tokens.HiddenSize, Is.EqualTo(128));
            Assert.That(TestData.MaxAbsDiff(tokens.Unconditional!, expected.AsSpan(0, 16 * 128)), Is.LessThanOrEqualTo(Tolerance));
            Assert.That(TestData.MaxAbsDiff(tokens.Conditional, expected.AsSpan(16 * 128)), Is.LessThanOrEqualTo(Tolerance));
        }

        [Test]
        public void Encode_WithoutGuidanceHasNoUnconditionalTokens()
        {
            var (input, _) = Load("b1_k1_face_embeds");
            var (expected, _) = Load("b1_k1_image_prompt_embeds");
            using var tokenizer = new IdentityTokenizer(_session);
            var tokens = tokenizer.Encode(input, classifierFreeGuidance: false);
            Assert.That(tokens.Unconditional, Is.Null);
            Assert.That(TestData.MaxAbsDiff(tokens.Conditional, expected), Is.LessThanOrEqualTo(Tolerance));
        }

        [Test]
        public void Encode_WithNegativeNoiseProjectsTheSeededNoise()
        {
            var (input, _) = Load("b1_k1_face_embeds");
            using var tokenizer = new IdentityTokenizer(_session);
            var tokens = tokenizer.Encode(input, negativeNoise: new TorchCpuGenerator(9));
            var noise = new TorchCpuGenerator(9).Randn(512);
            var expected = tokenizer.Project(noise, 1, 1, out _, out _);
            Assert.That(tokens.Unconditional, Is.EqualTo(expected).Within(Tolerance));
            var zeroTokens = tokenizer.Encode(input).Unconditional!;
            Assert.That(TestData.MaxAbsDiff(tokens.Unconditional!, zeroTokens), Is.GreaterThan(1e-2f));
        }

        [Test]
        public void Encode_RejectsEmbeddingOfWrongLength()
        {
            using var tokenizer = new IdentityTokenizer(_session);
            Assert.That(() => tokenizer.Encode(new float[500]), Throws.ArgumentException.With.Message.Contains("512"));
        }
            [Test]
        public void UseIdentity_FillsTheDenoiseRequest()
        {
            var (input, _) = Load("b1_k1_face_embeds");
            using var tokenizer = new IdentityTokenizer(_session);
            var tokens = tokenizer.Encode(input);
            var request = new DenoiseRequest();
            request.UseIdentity(tokens);
            Assert.That(request.IdentityTokens, Is.SameAs(tokens.Conditional));
            Assert.That(request.UnconditionalIdentityTokens, Is.SameAs(tokens.Unconditional));
            Assert.That(request.IdentityTokenCount, Is.EqualTo(16));
        }
    }
}
