using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using System.Collections.Generic;
using System.Linq;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Profiles;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>
    /// Generates images on ONE dedicated worker thread with a FIFO request queue, so a game's main thread never
    /// waits. Requests from any thread are safe; each finishes, fails or is cancelled on its own, and a failed or
    /// cancelled request leaves the generator ready for the next. Dispose cancels what is queued or running and
    /// releases every model session.
    /// </summary>
    public sealed class InstantIdGenerator : IDisposable
    {
        /// <summary>One queued piece of work: runs on the worker, or is cancelled without running.</summary>
        sealed class Job
        {
            public CancellationToken Cancellation;
            public Action<CancellationToken> Run = null!;
            public Action Cancel = null!;
        }

        readonly IGenerationEngine _engine;
        readonly BlockingCollection<Job> _queue = new BlockingCollection<Job>(new ConcurrentQueue<Job>());
        readonly CancellationTokenSource _disposing = new CancellationTokenSource();
        readonly Thread _worker;
        int _disposed;
        volatile bool _releaseOnWorker;

        /// <summary>
        /// Opens the model set (checking its index and files) and starts the worker. Sessions load on first use, or
        /// all at once with <see cref="WarmUpAsync"/>.
        /// </summary>
        public InstantIdGenerator(string modelSetFolder, GeneratorOptions? options = null)
            : this(new OnnxGenerationEngine(modelSetFolder, options ?? new GeneratorOptions())) { }

        internal InstantIdGenerator(IGenerationEngine engine)
        {
            _engine = engine;
            _worker = new Thread(Run) { IsBackground = true, Name = "InstantID generator" };
            _worker.Start();
        }

        /// <summary>Number of requests waiting (not counting the one running).</summary>
        public int QueuedCount => _queue.Count;

        /// <summary>
        /// Queues a request. Progress is reported from the worker thread through <paramref name="progress"/>
        /// (a <see cref="Progress{T}"/> created on Unity's main thread posts back to it). Cancelling stops the
        /// request within one denoising step; the task then ends as cancelled.
        /// </summary>
        public Task<GenerationResult> GenerateAsync(GenerationRequest request, IProgress<GenerationProgress>? progress = null,
            CancellationToken cancellationToken = default)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            ThrowIfDisposed();
            request.Validate();
            var queued = request.Clone();
            // reported before the job is queued: the worker may start at once, and reports must stay in order
            progress?.Report(new GenerationProgress(GenerationStage.Queued));
            // a preview image belongs to whoever receives the report; with no receiver it is released at once
            return Enqueue(ct => _engine.Generate(queued, p =>
            {
                if (progress != null) progress.Report(p);
                else p.Preview?.Dispose();
            }, ct), cancellationToken);
        }

        /// <summary>Finds and embeds the faces in an image (e.g. a webcam frame, to tell the player "move closer").</summary>
        public Task<FaceAnalysis> AnalyzeFacesAsync(Image<Rgb24> image, CancellationToken cancellationToken = default)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            ThrowIfDisposed();
            return Enqueue(_ => _engine.AnalyzeFaces(image), cancellationToken);
        }

        /// <summary>Builds an identity profile from photos of one person (save it with <see cref="IdentityProfileFile"/>).</summary>
        public Task<IdentityProfile> CreateProfileAsync(IReadOnlyList<(string Label, Image<Rgb24> Image)> photos, string name,
            CancellationToken cancellationToken = default)
        {
            if (photos == null) throw new ArgumentNullException(nameof(photos));
            ThrowIfDisposed();
            var copy = photos.ToArray();
            return Enqueue(_ => _engine.CreateProfile(copy, name), cancellationToken);
        }

        Task<T> Enqueue<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken)
        {
            // continuations must not run on the worker thread (they could block the queue)
            var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            var job = new Job
            {
                Cancellation = cancellationToken,
                Cancel = () => completion.TrySetCanceled(cancellationToken),
                Run = linked =>
                {
                    try { completion.TrySetResult(work(linked)); }
                    catch (OperationCanceledException) { completion.TrySetCanceled(cancellationToken.IsCancellationRequested ? cancellationToken : linked); }
                    catch (InstantIdException e) { completion.TrySetException(e); }
                    catch (ObjectDisposedException e) when (Volatile.Read(ref _disposed) == 0)
                    {
                        // requests share the caller's images (FaceImages, PoseImage, InitImage…) rather than copying them
                        completion.TrySetException(new InstantIdException(
                            "An image given to this request was disposed before the generator used it (" + e.Message + "). "
                            + "Keep the request's images alive until its task has completed.", e));
                    }
                    catch (Exception e)
                    {
                        // A bug in a stage or in the caller's progress handler: still one typed error, for this job only.
                        completion.TrySetException(new InstantIdException(
                            $"Generation failed unexpectedly ({e.GetType().Name}: {e.Message}). The generator is still usable; "
                            + "if this repeats, report it with this message and the inner exception.", e));
                    }
                },
            };
            try { _queue.Add(job); }
            catch (InvalidOperationException) { throw Disposed(); }
            return completion.Task;
        }

        void Run()
        {
            try
            {
                foreach (var job in _queue.GetConsumingEnumerable(_disposing.Token))
                {
                    if (job.Cancellation.IsCancellationRequested) { job.Cancel(); continue; }
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(job.Cancellation, _disposing.Token);
                    job.Run(linked.Token);
                }
            }
            catch (OperationCanceledException) { /* disposing */ }
            // whatever is still queued when disposing ends cancelled
            while (_queue.TryTake(out var left)) left.Cancel();
            if (_releaseOnWorker) Release();
        }

        /// <summary>Loads every model session now (on the worker thread) so the first request starts at once.</summary>
        public Task WarmUpAsync(CancellationToken cancellationToken = default) =>
            ReleaseResult(GenerateAsync(GenerationRequest.WarmUp, null, cancellationToken)); // throws at once when disposed

        // the warm-up's placeholder image reaches no caller
        static async Task ReleaseResult(Task<GenerationResult> task)
        {
            using var result = await task.ConfigureAwait(false);
        }

        void ThrowIfDisposed()
        {
            if (Volatile.Read(ref _disposed) != 0) throw Disposed();
        }

        static ObjectDisposedException Disposed() =>
            new ObjectDisposedException(nameof(InstantIdGenerator), "The generator was disposed; create a new one.");

        /// <summary>Cancels queued and running requests, waits for the worker to stop, and releases the models.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            // Called on the worker itself (from a progress callback): the running job is still on its stack, so the
            // worker releases everything after it unwinds. Disposing here would pull the queue and the engine out
            // from under it, and the worker's next take would throw ObjectDisposedException, ending the process.
            bool onWorker = Thread.CurrentThread == _worker;
            if (onWorker) _releaseOnWorker = true;
            _queue.CompleteAdding();
            _disposing.Cancel();
            if (onWorker) return;
            _worker.Join();
            Release();
        }

        void Release()
        {
            _engine.Dispose();
            _queue.Dispose();
            _disposing.Dispose();
        }
    }
}
