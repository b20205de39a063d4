using System.IO;
using System.Linq;
using System.Threading.Tasks;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Authoring
{
    /// <summary>The samples' engine-agnostic paths run against the bundled tiny model set (what the Unity code calls).</summary>
    public sealed class SampleLogicTinySetTests
    {
        static readonly string Face = TestData.AstronautPhoto;
        InstantIdGenerator _generator = null!;
        string _output = null!;

        [OneTimeSetUp]
        public void Open()
        {
            _generator = new InstantIdGenerator(TestData.TinyModelSet,
                TestData.CpuOptions());
            _output = Path.Combine(Path.GetTempPath(), "instantid-sample-logic-" + System.Guid.NewGuid().ToString("N"));
        }

        [OneTimeTearDown]
        public void Close()
        {
            _generator.Dispose();
            if (Directory.Exists(_output)) Directory.Delete(_output, true);
        }

        [Test]
        public async Task FaceFeedback_OnTheAstronautPhoto_IsReady()
        {
            using var photo = Image.Load<Rgb24>(Face);
            var analysis = await _generator.AnalyzeFacesAsync(photo);
            var feedback = SampleFaceFeedback.Evaluate(analysis);
            Assert.That(feedback.Kind, Is.EqualTo(FaceFeedbackKind.Ready), feedback.Message);
            Assert.That(feedback.FaceFraction, Is.EqualTo(analysis.Largest.Box.ShorterSide / System.Math.Min(photo.Width, photo.Height)).Within(1e-6f));
        }

        [Test]
        public async Task FaceFeedback_OnABlankFrame_SaysLookAtTheCamera()
        {
            using var blank = new Image<Rgb24>(320, 240, new Rgb24(40, 40, 40));
            FaceFeedback feedback;
            try { feedback = SampleFaceFeedback.Evaluate(await _generator.AnalyzeFacesAsync(blank)); }
            catch (InstantIdException e) { feedback = SampleFaceFeedback.Evaluate(e); }
            Assert.That(feedback.Kind, Is.EqualTo(FaceFeedbackKind.NoFace));
            Assert.That(feedback.Message, Is.EqualTo(SampleFaceFeedback.NoFaceMessage));
        }

        [Test]
        public async Task NpcBatch_CsvEntries_GenerateAndSaveReproduciblePngs()
        {
            var fixtures = Path.GetDirectoryName(Path.GetDirectoryName(Face))!;
            var entries = NpcBatch.ParseCsv("name,prompt,photo,seed,preset\n" +
                                            "\"Ada, the smith\",\"a blacksmith, soot\",Faces/astronaut.png,42,\n" +
                                            "Bo,a pilot,Faces/astronaut.png,7,\n");
            Directory.CreateDirectory(_output);
            foreach (var entry in entries)
            {
                var request = NpcBatch.CreateRequest(entry, fixtures, r => r.Steps = 2);
                using var result = await _generator.GenerateAsync(request);
                GenerationMetadata.SavePng(result.Image, result.Settings, Path.Combine(_output, NpcBatch.FileNameFor(entry.Name)));
            }
            Assert.That(Directory.GetFiles(_output).Select(Path.GetFileName).OrderBy(n => n), Is.EqualTo(new[] { "Ada, the smith.png", "Bo.png" }));
            var saved = GenerationMetadata.ReadRequest(Path.Combine(_output, "Ada, the smith.png"));
            Assert.That((saved.Prompt, saved.Seed, saved.Steps, saved.FacePhotoPaths.Single()), Is.EqualTo(("a blacksmith, soot", (long?)42, 2, Face)));
            using var image = Image.Load<Rgb24>(Path.Combine(_output, "Bo.png"));
            Assert.That((image.Width, image.Height), Is.EqualTo((64, 64)), "the tiny set's default size");
        }
    }
}
