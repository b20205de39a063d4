using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Newtonsoft.Json;

namespace InstantIdAvatars.Text
{
    /// <summary>How a <see cref="ClipTokenizer"/> cleans text before byte-level BPE.</summary>
    public enum ClipTextCleaning
    {
        /// <summary>openai/CLIP <c>SimpleTokenizer</c>: ftfy, <c>html.unescape</c> twice, whitespace collapse, lower case.</summary>
        OpenAiClip = 0,

        /// <summary>Hugging Face <c>CLIPTokenizer</c> (what diffusers uses): ftfy, whitespace collapse, lower case,
        /// but no <c>html.unescape</c>.</summary>
        HuggingFace = 1,
    }

    /// <summary>
    /// CLIP byte-level BPE tokenizer (both SDXL text encoders use the same vocabulary), read from a model set's
    /// <c>vocab.json</c> + <c>merges.txt</c>. Immutable and thread-safe; BPE results of words are cached.
    /// </summary>
    public sealed class ClipTokenizer
    {
        /// <summary>CLIP's context length: start token, 75 text tokens, end token.</summary>
        public const int DefaultMaxLength = 77;

        /// <summary>SDXL <c>tokenizer</c> pads with the end token.</summary>
        public const string EndOfTextToken = "<|endoftext|>";

        /// <summary>SDXL <c>tokenizer_2</c> pads with <c>"!"</c> (id 0).</summary>
        public const string ExclamationPadToken = "!";

        const string StartOfTextToken = "<|startoftext|>";
        const int MaxCachedWords = 200_000;

        readonly Dictionary<string, int> _vocab;
        readonly string[] _idToToken;
        readonly Dictionary<long, long> _merges; // (left id, right id) -> (rank << 32) | merged id
        readonly int[] _byteIds = new int[256];
        readonly int[] _byteEndIds = new int[256];
        int _cachedWords;
        readonly ConcurrentDictionary<string, int[]> _cache = new ConcurrentDictionary<string, int[]>(StringComparer.Ordinal);

        /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c> from files.</summary>
        /// <param name="vocabJsonPath">JSON object of token string to id.</param>
        /// <param name="mergesPath">BPE merges, one "left right" pair a line, after a <c>#version</c> header.</param>
        /// <param name="padToken">Token used for padding: <see cref="EndOfTextToken"/> (SDXL tokenizer) or
        /// <see cref="ExclamationPadToken"/> (SDXL tokenizer_2).</param>
        /// <param name="cleaning">Text clean-up variant; openai/CLIP by default.</param>
        public ClipTokenizer(string vocabJsonPath, string mergesPath, string padToken = EndOfTextToken,
            ClipTextCleaning cleaning = ClipTextCleaning.OpenAiClip)
            : this(OpenRead(vocabJsonPath, "vocab.json"), OpenRead(mergesPath, "merges.txt"), padToken, cleaning, true,
                vocabJsonPath + ", " + mergesPath)
        {
        }

        /// <summary>Reads <c>vocab.json</c> and <c>merges.txt</c> from streams (UTF-8). The streams are not disposed.</summary>
        public ClipTokenizer(Stream vocabJson, Stream merges, string padToken = EndOfTextToken,
            ClipTextCleaning cleaning = ClipTextCleaning.OpenAiClip)
            : this(vocabJson, merges, padToken, cleaning, false, "streams")
        {
        }

        ClipTokenizer(Stream vocabJson, Stream merges, string padToken, ClipTextCleaning cleaning, bool dispose, string source)
        {
            if (vocabJson == null) throw new ArgumentNullException(nameof(vocabJson));
            if (merges == null) throw new ArgumentNullException(nameof(merges));
            if (padToken == null) throw new ArgumentNullException(nameof(padToken));
            try
            {
                using (var reader = new StreamReader(vocabJson, Encoding.UTF8, false, 1 << 16, leaveOpen: true))
                    _vocab = ReadVocab(reader, source);
                using (var reader = new StreamReader(merges, Encoding.UTF8, false, 1 << 16, leaveOpen: true))
                    _merges = ReadMerges(reader, _vocab, source);
            }
            finally
            {
                if (dispose) { vocabJson.Dispose(); merges.Dispose(); }
            }

            _idToToken = new string[MaxId(_vocab) + 1];
            foreach (var kv in _vocab) _idToToken[kv.Value] = kv.Key;

            var byteChars = ByteToUnicode();
            for (int b = 0; b < 256; b++)
            {
                var ch = byteChars[b].ToString();
                _byteIds[b] = Require(ch, source);
                _byteEndIds[b] = Require(ch + "</w>", source);
            }
            BosTokenId = Require(StartOfTextToken, source);
            EosTokenId = Require(EndOfTextToken, source);
            PadTokenId = Require(padToken, source);
            Cleaning = cleaning;
        }

        /// <summary>Builds a tokenizer from the text of <c>vocab.json</c> and <c>merges.txt</c>.</summary>
        public static ClipTokenizer FromStrings(string vocabJson, string mergesText, string padToken = EndOfTextToken,
            ClipTextCleaning cleaning = ClipTextCleaning.OpenAiClip)
        {
            if (vocabJson == null) throw new ArgumentNullException(nameof(vocabJson));
            if (mergesText == null) throw new ArgumentNullException(nameof(mergesText));
            using var v = new MemoryStream(Encoding.UTF8.GetBytes(vocabJson));
            using var m = new MemoryStream(Encoding.UTF8.GetBytes(mergesText));
            return new ClipTokenizer(v, m, padToken, cleaning);
        }

        /// <summary>Loads a model set's tokenizer folder (<c>tokenizer/</c> or <c>tokenizer_2/</c>).</summary>
        public static ClipTokenizer FromFolder(string folder, string padToken = EndOfTextToken,
            ClipTextCleaning cleaning = ClipTextCleaning.OpenAiClip)
        {
            if (folder == null) throw new ArgumentNullException(nameof(folder));
            return new ClipTokenizer(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"), padToken, cleaning);
        }

        /// <summary>Id of <c>&lt;|startoftext|&gt;</c> (49406 in CLIP's vocabulary).</summary>
        public int BosTokenId { get; }

        /// <summary>Id of <c>&lt;|endoftext|&gt;</c> (49407).</summary>
        public int EosTokenId { get; }

        /// <summary>Id written after the end token up to the context length.</summary>
        public int PadTokenId { get; }

        /// <summary>Text clean-up variant.</summary>
        public ClipTextCleaning Cleaning { get; }

        /// <summary>Number of entries in the vocabulary.</summary>
        public int VocabularySize => _vocab.Count;

        /// <summary>The cleaned text the pre-tokenizer sees (ftfy subset, unescape, whitespace collapse, lower case).</summary>
        public string Clean(string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            return ClipTextCleaner.Clean(text, Cleaning);
        }

        /// <summary>BPE token ids of <paramref name="text"/> without start/end tokens and without truncation
        /// (openai/CLIP <c>SimpleTokenizer.encode</c>).</summary>
        public int[] Encode(string text)
        {
            var ids = new List<int>(32);
            EncodeInto(text, ids);
            return ids.ToArray();
        }

        /// <summary>Appends the BPE ids of <paramref name="text"/> (no start/end tokens) to <paramref name="ids"/>.</summary>
        public void EncodeInto(string text, List<int> ids)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            if (ids == null) throw new ArgumentNullException(nameof(ids));
            var cleaned = ClipTextCleaner.Clean(text, Cleaning);
            int pos = 0;
            while (NextPreToken(cleaned, ref pos, out int start, out int length))
            {
                var word = cleaned.Substring(start, length);
                if (_cache.TryGetValue(word, out var cached)) { ids.AddRange(cached); continue; }
                var result = BpeWord(word);
                // Bounded like a simple arena: ConcurrentDictionary.Count takes every lock, so count adds instead.
                if (_cache.TryAdd(word, result) && Interlocked.Increment(ref _cachedWords) > MaxCachedWords)
                {
                    _cache.Clear();
                    Interlocked.Exchange(ref _cachedWords, 0);
                }
                ids.AddRange(result);
            }
        }

        /// <summary>
        /// Model input for one prompt: start token, the first <c>maxLength − 2</c> ids, end token, then padding to
        /// <paramref name="maxLength"/> (Hugging Face <c>padding="max_length", truncation=True</c>).
        /// </summary>
        public int[] EncodeForModel(string text, int maxLength = DefaultMaxLength) => Frame(Encode(text), maxLength);

        /// <summary>Wraps already tokenised ids (no specials) as <c>[bos] ids[:maxLength−2] [eos] pad…</c>.</summary>
        public int[] Frame(IReadOnlyList<int> ids, int maxLength = DefaultMaxLength)
        {
            if (ids == null) throw new ArgumentNullException(nameof(ids));
            if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), "maxLength must be at least 2 (start and end token).");
            var result = new int[maxLength];
            int n = Math.Min(ids.Count, maxLength - 2);
            result[0] = BosTokenId;
            for (int i = 0; i < n; i++) result[i + 1] = ids[i];
            result[n + 1] = EosTokenId;
            for (int i = n + 2; i < maxLength; i++) result[i] = PadTokenId;
            return result;
        }

        /// <summary>Vocabulary string of an id (byte-level form, <c>&lt;/w&gt;</c> marks a word end).</summary>
        public string TokenOf(int id)
        {
            if ((uint)id >= (uint)_idToToken.Length || _idToToken[id] == null)
                throw new ArgumentOutOfRangeException(nameof(id), $"Token id {id} is not in the vocabulary.");
            return _idToToken[id];
        }

        /// <summary>Id of a vocabulary string, or −1.</summary>
        public int IdOf(string token) => token != null && _vocab.TryGetValue(token, out var id) ? id : -1;

        /// <summary>Text of ids (openai/CLIP <c>decode</c>: word ends become spaces; specials are kept verbatim).</summary>
        public string Decode(IEnumerable<int> ids)
        {
            if (ids == null) throw new ArgumentNullException(nameof(ids));
            var decoder = s_byteDecoder;
            var bytes = new List<byte>();
            foreach (var id in ids)
            {
                foreach (var c in TokenOf(id))
                {
                    if (decoder.TryGetValue(c, out var b)) bytes.Add(b);
                    else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                }
            }
            return Encoding.UTF8.GetString(bytes.ToArray()).Replace("</w>", " ");
        }

        // --- pre-tokenisation -------------------------------------------------------------------------------

        /// <summary>
        /// One match of CLIP's pattern <c>&lt;|startoftext|&gt;|&lt;|endoftext|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
        /// (IGNORECASE), like <c>re.findall</c>. Hand-written rather than a .NET Regex because .NET's <c>\p{L}</c>
        /// sees UTF-16 units: letters outside the BMP would split differently from Python, which sees code points.
        /// </summary>
        internal static bool NextPreToken(string text, ref int pos, out int start, out int length)
        {
            while (pos < text.Length)
            {
                int i = pos;
                var kind = Classify(text, i, out int width);
                if (kind == CharKind.Space) { pos += width; continue; }

                if (text[i] == '<')
                {
                    int special = MatchSpecial(text, i);
                    if (special > 0) return Emit(ref pos, i, special, out start, out length);
                }
                if (text[i] == '\'')
                {
                    int contraction = MatchContraction(text, i);
                    if (contraction > 0) return Emit(ref pos, i, contraction, out start, out length);
                }
                if (kind == CharKind.Number) return Emit(ref pos, i, width, out start, out length);

                int j = i + width;
                while (j < text.Length)
                {
                    var next = Classify(text, j, out int w);
                    if (next != kind) break;
                    j += w;
                }
                return Emit(ref pos, i, j - i, out start, out length);
            }
            start = length = 0;
            return false;
        }

        static bool Emit(ref int pos, int start, int length, out int outStart, out int outLength)
        {
            outStart = start;
            outLength = length;
            pos = start + length;
            return true;
        }

        enum CharKind { Space, Letter, Number, Other }

        static CharKind Classify(string text, int i, out int width)
        {
            char c = text[i];
            width = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            if (c < 0x80)
            {
                if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return CharKind.Letter;
                if (c >= '0' && c <= '9') return CharKind.Number;
                return ClipTextCleaner.IsPythonSpace(c) ? CharKind.Space : CharKind.Other;
            }
            if (width == 1 && ClipTextCleaner.IsPythonSpace(c)) return CharKind.Space;
            switch (CharUnicodeInfo.GetUnicodeCategory(text, i))
            {
                case UnicodeCategory.UppercaseLetter:
                case UnicodeCategory.LowercaseLetter:
                case UnicodeCategory.TitlecaseLetter:
                case UnicodeCategory.ModifierLetter:
                case UnicodeCategory.OtherLetter:
                    return CharKind.Letter;
                case UnicodeCategory.DecimalDigitNumber:
                case UnicodeCategory.LetterNumber:
                case UnicodeCategory.OtherNumber:
                    return CharKind.Number;
                default:
                    return CharKind.Other;
            }
        }

        static int MatchSpecial(string text, int i)
        {
            if (string.Compare(text, i, StartOfTextToken, 0, StartOfTextToken.Length, StringComparison.OrdinalIgnoreCase) == 0)
                return StartOfTextToken.Length;
            if (string.Compare(text, i, EndOfTextToken, 0, EndOfTextToken.Length, StringComparison.OrdinalIgnoreCase) == 0)
                return EndOfTextToken.Length;
            return 0;
        }

        static int MatchContraction(string text, int i)
        {
            // Alternation order as in the pattern; none is a prefix of another.
            char a = i + 1 < text.Length ? char.ToLowerInvariant(text[i + 1]) : '\0';
            char b = i + 2 < text.Length ? char.ToLowerInvariant(text[i + 2]) : '\0';
            if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
            return 0;
        }

        // --- BPE -----------------------------------------------------------------------------------------------

        int[] BpeWord(string word)
        {
            // The special tokens sit in SimpleTokenizer's cache, so they map straight to their ids.
            if (word.Length == StartOfTextToken.Length || word.Length == EndOfTextToken.Length)
            {
                if (string.Equals(word, StartOfTextToken, StringComparison.OrdinalIgnoreCase)) return new[] { BosTokenId };
                if (string.Equals(word, EndOfTextToken, StringComparison.OrdinalIgnoreCase)) return new[] { EosTokenId };
            }
            var bytes = Encoding.UTF8.GetBytes(word);
            var parts = new List<int>(bytes.Length);
            for (int i = 0; i < bytes.Length - 1; i++) parts.Add(_byteIds[bytes[i]]);
            parts.Add(_byteEndIds[bytes[bytes.Length - 1]]);

            // As SimpleTokenizer.bpe: repeatedly merge the lowest-ranked adjacent pair, all its occurrences left to
            // right, until no adjacent pair is a known merge.
            while (parts.Count > 1)
            {
                long best = long.MaxValue;
                int left = -1, right = -1;
                for (int i = 0; i < parts.Count - 1; i++)
                {
                    if (_merges.TryGetValue(Key(parts[i], parts[i + 1]), out var packed) && packed < best)
                    {
                        best = packed;
                        left = parts[i];
                        right = parts[i + 1];
                    }
                }
                if (left < 0) break;
                int merged = (int)(best & 0xFFFFFFFF);
                int w = 0;
                for (int r = 0; r < parts.Count; r++)
                {
                    if (r < parts.Count - 1 && parts[r] == left && parts[r + 1] == right)
                    {
                        parts[w++] = merged;
                        r++;
                    }
                    else parts[w++] = parts[r];
                }
                parts.RemoveRange(w, parts.Count - w);
            }
            return parts.ToArray();
        }

        static long Key(int left, int right) => ((long)left << 32) | (uint)right;

        // --- loading ------------------------------------------------------------------------------------------

        static Stream OpenRead(string path, string what)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (!File.Exists(path))
                throw new TokenizerLoadException($"CLIP tokenizer {what} not found at '{path}'. A model set's tokenizer folders must hold vocab.json and merges.txt.");
            return File.OpenRead(path);
        }

        static Dictionary<string, int> ReadVocab(TextReader text, string source)
        {
            var vocab = new Dictionary<string, int>(50_000, StringComparer.Ordinal);
            try
            {
                using var json = new JsonTextReader(text) { CloseInput = false };
                if (!json.Read() || json.TokenType != JsonToken.StartObject)
                    throw new TokenizerLoadException($"vocab.json ({source}) must be a JSON object of token → id.");
                while (json.Read() && json.TokenType == JsonToken.PropertyName)
                {
                    var token = (string)json.Value!;
                    if (!json.Read() || json.TokenType != JsonToken.Integer)
                        throw new TokenizerLoadException($"vocab.json ({source}): the id of '{token}' is not an integer.");
                    var id = Convert.ToInt64(json.Value, CultureInfo.InvariantCulture);
                    if (id < 0 || id > int.MaxValue)
                        throw new TokenizerLoadException($"vocab.json ({source}): id {id} of '{token}' is out of range.");
                    vocab[token] = (int)id;
                }
            }
            catch (JsonException e)
            {
                throw new TokenizerLoadException($"vocab.json ({source}) is not valid JSON: {e.Message}", e);
            }
            if (vocab.Count == 0) throw new TokenizerLoadException($"vocab.json ({source}) is empty.");
            return vocab;
        }

        static Dictionary<long, long> ReadMerges(TextReader text, Dictionary<string, int> vocab, string source)
        {
            var merges = new Dictionary<long, long>(50_000);
            int rank = 0;
            int lineNo = 0;
            string? line;
            while ((line = text.ReadLine()) != null)
            {
                lineNo++;
                if (lineNo == 1 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
                if (line.Length == 0) continue;
                int space = line.IndexOf(' ');
                if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                    throw new TokenizerLoadException($"merges.txt ({source}) line {lineNo} is not a 'left right' pair: '{line}'.");
                var left = line.Substring(0, space);
                var right = line.Substring(space + 1);
                if (!vocab.TryGetValue(left, out var l) || !vocab.TryGetValue(right, out var r) || !vocab.TryGetValue(left + right, out var m))
                    throw new TokenizerLoadException($"merges.txt ({source}) line {lineNo}: '{left}', '{right}' or their merge is missing from vocab.json; the two files do not belong together.");
                var key = Key(l, r);
                // A repeated pair keeps its last rank, as dict(zip(merges, range(...))) does upstream.
                merges[key] = ((long)rank << 32) | (uint)m;
                rank++;
            }
            return merges;
        }

        int Require(string token, string source)
        {
            if (_vocab.TryGetValue(token, out var id)) return id;
            throw new TokenizerLoadException($"vocab.json ({source}) has no entry '{token}'; it is not a CLIP byte-level BPE vocabulary.");
        }

        static int MaxId(Dictionary<string, int> vocab)
        {
            int max = 0;
            foreach (var v in vocab.Values) max = Math.Max(max, v);
            return max;
        }

        // GPT-2/CLIP bytes_to_unicode: printable Latin-1 bytes map to themselves, the others to U+0100 upwards.
        static char[] ByteToUnicode()
        {
            var map = new char[256];
            int n = 0;
            for (int b = 0; b < 256; b++)
            {
                bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
                map[b] = printable ? (char)b : (char)(256 + n++);
            }
            return map;
        }

        static readonly Dictionary<char, byte> s_byteDecoder = BuildByteDecoder();

        static Dictionary<char, byte> BuildByteDecoder()
        {
            var map = ByteToUnicode();
            var d = new Dictionary<char, byte>(256);
            for (int b = 0; b < 256; b++) d[map[b]] = (byte)b;
            return d;
        }
    }

    /// <summary>A tokenizer's vocab.json or merges.txt is missing or malformed.</summary>
    public sealed class TokenizerLoadException : InstantIdException
    {
        /// <summary>Creates the exception with a message that names the file and the fix.</summary>
        public TokenizerLoadException(string message) : base(message) { }

        /// <summary>Creates the exception with its cause.</summary>
        public TokenizerLoadException(string message, Exception inner) : base(message, inner) { }
    }
}
