using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Text
{
    /// <summary>
    /// Bounded least-recently-used cache of encoded prompts, keyed by model set and the full
    /// <see cref="SdxlPromptRequest"/> (prompt, prompt 2, negative, negative 2, weighting mode, guidance).
    /// Prompt encodings do not depend on the image, so a game that regenerates with the same prompt skips both
    /// text encoders. Thread-safe. Cached arrays are shared: callers must not modify them.
    /// </summary>
    public sealed class PromptEmbeddingCache
    {
        readonly int _capacity;
        readonly object _gate = new object();
        readonly Dictionary<Key, LinkedListNode<Entry>> _map = new Dictionary<Key, LinkedListNode<Entry>>();
        readonly LinkedList<Entry> _order = new LinkedList<Entry>(); // most recently used first

        /// <summary>Creates a cache holding at most <paramref name="capacity"/> encodings.</summary>
        public PromptEmbeddingCache(int capacity = 32)
        {
            if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "The cache must hold at least one entry.");
            _capacity = capacity;
        }

        /// <summary>Maximum number of entries.</summary>
        public int Capacity => _capacity;

        /// <summary>Current number of entries.</summary>
        public int Count { get { lock (_gate) return _map.Count; } }

        /// <summary>Lookups that found an entry.</summary>
        public long Hits { get; private set; }

        /// <summary>Lookups that had to encode.</summary>
        public long Misses { get; private set; }

        /// <summary>Returns the cached encoding or null; a hit becomes the most recently used entry.</summary>
        public EncodedPrompt? TryGet(string modelSetId, SdxlPromptRequest request)
        {
            var key = MakeKey(modelSetId, request);
            lock (_gate)
            {
                if (!_map.TryGetValue(key, out var node)) return null;
                _order.Remove(node);
                _order.AddFirst(node);
                return node.Value.Value;
            }
        }

        /// <summary>Stores an encoding, evicting the least recently used entry when full.</summary>
        public void Set(string modelSetId, SdxlPromptRequest request, EncodedPrompt value)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            var key = MakeKey(modelSetId, request);
            lock (_gate)
            {
                if (_map.TryGetValue(key, out var existing))
                {
                    _order.Remove(existing);
                    _map.Remove(key);
                }
                var node = _order.AddFirst(new Entry(key, value));
                _map[key] = node;
                while (_map.Count > _capacity)
                {
                    var last = _order.Last!;
                    _order.RemoveLast();
                    _map.Remove(last.Value.Key);
                }
            }
        }

        /// <summary>
        /// Returns the cached encoding of <paramref name="request"/> for <paramref name="modelSetId"/>, encoding it
        /// with <paramref name="encoder"/> on a miss. Encoding runs outside the lock; two threads missing on the same
        /// key both encode (same result), the later one is stored.
        /// </summary>
        public EncodedPrompt GetOrEncode(string modelSetId, SdxlPromptRequest request, SdxlTextEncoder encoder)
        {
            if (encoder == null) throw new ArgumentNullException(nameof(encoder));
            return GetOrEncode(modelSetId, request, encoder.Encode);
        }

        /// <summary>As <see cref="GetOrEncode(string, SdxlPromptRequest, SdxlTextEncoder)"/> with any encode function.</summary>
        public EncodedPrompt GetOrEncode(string modelSetId, SdxlPromptRequest request, Func<SdxlPromptRequest, EncodedPrompt> encode)
        {
            if (encode == null) throw new ArgumentNullException(nameof(encode));
            var hit = TryGet(modelSetId, request);
            lock (_gate)
            {
                if (hit != null) Hits++;
                else Misses++;
            }
            if (hit != null) return hit;
            var value = encode(request);
            Set(modelSetId, request, value);
            return value;
        }

        /// <summary>Removes every entry (e.g. after a model set is unloaded).</summary>
        public void Clear()
        {
            lock (_gate)
            {
                _map.Clear();
                _order.Clear();
            }
        }

        static Key MakeKey(string modelSetId, SdxlPromptRequest request)
        {
            if (modelSetId == null) throw new ArgumentNullException(nameof(modelSetId));
            if (request == null) throw new ArgumentNullException(nameof(request));
            return new Key(modelSetId, request);
        }

        readonly struct Key : IEquatable<Key>
        {
            public Key(string modelSetId, SdxlPromptRequest request)
            {
                ModelSetId = modelSetId;
                Request = request;
            }

            public string ModelSetId { get; }
            public SdxlPromptRequest Request { get; }

            public bool Equals(Key other) => ModelSetId == other.ModelSetId && Request.Equals(other.Request);
            public override bool Equals(object? obj) => obj is Key k && Equals(k);
            public override int GetHashCode() => HashCode.Combine(ModelSetId, Request);
        }

        sealed class Entry
        {
            public Entry(Key key, EncodedPrompt value)
            {
                Key = key;
                Value = value;
            }

            public Key Key { get; }
            public EncodedPrompt Value { get; }
        }
    }
}
