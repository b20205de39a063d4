using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Pipeline
{
    /// <summary>img2img, face-region refinement and several identities through the generator on the tiny set.</summary>
    public sealed class Img2ImgAndRegionsTests
    {
        static readonly string Face = TestData.AstronautPhoto;
        static GeneratorOptions Cpu() => TestData.CpuOptions();

        InstantIdGenerator _generator = null!;

        [OneTimeSetUp]
        public void Open() => _generator = new InstantIdGenerator(TestData.TinyModelSet, Cpu());

        [OneTimeTearDown]
        public void Close() => _generator.Dispose();

        static GenerationRequest Request(int steps = 3) => new GenerationRequest
        {
            FacePhotoPaths = { Face }, Prompt = "portrait of an astronaut", NegativePrompt = "blurry", Steps = steps, Seed = 42,
        };

        static GenerationRequest Img2Img(double? strength, int steps = 3)
        {
            var r = Request(steps);
            r.InitImagePath = Face;
            r.Strength = strength;
            return r;
        }

        static byte[] Pixels(Image<Rgb24> image)
        {
            var bytes = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(bytes);
            return bytes;
        }

        sealed class SyncProgress : IProgress<GenerationProgress>
        {
            readonly Action<GenerationProgress> _action;
            public SyncProgress(Action<GenerationProgress> action) => _action = action;
            public void Report(GenerationProgress value) => _action(value);
        }

        [Test]
        public async Task Img2Img_Strength03_RunsAndReportsThreeOfTenSteps()
        {
            var progress = new List<GenerationProgress>();
            using var result = await _generator.GenerateAsync(Img2Img(0.3, steps: 10), new SyncProgress(progress.Add));
            var denoising = progress.Where(p => p.Stage == GenerationStage.Denoising).ToList();
            Assert.That(denoising.Select(p => p.Step), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(denoising.Select(p => p.TotalSteps), Has.All.EqualTo(3));
            Assert.That(result.Image.Width, Is.EqualTo(64));
        }

        [Test]
        public async Task Img2Img_DefaultStrengthIsRecorded_ReproducesAndDiffersFromTextToImage()
        {
            using var a = await _generator.GenerateAsync(Img2Img(null));
            Assert.That(a.Settings.Strength, Is.EqualTo(0.8));
            using var b = await _generator.GenerateAsync(a.Settings);
            using var txt = await _generator.GenerateAsync(Request());
            Assert.That(Pixels(b.Image), Is.EqualTo(Pixels(a.Image)));
            Assert.That(Pixels(a.Image), Is.Not.EqualTo(Pixels(txt.Image)));
        }

        [Test]
        public async Task Img2Img_Strength1_IsNotTextToImage_AndTheStartImageMatters()
        {
            // diffusers' img2img noises the start image to the first timestep even at strength 1 (see the denoiser test).
            using var txt = await _generator.GenerateAsync(Request());
            using var full = await _generator.GenerateAsync(Img2Img(1.0));
            var black = Img2Img(1.0);
            black.InitImagePath = null;
            black.InitImage = new Image<Rgb24>(64, 64);
            using var fromBlack = await _generator.GenerateAsync(black);
            black.InitImage.Dispose();
            Assert.That(Pixels(full.Image), Is.Not.EqualTo(Pixels(txt.Image)));
            Assert.That(Pixels(full.Image), Is.Not.EqualTo(Pixels(fromBlack.Image)));
        }

        [Test]
        public void Img2Img_SetWithoutVaeEncoder_SaysWhatIsMissing()
        {
            var dir = TestData.NewTempFolder();
            try
            {
                foreach (var file in Directory.GetFiles(TestData.TinyModelSet, "*", SearchOption.AllDirectories))
                {
                    var relative = Path.GetRelativePath(TestData.TinyModelSet, file);
                    if (relative.StartsWith("vae_encoder") || relative.EndsWith(".meta")) continue;
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, relative))!);
                    File.Copy(file, Path.Combine(dir, relative));
                }
                using var generator = new InstantIdGenerator(dir, Cpu());
                Assert.That(async () => await generator.GenerateAsync(Img2Img(0.5)),
                    Throws.InstanceOf<ModelSetException>().With.Message.Contains("img2img (InitImagePath/InitImage) needs the VAE encoder 'vae_encoder/model.onnx'"));
                Assert.That(generator.GenerateAsync(Request()).Wait(60000), Is.True, "text-to-image still works without it");
            }
            finally { Directory.Delete(dir, true); }
        }

        [TestCase(0.0, "Strength must be in (0, 1]")]
        [TestCase(1.5, "Strength must be in (0, 1]")]
        public void Validate_BadStrength(double strength, string message)
        {
            Assert.That(() => Img2Img(strength).Validate(), Throws.InstanceOf<InvalidRequestException>().With.Message.Contains(message));
        }

        [Test]
        public void Validate_StrengthWithoutStartImage()
        {
            var r = Request();
            r.Strength = 0.5;
            Assert.That(() => r.Validate(), Throws.InstanceOf<InvalidRequestException>().With.Message.Contains("there is no start image"));
        }

        [Test]
        public async Task FaceRegionMask_IsDeterministic_AndChangesTheImage()
        {
            var masked = Request();
            masked.FaceRegionMask = true;
            using var a = await _generator.GenerateAsync(masked);
            using var b = await _generator.GenerateAsync(masked);
            using var plain = await _generator.GenerateAsync(Request());
            var hard = Request();
            hard.FaceRegionMask = true;
            hard.FaceRegionFeather = 0f;
            using var c = await _generator.GenerateAsync(hard);
            Assert.That(Pixels(b.Image), Is.EqualTo(Pixels(a.Image)));
            Assert.That(Pixels(a.Image), Is.Not.EqualTo(Pixels(plain.Image)));
            Assert.That(Pixels(c.Image), Is.Not.EqualTo(Pixels(plain.Image)));
        }

        static IdentityRegionRequest Region(int x, int y, int w, int h) =>
            new IdentityRegionRequest { FacePhotoPath = Face, X = x, Y = y, Width = w, Height = h };

        static GenerationRequest WithRegions(params IdentityRegionRequest[] regions)
        {
            var r = Request();
            r.FacePhotoPaths.Clear();
            r.Regions.AddRange(regions);
            return r;
        }

        [Test]
        public async Task Regions_OneRegionCoveringTheImage_EqualsThePlainGeneration()
        {
            using var plain = await _generator.GenerateAsync(Request());
            using var region = await _generator.GenerateAsync(WithRegions(Region(0, 0, 64, 64)));
            Assert.That(Pixels(region.Image), Is.EqualTo(Pixels(plain.Image)));
        }

        [Test]
        public async Task Regions_TwoFaces_RecordTheirPoses_AndReproduce()
        {
            using var a = await _generator.GenerateAsync(WithRegions(Region(0, 0, 32, 64), Region(32, 0, 32, 64)));
            Assert.That(a.Settings.Regions.Select(r => r.PoseKeypoints!.Length), Is.EqualTo(new[] { 10, 10 }));
            Assert.That(a.Settings.Regions[1].PoseKeypoints![0], Is.GreaterThanOrEqualTo(32f), "second face placed in its region");
            using var again = await _generator.GenerateAsync(a.Settings);
            using var plain = await _generator.GenerateAsync(Request());
            Assert.That(Pixels(again.Image), Is.EqualTo(Pixels(a.Image)));
            Assert.That(Pixels(a.Image), Is.Not.EqualTo(Pixels(plain.Image)));
        }

        [Test]
        public void Validate_RegionsWithATopLevelIdentity_OrOutsideTheImage()
        {
            var both = WithRegions(Region(0, 0, 32, 32));
            both.FacePhotoPaths.Add(Face);
            Assert.That(() => both.Validate(), Throws.InstanceOf<InvalidRequestException>().With.Message.Contains("give each identity in its region"));
            var outside = WithRegions(Region(40, 0, 32, 32));
            outside.Width = 64;
            outside.Height = 64;
            Assert.That(() => outside.Validate(), Throws.InstanceOf<InvalidRequestException>().With.Message.Contains("must lie inside the 64×64 output"));
        }
    }
}
