using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Pipeline
{
    /// <summary>Queueing, ordering, cancellation and disposal of the worker, with an engine that records calls.</summary>
    public sealed class InstantIdGeneratorTests
    {
        sealed class RecordingEngine : IGenerationEngine
        {
            public readonly ConcurrentQueue<string> Calls = new ConcurrentQueue<string>();
            public readonly ConcurrentBag<int> Threads = new ConcurrentBag<int>();
            public int Steps = 5;
            public TimeSpan StepTime = TimeSpan.FromMilliseconds(2);
            public ManualResetEventSlim? Gate;
            public volatile bool Disposed;
            public int Running;

            public GenerationResult Generate(GenerationRequest request, Action<GenerationProgress> report, CancellationToken ct)
            {
                if (Interlocked.Increment(ref Running) != 1) throw new InvalidOperationException("two requests ran at once");
                try
                {
                    Threads.Add(Environment.CurrentManagedThreadId);
                    Gate?.Wait(ct);
                    if (request.Prompt == "fail") throw new InstantIdException("engine failure");
                    for (int i = 1; i <= Steps; i++)
                    {
                        ct.ThrowIfCancellationRequested();
                        Thread.Sleep(StepTime);
                        report(new GenerationProgress(GenerationStage.Denoising, i, Steps));
                    }
                    Calls.Enqueue(request.Prompt);
                    var settings = request.Clone();
                    settings.Seed = request.Seed ?? 7;
                    return new GenerationResult(new Image<Rgb24>(8, 8), settings, new Dictionary<GenerationStage, TimeSpan>());
                }
                finally { Interlocked.Decrement(ref Running); }
            }

            public InstantIdAvatars.Faces.FaceAnalysis AnalyzeFaces(Image<Rgb24> image) => throw new NotSupportedException();

            public InstantIdAvatars.Profiles.IdentityProfile CreateProfile(IReadOnlyList<(string Label, Image<Rgb24> Image)> photos, string name) =>
                throw new NotSupportedException();

            public void Dispose() => Disposed = true;
        }

        sealed class ListProgress : IProgress<GenerationProgress>
        {
            public readonly ConcurrentQueue<GenerationProgress> Reports = new ConcurrentQueue<GenerationProgress>();
            public void Report(GenerationProgress value) => Reports.Enqueue(value);
        }

        static GenerationRequest Request(string prompt) => new GenerationRequest { Prompt = prompt, FacePhotoPaths = { "face.png" } };

        [Test]
        public async Task ManyRequests_FromSeveralThreads_RunOneAtATimeInOrderOfArrival()
        {
            var engine = new RecordingEngine { StepTime = TimeSpan.Zero };
            using var generator = new InstantIdGenerator(engine);
            var tasks = new List<Task<GenerationResult>>();
            for (int i = 0; i < 20; i++) tasks.Add(generator.GenerateAsync(Request("p" + i)));
            var concurrent = Enumerable.Range(0, 4).Select(t => Task.Run(() => generator.GenerateAsync(Request("t" + t)))).ToArray();
            var results = await Task.WhenAll(tasks);
            await Task.WhenAll(concurrent);
            Assert.That(results.Select(r => r.Settings.Prompt), Is.EqualTo(Enumerable.Range(0, 20).Select(i => "p" + i)));
            Assert.That(engine.Calls.Take(20), Is.EqualTo(Enumerable.Range(0, 20).Select(i => "p" + i)), "FIFO order");
            Assert.That(engine.Threads.Distinct().Count(), Is.EqualTo(1), "one worker thread");
            Assert.That(engine.Threads.First(), Is.Not.EqualTo(Environment.CurrentManagedThreadId));
        }

        [Test]
        public async Task Progress_ReportsQueuedThenEveryStep()
        {
            using var generator = new InstantIdGenerator(new RecordingEngine { Steps = 4 });
            var progress = new ListProgress();
            await generator.GenerateAsync(Request("a"), progress);
            var reports = progress.Reports.ToArray();
            Assert.That(reports[0].Stage, Is.EqualTo(GenerationStage.Queued));
            Assert.That(reports.Skip(1).Select(r => r.Step), Is.EqualTo(new[] { 1, 2, 3, 4 }));
            Assert.That(reports.Last().Fraction, Is.EqualTo(0.95f).Within(1e-6));
        }

        [Test]
        public void CancellingWhileRunning_EndsThatRequestCancelled_AndTheNextOneStillRuns()
        {
            var engine = new RecordingEngine { Steps = 1000, StepTime = TimeSpan.FromMilliseconds(1) };
            using var generator = new InstantIdGenerator(engine);
            using var cts = new CancellationTokenSource();
            var progress = new ListProgress();
            var first = generator.GenerateAsync(Request("long"), progress, cts.Token);
            SpinWait.SpinUntil(() => progress.Reports.Count > 3, 5000);
            cts.Cancel();
            Assert.That(async () => await first, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(progress.Reports.Count(r => r.Stage == GenerationStage.Denoising), Is.LessThan(1000));
            engine.Steps = 2;
            var second = generator.GenerateAsync(Request("next"));
            Assert.That(second.Wait(5000), Is.True);
            Assert.That(second.Result.Settings.Prompt, Is.EqualTo("next"));
        }

        [Test]
        public void CancellingWhileQueued_NeverReachesTheEngine()
        {
            var engine = new RecordingEngine { Gate = new ManualResetEventSlim(false) };
            using var generator = new InstantIdGenerator(engine);
            var blocker = generator.GenerateAsync(Request("blocker"));
            using var cts = new CancellationTokenSource();
            var queued = generator.GenerateAsync(Request("queued"), null, cts.Token);
            cts.Cancel();
            engine.Gate.Set();
            Assert.That(blocker.Wait(5000), Is.True);
            Assert.That(async () => await queued, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(engine.Calls, Is.EqualTo(new[] { "blocker" }));
        }

        [Test]
        public void AFailure_IsThatRequestsError_AndTheGeneratorStaysUsable()
        {
            using var generator = new InstantIdGenerator(new RecordingEngine());
            var failed = generator.GenerateAsync(Request("fail"));
            Assert.That(async () => await failed, Throws.InstanceOf<InstantIdException>().With.Message.EqualTo("engine failure"));
            Assert.That(generator.GenerateAsync(Request("ok")).Wait(5000), Is.True);
        }

        [Test]
        public void Dispose_WhileRunning_CancelsEverything_ReleasesTheEngine_AndIsSafeTwice()
        {
            var engine = new RecordingEngine { Steps = 100000, StepTime = TimeSpan.FromMilliseconds(1) };
            var generator = new InstantIdGenerator(engine);
            var progress = new ListProgress();
            var running = generator.GenerateAsync(Request("running"), progress);
            var queued = generator.GenerateAsync(Request("queued"));
            SpinWait.SpinUntil(() => progress.Reports.Count > 2, 5000);
            generator.Dispose();
            generator.Dispose();
            Assert.That(engine.Disposed, Is.True);
            Assert.That(async () => await running, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(async () => await queued, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(() => generator.GenerateAsync(Request("late")), Throws.InstanceOf<ObjectDisposedException>());
        }

        [Test]
        public void BadRequest_IsRejectedBeforeQueueing_WithEveryProblem()
        {
            using var generator = new InstantIdGenerator(new RecordingEngine());
            var bad = new GenerationRequest { Steps = 0, Width = 100, IdentityNetStart = 0.9f, IdentityNetEnd = 0.5f };
            var e = Assert.Throws<InvalidRequestException>(() => generator.GenerateAsync(bad))!;
            Assert.That(e.Problems, Has.Count.EqualTo(4));
            Assert.That(e.Message, Does.Contain("no identity").And.Contain("multiple of 8").And.Contain("Steps must be 1..1000").And.Contain("start < end"));
        }

        [Test]
        public async Task ChangingARequestAfterQueueing_DoesNotChangeTheJob()
        {
            var engine = new RecordingEngine { Gate = new ManualResetEventSlim(false) };
            using var generator = new InstantIdGenerator(engine);
            var request = Request("original");
            var task = generator.GenerateAsync(request);
            request.Prompt = "changed";
            engine.Gate.Set();
            Assert.That((await task).Settings.Prompt, Is.EqualTo("original"));
        }
    }
}
