using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Threading;
using System.Threading.Tasks;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Pose;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Authoring
{
    /// <summary>Turntable batches on the real generator with an engine that paints solid images.</summary>
    public sealed class TurntableBatchTests
    {
        /// <summary>Returns a solid image of the request's size; shade = 40 · call number.</summary>
        sealed class SolidEngine : IGenerationEngine
        {
            public readonly ConcurrentQueue<GenerationRequest> Requests = new ConcurrentQueue<GenerationRequest>();
            public Action<int>? OnCall;
            int _calls;

            public GenerationResult Generate(GenerationRequest request, Action<GenerationProgress> report, CancellationToken ct)
            {
                int call = Interlocked.Increment(ref _calls);
                Requests.Enqueue(request);
                OnCall?.Invoke(call);
                for (int step = 1; step <= 3; step++)
                {
                    ct.ThrowIfCancellationRequested();
                    report(new GenerationProgress(GenerationStage.Denoising, step, 3));
                }
                var settings = request.Clone();
                return new GenerationResult(new Image<Rgb24>(request.Width, request.Height, new Rgb24((byte)(40 * call), 100, 200)), settings,
                    new Dictionary<GenerationStage, TimeSpan>());
            }

            public InstantIdAvatars.Faces.FaceAnalysis AnalyzeFaces(Image<Rgb24> image) => throw new NotSupportedException();
            public InstantIdAvatars.Profiles.IdentityProfile CreateProfile(IReadOnlyList<(string Label, Image<Rgb24> Image)> photos, string name) => throw new NotSupportedException();
            public void Dispose() { }
        }

        sealed class ListProgress : IProgress<TurntableBatchProgress>
        {
            public readonly ConcurrentQueue<TurntableBatchProgress> Reports = new ConcurrentQueue<TurntableBatchProgress>();
            public void Report(TurntableBatchProgress value) => Reports.Enqueue(value);
        }

        string _parent = "";

        [SetUp]
        public void MakeFolder() => _parent = TestData.NewTempFolder();

        [TearDown]
        public void Delete() => Directory.Delete(_parent, true);

        // Four views around a head facing +Z (yaw 0, 90, 180, 270): the 180° view sees the back of the head.
        static TurntablePlan Plan(int size = 64) => TurntablePlan.Create(
            HeadAnchors.FromHeadBone(new Vector3(0f, 1.6f, 0f), Quaternion.Identity),
            PoseCamera.Perspective(new Vector3(0f, 1.63f, 0.6f), PoseRotation.Euler(0f, 180f, 0f), 30f),
            new TurntableSettings { ViewCount = 4, SweepDegrees = 360f, OutputWidth = size, OutputHeight = size });

        static GenerationRequest Template(long? seed = 42) =>
            new GenerationRequest { Prompt = "a knight", FacePhotoPaths = { "face.png" }, Seed = seed, Steps = 3, PosePhotoPath = "ignored.png" };

        [Test]
        public async Task Run_WritesEveryUsableView_AndAContactSheet_AndListsSkippedViews()
        {
            var plan = Plan();
            var engine = new SolidEngine();
            using var generator = new InstantIdGenerator(engine);
            var batch = new TurntableBatch(plan, Template());
            Assert.That(batch.Skipped.Select(s => s.View.Index), Is.EqualTo(new[] { 2 }));
            Assert.That(batch.Skipped[0].Reason, Does.Contain("back of the head"));

            var folder = Path.Combine(_parent, "turntable");
            var progress = new ListProgress();
            var result = await batch.RunAsync(generator, folder, progress);

            var expectedNames = new[] { plan.Views[0].FileName, plan.Views[1].FileName, plan.Views[3].FileName };
            Assert.That(expectedNames, Is.EqualTo(new[] { "view_00_yaw+000_pitch+00.png", "view_01_yaw+090_pitch+00.png", "view_03_yaw-090_pitch+00.png" }));
            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName).OrderBy(n => n),
                Is.EqualTo(expectedNames.Concat(new[] { TurntableBatch.ContactSheetFileName }).OrderBy(n => n)));
            Assert.That(result.ImagePaths.Select(Path.GetFileName), Is.EqualTo(expectedNames));
            Assert.That(result.Skipped, Has.Count.EqualTo(1));
            Assert.That(Directory.GetFileSystemEntries(_parent), Is.EqualTo(new[] { folder }), "no staging folder left");

            // one request per usable view, same identity and seed, each posed by its view's keypoints
            var requests = engine.Requests.ToArray();
            Assert.That(requests, Has.Length.EqualTo(3));
            Assert.That(requests.Select(r => r.Seed).Distinct(), Is.EqualTo(new long?[] { 42 }));
            Assert.That(requests.All(r => r.FacePhotoPaths.SequenceEqual(new[] { "face.png" }) && r.PosePhotoPath == null && r.Width == 64), Is.True);
            Assert.That(requests[1].PoseKeypoints, Is.EqualTo(PoseCaptureSession.Flatten(plan.Views[1].Projection.Keypoints)));

            // the PNGs carry their settings
            var saved = GenerationMetadata.ReadRequest(Path.Combine(folder, plan.Views[3].FileName));
            Assert.That(saved.PoseKeypoints, Is.EqualTo(requests[2].PoseKeypoints));

            // sheet: 4 columns × 1 row of 64 px cells with 8 px padding; the skipped cell stays black
            using var sheet = Image.Load<Rgb24>(result.ContactSheetPath);
            Assert.That((sheet.Width, sheet.Height), Is.EqualTo((4 * 64 + 5 * 8, 64 + 2 * 8)));
            Assert.That(sheet[8 + 32, 40], Is.EqualTo(new Rgb24(40, 100, 200)));
            Assert.That(sheet[8 + 72 + 32, 40], Is.EqualTo(new Rgb24(80, 100, 200)));
            Assert.That(sheet[8 + 144 + 32, 40], Is.EqualTo(new Rgb24(0, 0, 0)), "skipped view");
            Assert.That(sheet[8 + 216 + 32, 40], Is.EqualTo(new Rgb24(120, 100, 200)));

            var reports = progress.Reports.ToArray();
            Assert.That(reports.Select(r => r.View).Distinct(), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(reports.All(r => r.ViewCount == 3), Is.True);
            Assert.That(reports.Last().Fraction, Is.EqualTo(1f).Within(1e-6f));
            Assert.That(reports.Select(r => r.Fraction), Is.Ordered);
        }

        [Test]
        public async Task Cancelling_DuringTheSecondView_LeavesNoFiles()
        {
            var engine = new SolidEngine();
            using var cts = new CancellationTokenSource();
            engine.OnCall = call => { if (call == 2) cts.Cancel(); };
            using var generator = new InstantIdGenerator(engine);
            var batch = new TurntableBatch(Plan(), Template());
            var folder = Path.Combine(_parent, "turntable");
            Exception? caught = null;
            try { await batch.RunAsync(generator, folder, null, cts.Token); }
            catch (Exception e) { caught = e; }
            Assert.That(caught, Is.InstanceOf<OperationCanceledException>());
            Assert.That(engine.Requests, Has.Count.EqualTo(2));
            Assert.That(Directory.GetFileSystemEntries(_parent), Is.Empty, "neither the output folder nor the staging folder remains");
        }

        [Test]
        public void ExistingFileWithABatchName_IsRefused_BeforeGenerating()
        {
            var engine = new SolidEngine();
            using var generator = new InstantIdGenerator(engine);
            var batch = new TurntableBatch(Plan(), Template());
            var folder = Path.Combine(_parent, "turntable");
            Directory.CreateDirectory(folder);
            var mine = Path.Combine(folder, TurntableBatch.ContactSheetFileName);
            File.WriteAllText(mine, "keep me");
            var e = Assert.ThrowsAsync<InstantIdException>(() => batch.RunAsync(generator, folder))!;
            Assert.That(e.Message, Does.Contain("contact_sheet.png").And.Contain("SuggestFolder"));
            Assert.That(engine.Requests, Is.Empty);
            Assert.That(File.ReadAllText(mine), Is.EqualTo("keep me"));
        }

        [Test]
        public async Task ExistingFolder_WithOtherFiles_GetsTheViewsBesideThem()
        {
            using var generator = new InstantIdGenerator(new SolidEngine());
            var batch = new TurntableBatch(Plan(), Template());
            var folder = Path.Combine(_parent, "turntable");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "notes.txt"), "x");
            await batch.RunAsync(generator, folder);
            Assert.That(Directory.GetFiles(folder), Has.Length.EqualTo(5));
            Assert.That(Directory.GetFileSystemEntries(_parent), Has.Length.EqualTo(1));
        }

        [Test]
        public void TemplateWithoutSeed_GetsOneSeedForAllViews()
        {
            var batch = new TurntableBatch(Plan(), Template(null));
            var seeds = batch.Views.Select(v => batch.RequestFor(v).Seed).Distinct().ToArray();
            Assert.That(seeds, Is.EqualTo(new long?[] { batch.Seed }));
        }

        [Test]
        public void SheetCells_AreShrunkToTheMaxSide()
        {
            var batch = new TurntableBatch(Plan(128), Template()) { SheetCellMaxSide = 32 };
            var layout = batch.SheetLayout();
            Assert.That((layout.CellWidth, layout.CellHeight, layout.SheetWidth, layout.SheetHeight), Is.EqualTo((32, 32, 4 * 32 + 5 * 8, 32 + 16)));
        }

        [Test]
        public void UngeneratableSize_OrNoUsableView_IsRefused()
        {
            Assert.That(Assert.Throws<InstantIdException>(() => new TurntableBatch(Plan(60), Template()))!.Message, Does.Contain("60×60"));
            var backOnly = TurntablePlan.Create(
                HeadAnchors.FromHeadBone(new Vector3(0f, 1.6f, 0f), Quaternion.Identity),
                PoseCamera.Perspective(new Vector3(0f, 1.63f, -0.6f), Quaternion.Identity, 30f),
                new TurntableSettings { ViewCount = 1, OutputWidth = 64, OutputHeight = 64 });
            Assert.That(Assert.Throws<InstantIdException>(() => new TurntableBatch(backOnly, Template()))!.Message, Does.Contain("No view"));
        }

        [Test]
        public void SuggestFolder_IsDatedAndUnique()
        {
            var time = new DateTime(2026, 12, 2, 15, 30, 0);
            var first = TurntableBatch.SuggestFolder(_parent, 42, time);
            Assert.That(Path.GetFileName(first), Is.EqualTo("turntable_2026-12-02_153000_seed42"));
            Directory.CreateDirectory(first);
            Assert.That(Path.GetFileName(TurntableBatch.SuggestFolder(_parent, 42, time)), Is.EqualTo("turntable_2026-12-02_153000_seed42_2"));
        }
    }
}
