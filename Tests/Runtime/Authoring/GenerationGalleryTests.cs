using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Authoring
{
    /// <summary>Gallery bounds, file naming, and saving into Assets without ever overwriting.</summary>
    public sealed class GenerationGalleryTests
    {
        string _project = "";

        [SetUp]
        public void MakeProject() => _project = TestData.NewTempFolder();

        [TearDown]
        public void Delete() => Directory.Delete(_project, true);

        static readonly DateTime Time = new DateTime(2026, 12, 2, 15, 30, 0, DateTimeKind.Local);

        static GenerationResult Result(long seed, byte shade = 90)
        {
            var settings = new GenerationRequest { Prompt = "a knight", FacePhotoPaths = { "face.png" }, Seed = seed, Width = 16, Height = 8 };
            var timings = new Dictionary<GenerationStage, TimeSpan>
            {
                [GenerationStage.Denoising] = TimeSpan.FromMilliseconds(12400),
                [GenerationStage.FaceAnalysis] = TimeSpan.FromMilliseconds(210),
            };
            return new GenerationResult(new Image<Rgb24>(16, 8, new Rgb24(shade, 20, 30)), settings, timings);
        }

        [Test]
        public void FileName_IsDateTimeAndSeed_WithCounterForLaterAttempts()
        {
            Assert.That(GenerationGallery.FileNameFor(Time, 42), Is.EqualTo("2026-12-02_153000_seed42.png"));
            Assert.That(GenerationGallery.FileNameFor(Time, 42, 2), Is.EqualTo("2026-12-02_153000_seed42_2.png"));
            Assert.That(GenerationGallery.FileNameFor(new DateTime(2027, 1, 9, 7, 5, 3), 4294967295), Is.EqualTo("2027-01-09_070503_seed4294967295.png"));
        }

        [Test]
        public void SaveToAssets_WritesPngWithSettingsChunks_UnderTheDatedName()
        {
            using var gallery = new GenerationGallery();
            var entry = gallery.Add(Result(42), Time);
            var folder = Path.Combine(_project, "Assets", "InstantID");
            var path = gallery.SaveToAssets(entry, folder);
            Assert.That(path, Is.EqualTo(folder.Replace('\\', '/') + "/2026-12-02_153000_seed42.png"));
            Assert.That(entry.SavedPath, Is.EqualTo(path));
            var saved = GenerationMetadata.ReadRequest(path);
            Assert.That((saved.Seed, saved.Prompt, saved.Width), Is.EqualTo(((long?)42, "a knight", 16)));
            Assert.That(GenerationMetadata.ReadText(path, GenerationMetadata.ParametersKey), Does.Contain("Seed: 42"));
            using var image = Image.Load<Rgb24>(path);
            Assert.That(image[3, 3], Is.EqualTo(new Rgb24(90, 20, 30)));
            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EqualTo(new[] { "2026-12-02_153000_seed42.png" }), "no temp file left");
        }

        [Test]
        public void SaveToAssets_NeverOverwrites_TakesTheNextFreeName()
        {
            using var gallery = new GenerationGallery();
            var folder = Path.Combine(_project, "Assets", "InstantID");
            Directory.CreateDirectory(folder);
            var existing = Path.Combine(folder, "2026-12-02_153000_seed42.png");
            File.WriteAllText(existing, "someone else's file");
            File.WriteAllText(Path.Combine(folder, "2026-12-02_153000_seed42_2.png"), "and another");

            var first = gallery.Add(Result(42, 10), Time);
            var second = gallery.Add(Result(42, 200), Time);
            Assert.That(Path.GetFileName(gallery.SaveToAssets(first, folder)), Is.EqualTo("2026-12-02_153000_seed42_3.png"));
            Assert.That(Path.GetFileName(gallery.SaveToAssets(second, folder)), Is.EqualTo("2026-12-02_153000_seed42_4.png"));
            Assert.That(Path.GetFileName(gallery.SaveToAssets(first, folder)), Is.EqualTo("2026-12-02_153000_seed42_5.png"), "saving again makes a new file");
            Assert.That(File.ReadAllText(existing), Is.EqualTo("someone else's file"));
            using var image = Image.Load<Rgb24>(Path.Combine(folder, "2026-12-02_153000_seed42_4.png"));
            Assert.That(image[0, 0].R, Is.EqualTo(200));
            Assert.That(Directory.GetFiles(folder), Has.Length.EqualTo(5));
        }

        [Test]
        public void Gallery_IsBounded_DroppingAndReleasingTheOldest()
        {
            using var gallery = new GenerationGallery(2);
            var a = gallery.Add(Result(1), Time);
            var b = gallery.Add(Result(2), Time);
            var c = gallery.Add(Result(3), Time);
            Assert.That(gallery.Entries.Select(e => e.Seed), Is.EqualTo(new[] { 2L, 3L }));
            Assert.That(gallery.Entries.Select(e => e.Id), Is.EqualTo(new[] { 2, 3 }));
            Assert.Throws<ObjectDisposedException>(() => a.Image.Clone());
            Assert.Throws<InstantIdException>(() => gallery.SaveToAssets(a, _project), "a dropped entry cannot be saved");
            gallery.Capacity = 1;
            Assert.That(gallery.Entries, Is.EqualTo(new[] { c }));
            Assert.Throws<ObjectDisposedException>(() => b.Image.Clone());
            Assert.Throws<ArgumentOutOfRangeException>(() => gallery.Capacity = 0);
        }

        [Test]
        public void Entry_ShowsSettingsAndTimings()
        {
            using var gallery = new GenerationGallery();
            var entry = gallery.Add(Result(7), Time);
            Assert.That(entry.SettingsText, Does.StartWith("a knight\nNegative prompt: \nSteps: 30, Sampler: model default, CFG scale: 5, Seed: 7, Size: 16x8"));
            Assert.That(entry.TimingsText, Is.EqualTo("FaceAnalysis 0.21 s, Denoising 12.40 s; total 12.61 s"));
        }
    }
}
