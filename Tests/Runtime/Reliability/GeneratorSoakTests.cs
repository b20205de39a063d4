using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
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

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>
    /// The generator's worker under failures, long runs, concurrency and disposal, with a scripted engine (the real
    /// ONNX engine plugs into the same <see cref="IGenerationEngine"/> seam). Queueing/ordering basics are in
    /// Tests/Runtime/Pipeline/InstantIdGeneratorTests.
    /// </summary>
    public sealed class GeneratorSoakTests
    {
        /// <summary>Runs <see cref="Steps"/> steps; a prompt "throw:N" makes the N-th call throw what <see cref="Failure"/> makes.</summary>
        sealed class ScriptedEngine : IGenerationEngine
        {
            public int Steps = 3;
            public TimeSpan StepTime = TimeSpan.Zero;
            public Func<int, Exception?> Failure = _ => null;
            public int Calls;
            public int Running;
            public volatile bool Disposed;
            public volatile bool UsedAfterDispose;

            public GenerationResult Generate(GenerationRequest request, Action<GenerationProgress> report, CancellationToken ct)
            {
                if (Disposed) UsedAfterDispose = true;
                int call = Interlocked.Increment(ref Calls);
                if (Interlocked.Increment(ref Running) != 1) throw new InvalidOperationException("two requests ran at once");
                try
                {
                    var failure = Failure(call);
                    if (failure != null) throw failure;
                    for (int i = 1; i <= Steps; i++)
                    {
                        ct.ThrowIfCancellationRequested();
                        if (StepTime > TimeSpan.Zero) Thread.Sleep(StepTime);
                        report(new GenerationProgress(GenerationStage.Denoising, i, Steps));
                        if (Disposed) UsedAfterDispose = true;
                    }
                    var settings = request.Clone();
                    settings.Seed = request.Seed ?? call;
                    return new GenerationResult(new Image<Rgb24>(8, 8), settings, new Dictionary<GenerationStage, TimeSpan>());
                }
                finally { Interlocked.Decrement(ref Running); }
            }

            public FaceAnalysis AnalyzeFaces(Image<Rgb24> image) => throw new NotSupportedException("not scripted");

            public IdentityProfile CreateProfile(IReadOnlyList<(string Label, Image<Rgb24> Image)> photos, string name) =>
                throw new NotSupportedException("not scripted");

            public void Dispose() => Disposed = true;
        }

        sealed class CallbackProgress : IProgress<GenerationProgress>
        {
            readonly Action<GenerationProgress> _action;
            public CallbackProgress(Action<GenerationProgress> action) => _action = action;
            public void Report(GenerationProgress value) => _action(value);
        }

        static GenerationRequest Request(string prompt = "p") => new GenerationRequest { Prompt = prompt, FacePhotoPaths = { "face.png" } };

        static string Outcome(Task<GenerationResult> task)
        {
            try
            {
                if (!task.Wait(TimeSpan.FromSeconds(30))) return "hung";
                task.Result.Dispose();
                return "done";
            }
            catch (AggregateException e) when (e.InnerException is OperationCanceledException) { return "cancelled"; }
            catch (AggregateException e) when (e.InnerException is InstantIdException) { return "failed"; }
            catch (AggregateException e) { return "untyped " + e.InnerException!.GetType().Name; }
        }

        // ---- a failed request leaves the generator usable -----------------------------------------------------

        [Test]
        public void ModelSetOrGpuOutOfMemoryFailure_IsThatRequestsTypedError_AndTheNextRequestRuns()
        {
            var engine = new ScriptedEngine
            {
                Failure = call => call switch
                {
                    1 => new ModelSetException("/sets/broken", new[] { "unet/model.onnx is missing" }),
                    2 => new GpuOutOfMemoryException("running unet/model.onnx", new Exception("CUDA failure 2: out of memory")),
                    _ => null,
                },
            };
            using var generator = new InstantIdGenerator(engine);
            var first = generator.GenerateAsync(Request());
            var second = generator.GenerateAsync(Request());
            var third = generator.GenerateAsync(Request());
            Assert.That(async () => await first, Throws.TypeOf<ModelSetException>().With.Message.Contains("unet/model.onnx is missing"));
            Assert.That(async () => await second, Throws.TypeOf<GpuOutOfMemoryException>().With.Message.Contains("low-VRAM mode"));
            Assert.That(Outcome(third), Is.EqualTo("done"));
            Assert.That(Outcome(generator.GenerateAsync(Request())), Is.EqualTo("done"));
        }

        [Test]
        public void UnexpectedEngineException_BecomesATypedInstantIdException_WithTheCauseInside()
        {
            var engine = new ScriptedEngine { Failure = call => call == 1 ? new NullReferenceException("bug in a stage") : null };
            using var generator = new InstantIdGenerator(engine);
            var failed = generator.GenerateAsync(Request());
            var e = Assert.ThrowsAsync<InstantIdException>(async () => await failed)!;
            Assert.That(e.InnerException, Is.TypeOf<NullReferenceException>());
            Assert.That(e.Message, Does.Contain("NullReferenceException").And.Contain("bug in a stage"));
            Assert.That(Outcome(generator.GenerateAsync(Request())), Is.EqualTo("done"));
        }

        [Test]
        public void ThrowingProgressCallback_FailsOnlyThatRequest()
        {
            using var generator = new InstantIdGenerator(new ScriptedEngine());
            var bad = new CallbackProgress(p => { if (p.Stage == GenerationStage.Denoising) throw new InvalidOperationException("UI gone"); });
            var failed = generator.GenerateAsync(Request(), bad);
            Assert.That(Outcome(failed), Is.EqualTo("failed"));
            Assert.That(failed.Exception!.InnerException!.InnerException, Is.TypeOf<InvalidOperationException>());
            Assert.That(Outcome(generator.GenerateAsync(Request())), Is.EqualTo("done"));
        }

        // ---- disposal during generation -----------------------------------------------------------------------

        [Test]
        public void DisposeFromAProgressCallbackOnTheWorker_CancelsCleanly_AndReleasesTheEngineAfterTheRequestUnwinds()
        {
            var engine = new ScriptedEngine { Steps = 50 };
            var generator = new InstantIdGenerator(engine);
            var progress = new CallbackProgress(p => { if (p.Step == 2) generator.Dispose(); });
            var running = generator.GenerateAsync(Request(), progress);
            var queued = generator.GenerateAsync(Request());
            Assert.That(Outcome(running), Is.EqualTo("cancelled"));
            Assert.That(Outcome(queued), Is.EqualTo("cancelled"));
            Assert.That(SpinWait.SpinUntil(() => engine.Disposed, 5000), Is.True, "the engine is released once the worker unwinds");
            Assert.That(engine.UsedAfterDispose, Is.False, "the engine is not disposed under the running request");
            Assert.That(() => generator.GenerateAsync(Request()), Throws.InstanceOf<ObjectDisposedException>());
        }

        [Test]
        public void DisposeWhileFourThreadsSubmit_GivesOnlyResultsCancellationsOrObjectDisposed()
        {
            var engine = new ScriptedEngine { Steps = 2, StepTime = TimeSpan.FromMilliseconds(1) };
            var generator = new InstantIdGenerator(engine);
            var outcomes = new ConcurrentBag<string>();
            using var start = new ManualResetEventSlim(false);
            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                start.Wait();
                for (int i = 0; i < 40; i++)
                {
                    Task<GenerationResult> task;
                    try { task = generator.GenerateAsync(Request()); }
                    catch (ObjectDisposedException) { outcomes.Add("disposed"); continue; }
                    outcomes.Add(Outcome(task));
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            start.Set();
            Thread.Sleep(20);
            generator.Dispose();
            threads.ForEach(t => Assert.That(t.Join(30000), Is.True));
            Assert.That(outcomes.Count, Is.EqualTo(160));
            Assert.That(outcomes.Distinct(), Is.SubsetOf(new[] { "done", "cancelled", "disposed" }), string.Join(",", outcomes.Distinct()));
            Assert.That(engine.Disposed, Is.True);
        }

        // ---- long runs -----------------------------------------------------------------------------------------

        static (long Memory, int Threads, int Handles) Resources()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long memory = GC.GetTotalMemory(true);
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            int handles;
            try { handles = process.HandleCount; }
            catch (PlatformNotSupportedException) { handles = -1; }
            return (memory, process.Threads.Count, handles);
        }

        // Bounds for growth after the work is done and the generator disposed. A leak of one image per request
        // would be 1 000 × (8·8·3 + object overhead) ≥ 400 KB; a leaked worker thread per request, +1 000 threads.
        const long MemoryBound = 4L << 20;
        const int ThreadBound = 4;
        const int HandleBound = 32;

        [Test]
        public void ThousandSequentialRequests_DoNotGrowMemoryThreadsOrHandles()
        {
            // one generator before measuring, so lazily created pools and statics are not counted as growth
            using (var warm = new InstantIdGenerator(new ScriptedEngine())) Outcome(warm.GenerateAsync(Request()));
            var before = Resources();
            var engine = new ScriptedEngine { Steps = 2, Failure = call => call % 100 == 0 ? new InstantIdException("every 100th fails") : null };
            using (var generator = new InstantIdGenerator(engine))
            {
                var outcomes = new Dictionary<string, int>();
                for (int i = 0; i < 1000; i++)
                {
                    var o = Outcome(generator.GenerateAsync(Request("r" + i)));
                    outcomes[o] = outcomes.TryGetValue(o, out var n) ? n + 1 : 1;
                }
                Assert.That(outcomes["done"], Is.EqualTo(990));
                Assert.That(outcomes["failed"], Is.EqualTo(10));
            }
            var after = Resources();
            TestContext.WriteLine($"memory {before.Memory} → {after.Memory}, threads {before.Threads} → {after.Threads}, handles {before.Handles} → {after.Handles}");
            Assert.That(after.Memory - before.Memory, Is.LessThan(MemoryBound));
            Assert.That(after.Threads - before.Threads, Is.LessThanOrEqualTo(ThreadBound));
            if (before.Handles >= 0) Assert.That(after.Handles - before.Handles, Is.LessThanOrEqualTo(HandleBound));
        }

        [Test]
        public void ConcurrentSoak_FourThreadsWithRandomCancellation_EndsEveryRequestAndLeaksNothing()
        {
            using (var warm = new InstantIdGenerator(new ScriptedEngine())) Outcome(warm.GenerateAsync(Request()));
            var before = Resources();
            var engine = new ScriptedEngine { Steps = 4, StepTime = TimeSpan.FromMilliseconds(1), Failure = call => call % 17 == 0 ? new InstantIdException("scripted failure") : null };
            var outcomes = new ConcurrentBag<string>();
            var clock = Stopwatch.StartNew();
            using (var generator = new InstantIdGenerator(engine))
            {
                var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
                {
                    var random = new Random(1000 + t);
                    for (int i = 0; i < 50; i++)
                    {
                        using var cts = new CancellationTokenSource();
                        int mode = random.Next(4); // 0,1: run; 2: cancel before queueing; 3: cancel after a random delay
                        if (mode == 2) cts.Cancel();
                        var task = generator.GenerateAsync(Request($"t{t}-{i}"), null, cts.Token);
                        if (mode == 3) { Thread.Sleep(random.Next(0, 6)); cts.Cancel(); }
                        outcomes.Add(Outcome(task));
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => Assert.That(t.Join(60000), Is.True, "soak thread finished"));
                Assert.That(engine.Running, Is.EqualTo(0));
            }
            var after = Resources();
            var counts = outcomes.GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
            TestContext.WriteLine($"{string.Join(", ", counts.Select(c => c.Key + " " + c.Value))} in {clock.ElapsedMilliseconds} ms; " +
                                  $"memory {before.Memory} → {after.Memory}, threads {before.Threads} → {after.Threads}, handles {before.Handles} → {after.Handles}");
            Assert.That(outcomes.Count, Is.EqualTo(200));
            Assert.That(counts.Keys, Is.SubsetOf(new[] { "done", "cancelled", "failed" }));
            Assert.That(counts.ContainsKey("done") && counts.ContainsKey("cancelled"), Is.True);
            Assert.That(engine.Disposed, Is.True);
            Assert.That(after.Memory - before.Memory, Is.LessThan(MemoryBound));
            Assert.That(after.Threads - before.Threads, Is.LessThanOrEqualTo(ThreadBound));
            if (before.Handles >= 0) Assert.That(after.Handles - before.Handles, Is.LessThanOrEqualTo(HandleBound));
        }
    }
}
