using System.IO;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>Reading saved settings from files that are missing or damaged fails with one typed, named error.</summary>
    public sealed class MetadataInputTests
    {
        string _dir = "";

        [SetUp] public void MakeFolder() => _dir = TestData.NewTempFolder();
        [TearDown] public void DeleteFolder() => Directory.Delete(_dir, true);

        [Test]
        public void MissingPng_IsAnInstantIdExceptionNamingIt()
        {
            var path = Path.Combine(_dir, "gone.png");
            Assert.That(() => GenerationMetadata.ReadRequest(path), Throws.InstanceOf<InstantIdException>().With.Message.Contains("gone.png").And.Message.Contains("Check the path"));
        }

        [Test]
        public void TruncatedPng_IsAnInstantIdExceptionNamingIt()
        {
            var good = Path.Combine(_dir, "good.png");
            using (var image = new Image<Rgb24>(8, 8)) GenerationMetadata.SavePng(image, new GenerationRequest { Prompt = "x" }, good);
            var bytes = File.ReadAllBytes(good);
            var cut = Path.Combine(_dir, "cut.png");
            File.WriteAllBytes(cut, System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Take(bytes, 20)));
            Assert.That(() => GenerationMetadata.ReadRequest(cut), Throws.InstanceOf<InstantIdException>().With.Message.Contains("cut.png"));
        }
    }
}
