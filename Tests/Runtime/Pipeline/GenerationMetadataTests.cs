using System.IO;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Pipeline
{
    public sealed class GenerationMetadataTests
    {
        static GenerationRequest Sample() => new GenerationRequest
        {
            FacePhotoPaths = { "faces/ada.png" }, Prompt = "a knight,\nin armour", NegativePrompt = "blurry", Width = 832, Height = 1216,
            Steps = 28, Seed = 42, GuidanceScale = 4.5f, IpAdapterScale = 0.7f, IdentityNetScale = 0.6f, IdentityNetEnd = 0.5f,
            Scheduler = "dpmpp_2m_karras", PoseKeypoints = new[] { 1f, 2, 3, 4, 5, 6, 7, 8, 9, 10 },
            ExtraControls = { new ExtraControl { Name = "depth", ImagePath = "d.png", Scale = 0.3f } },
        };

        [Test]
        public void Parameters_FollowsTheA1111Layout()
        {
            var text = GenerationMetadata.Parameters(Sample());
            Assert.That(text, Is.EqualTo("a knight, in armour\nNegative prompt: blurry\n"
                                         + "Steps: 28, Sampler: dpmpp_2m_karras, CFG scale: 4.5, Seed: 42, Size: 832x1216, IP-Adapter scale: 0.7, "
                                         + "IdentityNet scale: 0.6, IdentityNet window: 0-0.5, Generator: InstantID Avatars"));
        }

        [Test]
        public void Png_CarriesBothChunks_AndTheRequestRoundTrips()
        {
            var dir = TestData.NewTempFolder();
            try
            {
                var path = Path.Combine(dir, "out.png");
                using (var image = new Image<Rgb24>(4, 4)) GenerationMetadata.SavePng(image, Sample(), path);
                Assert.That(GenerationMetadata.ReadText(path, "parameters"), Does.StartWith("a knight, in armour\nNegative prompt: blurry"));
                var back = GenerationMetadata.ReadRequest(path);
                Assert.That(GenerationMetadata.ToJson(back), Is.EqualTo(GenerationMetadata.ToJson(Sample())));
                Assert.That(back.PoseKeypoints, Is.EqualTo(Sample().PoseKeypoints));
                Assert.That(back.ExtraControls[0].Scale, Is.EqualTo(0.3f));
                Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1), "no temp file left");
            }
            finally { Directory.Delete(dir, true); }
        }

        [Test]
        public void PngWithoutSettings_SaysSo()
        {
            var dir = TestData.NewTempFolder();
            try
            {
                var path = Path.Combine(dir, "plain.png");
                using (var image = new Image<Rgb24>(2, 2)) image.SaveAsPng(path);
                Assert.That(() => GenerationMetadata.ReadRequest(path), Throws.InstanceOf<InstantIdException>().With.Message.Contains("has no InstantID settings"));
            }
            finally { Directory.Delete(dir, true); }
        }
    }
}
