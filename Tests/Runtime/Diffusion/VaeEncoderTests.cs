using InstantIdAvatars.Models;
using System;
using System.IO;
using InstantIdAvatars.Diffusion;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace InstantIdAvatars.Tests.Diffusion
{
    /// <summary>The VAE encoder of the tiny set against torch (make_tiny_model_set.py: vae_encoder_latent_sample.npy).</summary>
    public sealed class VaeEncoderTests
    {
        InferenceSession _session = null!;

        [OneTimeSetUp]
        public void Open() => _session = new InferenceSession(Path.Combine(TestData.TinyModelSet, "vae_encoder", "model.onnx"),
            new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL });

        [OneTimeTearDown]
        public void Close() => _session.Dispose();

        /// <summary>The reference input: astronaut.png rows 0..63, columns 160..255.</summary>
        static Image<Rgb24> Crop()
        {
            var image = Image.Load<Rgb24>(TestData.Path("Faces/astronaut.png"));
            image.Mutate(x => x.Crop(new Rectangle(160, 0, 96, 64)));
            return image;
        }

        [Test]
        public void Encode_MatchesTorchLatentMean_TimesScalingFactor()
        {
            var (expected, shape) = TestData.LoadNpy(TestData.Path("Reference/tiny_set/vae_encoder_latent_sample.npy"));
            Assert.That(shape, Is.EqualTo(new[] { 1, 4, 8, 12 }));
            using var crop = Crop();
            using var encoder = new VaeEncoder(_session);
            var unscaled = encoder.Encode(VaeEncoder.ToChw(crop), 1, 64, 96, 1f);
            float error = TestData.MaxAbsDiff(unscaled, expected);
            TestContext.WriteLine($"vae_encoder latent mean max abs error {error}");
            Assert.That(error, Is.LessThanOrEqualTo(1e-5f));

            // Same image through the image overload (no resize at the same size), × SDXL's factor.
            var scaled = encoder.Encode(crop, 96, 64, 0.13025f);
            for (int i = 0; i < scaled.Length; i++) Assert.That(scaled[i], Is.EqualTo(unscaled[i] * 0.13025f), $"value {i}");
        }

        [Test]
        public void ToChw_IsDiffusersPreprocess()
        {
            using var image = new Image<Rgb24>(2, 1);
            image[0, 0] = new Rgb24(0, 255, 128);
            image[1, 0] = new Rgb24(1, 254, 127);
            var chw = VaeEncoder.ToChw(image);
            // VaeImageProcessor: pixels / 255 (float32), then 2x − 1.
            Assert.That(chw, Is.EqualTo(new[]
            {
                -1f, 2f * (1 / 255f) - 1f,
                1f, 2f * (254 / 255f) - 1f,
                2f * (128 / 255f) - 1f, 2f * (127 / 255f) - 1f,
            }));
        }

        [Test]
        public void Encode_ResizesToTheOutputSize()
        {
            using var crop = Crop();
            using var encoder = new VaeEncoder(_session);
            var latents = encoder.Encode(crop, 64, 64, 0.13025f);
            Assert.That(latents, Has.Length.EqualTo(4 * 8 * 8));
        }

        [Test]
        public void Encode_SizeNotAMultipleOf8_SaysSo()
        {
            using var encoder = new VaeEncoder(_session);
            Assert.That(() => encoder.Encode(new float[3 * 60 * 64], 1, 60, 64, 0.13025f),
                Throws.ArgumentException.With.Message.Contains("multiples of 8"));
        }

        [Test]
        public void WrongModel_NamesTheMissingInput()
        {
            Assert.That(() => new VaeEncoder(StepFixture.Shared("vae_decoder")),
                Throws.InstanceOf<ModelBindingException>().With.Message.Contains("'sample'"));
        }
    }
}
