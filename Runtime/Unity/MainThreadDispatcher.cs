using System;
using InstantIdAvatars.Pipeline;
using UnityEngine;

namespace InstantIdAvatars.Unity
{
    /// <summary>
    /// Runs actions posted from worker threads on Unity's main thread, a bounded number per frame. Installed
    /// before the first scene loads and kept across scenes; <see cref="Post"/> is safe from any thread.
    /// </summary>
    [DefaultExecutionOrder(-1000)]
    [AddComponentMenu("")]
    public sealed class MainThreadDispatcher : MonoBehaviour
    {
        /// <summary>Most actions run in one frame; the rest wait for the next frames.</summary>
        public const int MaxActionsPerFrame = 64;

        static readonly MainThreadQueue _queue = new MainThreadQueue(e => Debug.LogException(e));

        /// <summary>Queues an action for the main thread's next Update.</summary>
        public static void Post(Action action) => _queue.Post(action);

        [RuntimeInitializeOnLoadMethod(RuntimeInitializeLoadType.BeforeSceneLoad)]
        static void Install()
        {
            // with domain reload off, the queue survives play sessions: drop the last session's leftovers
            _queue.Clear();
            var host = new GameObject(nameof(MainThreadDispatcher));
            DontDestroyOnLoad(host);
            host.AddComponent<MainThreadDispatcher>();
        }

        void Update() => _queue.Drain(MaxActionsPerFrame);
    }
}
