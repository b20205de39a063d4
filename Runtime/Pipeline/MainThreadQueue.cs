using System;
using System.Collections.Concurrent;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>
    /// Actions posted from any thread, run later on the one thread that drains the queue (Unity's main thread,
    /// once per frame). A drain runs at most a given number of actions so a burst, or an action that posts
    /// another, cannot stall a frame; an action that throws is reported and the rest still run.
    /// </summary>
    public sealed class MainThreadQueue
    {
        readonly ConcurrentQueue<Action> _actions = new ConcurrentQueue<Action>();
        readonly Action<Exception> _onError;

        /// <param name="onError">Receives what an action threw (Unity: Debug.LogException).</param>
        public MainThreadQueue(Action<Exception> onError) => _onError = onError ?? throw new ArgumentNullException(nameof(onError));

        /// <summary>Actions waiting to run.</summary>
        public int Count => _actions.Count;

        /// <summary>Queues an action; safe from any thread.</summary>
        public void Post(Action action)
        {
            if (action == null) throw new ArgumentNullException(nameof(action));
            _actions.Enqueue(action);
        }

        /// <summary>Runs up to <paramref name="maxActions"/> queued actions in order; returns how many ran.</summary>
        public int Drain(int maxActions)
        {
            if (maxActions < 1) throw new ArgumentOutOfRangeException(nameof(maxActions), $"maxActions must be at least 1, found {maxActions}");
            int ran = 0;
            while (ran < maxActions && _actions.TryDequeue(out var action))
            {
                ran++;
                try { action(); }
                catch (Exception e)
                {
                    try { _onError(e); }
                    catch (Exception) { /* a failing logger must not stop the frame */ }
                }
            }
            return ran;
        }

        /// <summary>Drops everything queued (e.g. when play mode ends).</summary>
        public void Clear()
        {
            while (_actions.TryDequeue(out _)) { }
        }
    }
}
