using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Profiles;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Pipeline
{
    /// <summary>The whole pipeline through the generator on the bundled tiny model set.</summary>
    public sealed class EndToEndTests
    {
        static readonly string Face = TestData.AstronautPhoto;
        static GeneratorOptions Cpu(bool lowVram = false) => TestData.CpuOptions(lowVram);

        InstantIdGenerator _generator = null!;

        [OneTimeSetUp]
        public void Open() => _generator = new InstantIdGenerator(TestData.TinyModelSet, Cpu());

        [OneTimeTearDown]
        public void Close() => _generator.Dispose();

        static GenerationRequest Request(long seed = 42, int steps = 3) => new GenerationRequest
        {
            FacePhotoPaths = { Face }, Prompt = "portrait of an astronaut", NegativePrompt = "blurry", Steps = steps, Seed = seed,
        };

        static byte[] Pixels(Image<Rgb24> image)
        {
            var bytes = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(bytes);
            return bytes;
        }

        [Test]
        public async Task Generate_GivesTheSetsDefaultSize_AndReportsEverything()
        {
            var progress = new List<GenerationProgress>();
            using var result = await _generator.GenerateAsync(Request(), new SyncProgress(progress.Add));
            Assert.That((result.Image.Width, result.Image.Height), Is.EqualTo((64, 64)));
            Assert.That(result.Settings.Width, Is.EqualTo(64));
            Assert.That(result.Settings.Scheduler, Is.EqualTo("EulerDiscreteScheduler"));
            Assert.That(result.Settings.PoseKeypoints, Has.Length.EqualTo(10), "resolved pose recorded");
            Assert.That(result.Timings.Keys, Does.Contain(GenerationStage.FaceAnalysis).And.Contain(GenerationStage.Denoising).And.Contain(GenerationStage.Decoding));
            var steps = progress.Where(p => p.Stage == GenerationStage.Denoising).Select(p => p.Step).ToArray();
            Assert.That(steps, Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(progress.Select(p => p.Stage), Is.Ordered);
            Assert.That(Pixels(result.Image).Distinct().Count(), Is.GreaterThan(20), "not a blank image");
            Assert.That(result.StepTime, Is.GreaterThan(TimeSpan.Zero));
            Assert.That(result.HostTimePerStep, Is.GreaterThanOrEqualTo(TimeSpan.Zero).And.LessThan(result.StepTime), "host share is a part of the step");
        }

        [Test]
        public async Task SameSeed_SameImage_OtherSeed_OtherImage()
        {
            using var a = await _generator.GenerateAsync(Request(7));
            using var b = await _generator.GenerateAsync(Request(7));
            using var c = await _generator.GenerateAsync(Request(8));
            Assert.That(Pixels(a.Image), Is.EqualTo(Pixels(b.Image)));
            Assert.That(Pixels(a.Image), Is.Not.EqualTo(Pixels(c.Image)));
        }

        [Test]
        public async Task RandomSeed_IsReported_AndReproducesTheImage()
        {
            var request = Request();
            request.Seed = null;
            using var first = await _generator.GenerateAsync(request);
            Assert.That(first.Settings.Seed, Is.Not.Null);
            using var again = await _generator.GenerateAsync(first.Settings);
            Assert.That(Pixels(again.Image), Is.EqualTo(Pixels(first.Image)));
        }

        [Test]
        public async Task SettingsSavedInThePng_ReproduceTheImageByteForByte()
        {
            var dir = TestData.NewTempFolder();
            try
            {
                using var first = await _generator.GenerateAsync(Request(11));
                var path = Path.Combine(dir, "a.png");
                GenerationMetadata.SavePng(first.Image, first.Settings, path);
                using var again = await _generator.GenerateAsync(GenerationMetadata.ReadRequest(path));
                Assert.That(Pixels(again.Image), Is.EqualTo(Pixels(first.Image)));
            }
            finally { Directory.Delete(dir, true); }
        }

        [Test]
        public async Task Profile_GivesTheSameImageAsThePhoto()
        {
            using var photo = Image.Load<Rgb24>(Face);
            var profile = await _generator.CreateProfileAsync(new[] { ("astronaut.png", photo) }, "astronaut");
            Assert.That(profile.Embeddings, Has.Count.EqualTo(1));
            Assert.That(profile.Thumbnail, Is.Not.Empty);
            var fromProfile = Request();
            fromProfile.FacePhotoPaths.Clear();
            fromProfile.Profile = IdentityProfileFile.Deserialize(IdentityProfileFile.Serialize(profile));
            using var a = await _generator.GenerateAsync(Request());
            using var b = await _generator.GenerateAsync(fromProfile);
            Assert.That(Pixels(b.Image), Is.EqualTo(Pixels(a.Image)));
        }

        [Test]
        public async Task EveryKnob_ChangesTheImage()
        {
            using var baseline = await _generator.GenerateAsync(Request());
            var variants = new Dictionary<string, Action<GenerationRequest>>
            {
                ["prompt"] = r => r.Prompt = "a painting",
                ["ip scale"] = r => r.IpAdapterScale = 0.2f,
                ["IdentityNet scale"] = r => r.IdentityNetScale = 0.3f,
                ["IdentityNet window"] = r => r.IdentityNetEnd = 0.4f,
                ["guidance"] = r => r.GuidanceScale = 2f,
                ["pose"] = r => r.PoseKeypoints = new[] { 20f, 20, 40, 22, 30, 32, 22, 44, 38, 45 },
                ["scheduler"] = r => r.Scheduler = "dpmpp_2m",
            };
            foreach (var pair in variants)
            {
                var request = Request();
                pair.Value(request);
                using var changed = await _generator.GenerateAsync(request);
                Assert.That(Pixels(changed.Image), Is.Not.EqualTo(Pixels(baseline.Image)), pair.Key);
            }
        }

        [Test]
        public async Task GuidanceOne_RunsWithoutTheUnconditionalBranch()
        {
            var request = Request();
            request.GuidanceScale = 1f;
            using var result = await _generator.GenerateAsync(request);
            Assert.That(result.Image.Width, Is.EqualTo(64));
        }

        [Test]
        public async Task IgnoredNegatives_AreExplainedInTheNotes()
        {
            var onlySecond = Request();
            onlySecond.NegativePrompt = "";
            onlySecond.NegativePrompt2 = "blurry";
            using var a = await _generator.GenerateAsync(onlySecond);
            Assert.That(a.Notes, Has.Some.StartsWith("NegativePrompt2 was ignored"));
            var noGuidance = Request();
            noGuidance.GuidanceScale = 1f;
            using var b = await _generator.GenerateAsync(noGuidance);
            Assert.That(b.Notes, Has.Some.StartsWith("the negative prompt has no effect at guidance 1"));
            using var c = await _generator.GenerateAsync(Request());
            Assert.That(c.Notes, Has.None.Contains("negative").IgnoreCase);
        }

        [Test]
        public async Task LowVram_GivesIdenticalImages_AndKeepsNoSessions()
        {
            var engine = new OnnxGenerationEngine(TestData.TinyModelSet, Cpu(lowVram: true));
            using var lowVram = new InstantIdGenerator(engine);
            using var a = await lowVram.GenerateAsync(Request(5));
            using var b = await _generator.GenerateAsync(Request(5));
            Assert.That(Pixels(a.Image), Is.EqualTo(Pixels(b.Image)));
            Assert.That(engine.LoadedSessionCount, Is.EqualTo(0));
        }

        [Test]
        public void CancelMidDenoise_ThenTheGeneratorStillWorks()
        {
            using var cts = new CancellationTokenSource();
            var progress = new SyncProgress(p => { if (p.Stage == GenerationStage.Denoising && p.Step == 2) cts.Cancel(); });
            var task = _generator.GenerateAsync(Request(steps: 20), progress, cts.Token);
            Assert.That(async () => await task, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(_generator.GenerateAsync(Request()).Wait(60000), Is.True);
        }

        [Test]
        public void PhotoWithoutAFace_FailsClearly_AndTheGeneratorStillWorks()
        {
            var dir = TestData.NewTempFolder();
            try
            {
                var black = Path.Combine(dir, "black.png");
                using (var image = new Image<Rgb24>(200, 200)) image.SaveAsPng(black);
                var request = Request();
                request.FacePhotoPaths[0] = black;
                Assert.That(async () => await _generator.GenerateAsync(request), Throws.InstanceOf<NoFaceFoundException>());
                Assert.That(_generator.GenerateAsync(Request()).Wait(60000), Is.True);
            }
            finally { Directory.Delete(dir, true); }
        }

        [Test]
        public async Task AnalyzeFaces_FindsTheAstronaut()
        {
            using var photo = Image.Load<Rgb24>(Face);
            var analysis = await _generator.AnalyzeFacesAsync(photo);
            Assert.That(analysis.Faces, Has.Count.EqualTo(1));
            Assert.That(analysis.Largest.Embedding, Has.Length.EqualTo(512));
        }

        [Test]
        public void UnknownExtraControlNet_NamesWhatTheSetHas()
        {
            var request = Request();
            request.ExtraControls.Add(new ExtraControl { Name = "depth", ImagePath = Face });
            Assert.That(async () => await _generator.GenerateAsync(request),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("uses the ControlNet 'depth', but the model set has none"));
        }

        [Test]
        public async Task WarmUp_LoadsModelsWithoutGenerating()
        {
            using var generator = new InstantIdGenerator(TestData.TinyModelSet, Cpu());
            await generator.WarmUpAsync();
            using var result = await generator.GenerateAsync(Request());
            Assert.That(result.Image.Width, Is.EqualTo(64));
        }

        /// <summary>Reports on the calling (worker) thread, so tests see every report in order.</summary>
        sealed class SyncProgress : IProgress<GenerationProgress>
        {
            readonly Action<GenerationProgress> _action;
            public SyncProgress(Action<GenerationProgress> action) => _action = action;
            public void Report(GenerationProgress value) => _action(value);
        }
    }
}
