using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

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
        sealed class Job
        {
            public GenerationRequest Request = null!;
            public IProgress<GenerationProgress>? Progress;
            public CancellationToken Cancellation;
            public TaskCompletionSource<GenerationResult> Completion = null!;
        }

        readonly IGenerationEngine _engine;
        readonly BlockingCollection<Job> _queue = new BlockingCollection<Job>(new ConcurrentQueue<Job>());
        readonly CancellationTokenSource _disposing = new CancellationTokenSource();
        readonly Thread _worker;
        int _disposed;

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
            var job = new Job
            {
                Request = request.Clone(),
                Progress = progress,
                Cancellation = cancellationToken,
                // continuations must not run on the worker thread (they could block the queue)
                Completion = new TaskCompletionSource<GenerationResult>(TaskCreationOptions.RunContinuationsAsynchronously),
            };
            try { _queue.Add(job); }
            catch (InvalidOperationException) { throw Disposed(); }
            progress?.Report(new GenerationProgress(GenerationStage.Queued));
            return job.Completion.Task;
        }

        void Run()
        {
            try
            {
                foreach (var job in _queue.GetConsumingEnumerable(_disposing.Token))
                    Execute(job);
            }
            catch (OperationCanceledException) { /* disposing */ }
            // whatever is still queued when disposing ends cancelled
            while (_queue.TryTake(out var left)) left.Completion.TrySetCanceled();
        }

        void Execute(Job job)
        {
            if (job.Cancellation.IsCancellationRequested) { job.Completion.TrySetCanceled(job.Cancellation); return; }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(job.Cancellation, _disposing.Token);
            try
            {
                var progress = job.Progress;
                var result = _engine.Generate(job.Request, p => progress?.Report(p), linked.Token);
                job.Completion.TrySetResult(result);
            }
            catch (OperationCanceledException)
            {
                if (job.Cancellation.IsCancellationRequested) job.Completion.TrySetCanceled(job.Cancellation);
                else job.Completion.TrySetCanceled();
            }
            catch (Exception e)
            {
                job.Completion.TrySetException(e);
            }
        }

        /// <summary>Loads every model session now (on the worker thread) so the first request starts at once.</summary>
        public Task WarmUpAsync(CancellationToken cancellationToken = default) =>
            GenerateAsync(GenerationRequest.WarmUp, null, cancellationToken);

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
            _queue.CompleteAdding();
            _disposing.Cancel();
            if (Thread.CurrentThread != _worker) _worker.Join();
            _engine.Dispose();
            _queue.Dispose();
            _disposing.Dispose();
        }
    }
}
