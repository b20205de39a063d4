using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace InstantIdAvatars.Text
{
    /// <summary>How prompt text is turned into weighted tokens.</summary>
    public enum PromptWeightingMode
    {
        /// <summary>The prompt is tokenised literally, exactly as diffusers' <c>encode_prompt</c> does (brackets are
        /// text). Long prompts are cut into consecutive chunks of 75 tokens.</summary>
        None = 0,

        /// <summary>AUTOMATIC1111 attention syntax: <c>(word:1.3)</c>, <c>(word)</c> ×1.1, <c>[word]</c> ÷1.1,
        /// <c>\(</c> escapes, <c>BREAK</c> starts a new 75-token chunk; chunks break after a comma when one is
        /// within the last 20 tokens (A1111's <c>comma_padding_backtrack</c>).</summary>
        A1111 = 1,
    }

    /// <summary>A run of prompt text with one attention weight (or a <c>BREAK</c> marker).</summary>
    public sealed class PromptFragment
    {
        /// <summary>Creates a fragment.</summary>
        public PromptFragment(string text, double weight, bool isBreak = false)
        {
            Text = text ?? throw new ArgumentNullException(nameof(text));
            Weight = weight;
            IsBreak = isBreak;
        }

        /// <summary>The literal text (escapes resolved, brackets removed).</summary>
        public string Text { get; }

        /// <summary>Attention multiplier (1 = unweighted). Meaningless for a break.</summary>
        public double Weight { get; }

        /// <summary>True for a <c>BREAK</c> keyword: the next text starts a new chunk.</summary>
        public bool IsBreak { get; }

        /// <inheritdoc />
        public override string ToString() => IsBreak ? "BREAK" : $"[{Text}, {Weight.ToString("R", CultureInfo.InvariantCulture)}]";
    }

    /// <summary>Up to 75 text tokens (no start/end tokens) and their weights: one 77-token encoder pass.</summary>
    public sealed class PromptChunk
    {
        /// <summary>Creates a chunk; the arrays must be equally long.</summary>
        public PromptChunk(int[] tokens, float[] weights)
        {
            Tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));
            Weights = weights ?? throw new ArgumentNullException(nameof(weights));
            if (tokens.Length != weights.Length) throw new ArgumentException("tokens and weights must be equally long.");
        }

        /// <summary>Text token ids, without start/end tokens.</summary>
        public int[] Tokens { get; }

        /// <summary>One weight per token.</summary>
        public float[] Weights { get; }
    }

    /// <summary>A prompt cut into encoder-sized chunks (always at least one).</summary>
    public sealed class TokenizedPrompt
    {
        /// <summary>Creates a tokenised prompt.</summary>
        public TokenizedPrompt(IReadOnlyList<PromptChunk> chunks)
        {
            if (chunks == null) throw new ArgumentNullException(nameof(chunks));
            if (chunks.Count == 0) throw new ArgumentException("A tokenised prompt has at least one chunk.", nameof(chunks));
            Chunks = chunks;
        }

        /// <summary>The chunks; each becomes one 77-token encoder input.</summary>
        public IReadOnlyList<PromptChunk> Chunks { get; }

        /// <summary>True when any token has a weight other than 1.</summary>
        public bool IsWeighted
        {
            get
            {
                foreach (var c in Chunks)
                    foreach (var w in c.Weights)
                        if (w != 1f) return true;
                return false;
            }
        }

        /// <summary>
        /// Encoder input ids for <paramref name="chunkCount"/> chunks (<c>chunkCount × 77</c> ids): each chunk framed
        /// by <paramref name="tokenizer"/> (start, tokens, end, its pad id); missing chunks are empty prompts.
        /// Weights are 1 on start, end and padding.
        /// </summary>
        public (int[] Ids, float[] Weights) ToModelInput(ClipTokenizer tokenizer, int chunkCount)
        {
            if (tokenizer == null) throw new ArgumentNullException(nameof(tokenizer));
            if (chunkCount < Chunks.Count)
                throw new ArgumentOutOfRangeException(nameof(chunkCount), $"chunkCount {chunkCount} is less than the prompt's {Chunks.Count} chunks.");
            const int n = ClipTokenizer.DefaultMaxLength;
            var ids = new int[chunkCount * n];
            var weights = new float[chunkCount * n];
            for (int c = 0; c < chunkCount; c++)
            {
                var chunk = c < Chunks.Count ? Chunks[c] : null;
                var framed = tokenizer.Frame(chunk?.Tokens ?? Array.Empty<int>(), n);
                Array.Copy(framed, 0, ids, c * n, n);
                for (int i = 0; i < n; i++) weights[c * n + i] = 1f;
                if (chunk != null)
                    for (int i = 0; i < chunk.Weights.Length && i < n - 2; i++) weights[c * n + 1 + i] = chunk.Weights[i];
            }
            return (ids, weights);
        }
    }

    /// <summary>
    /// AUTOMATIC1111 prompt attention syntax (a port of <c>modules/prompt_parser.parse_prompt_attention</c> and the
    /// chunking of <c>sd_hijack_clip.tokenize_line</c>). Malformed input never throws: what cannot be parsed is text.
    /// </summary>
    public static class PromptWeighting
    {
        /// <summary>Text tokens per chunk (77 minus start and end token).</summary>
        public const int ChunkLength = ClipTokenizer.DefaultMaxLength - 2;

        /// <summary>
        /// Largest attention multiplier (absolute value) a token gets. A1111 has no cap, but deep nesting
        /// (1.1^n) or huge literal weights overflow float32 and turn the whole chunk's embeddings into NaN after
        /// the mean rescale; weights beyond ±100 (already far past any useful emphasis) are clamped, NaN counts as 1.
        /// </summary>
        public const double MaxWeight = 100;

        /// <summary>A1111's default <c>comma_padding_backtrack</c>.</summary>
        public const int DefaultCommaBacktrack = 20;

        const double RoundMultiplier = 1.1;
        const double SquareMultiplier = 1 / 1.1;

        // A1111 re_attention, alternatives in the same order.
        static readonly Regex s_attention = new Regex(
            @"\\\(|\\\)|\\\[|\\\]|\\\\|\\|\(|\[|:\s*([+-]?[.\d]+)\s*\)|\)|\]|[^\\()\[\]:]+|:",
            RegexOptions.CultureInvariant);

        static readonly Regex s_break = new Regex(@"\s*\bBREAK\b\s*", RegexOptions.CultureInvariant | RegexOptions.Singleline);

        /// <summary>
        /// Parses A1111 attention syntax into runs of equal weight. <c>(a)</c> ×1.1, <c>[a]</c> ÷1.1, <c>(a:w)</c> ×w,
        /// nesting multiplies, unclosed brackets apply to the end, <c>\(</c> <c>\)</c> <c>\[</c> <c>\]</c> <c>\\</c> are
        /// literals; an empty prompt gives one empty fragment.
        /// </summary>
        /// <param name="prompt">The prompt text.</param>
        /// <param name="parseBreak">Whether the word <c>BREAK</c> splits chunks (A1111 does).</param>
        public static IReadOnlyList<PromptFragment> Parse(string prompt, bool parseBreak = true)
        {
            if (prompt == null) throw new ArgumentNullException(nameof(prompt));
            var texts = new List<string>();
            var weights = new List<double>();
            var breaks = new List<bool>();
            var round = new List<int>();
            var square = new List<int>();

            void MultiplyRange(int start, double multiplier)
            {
                for (int p = start; p < weights.Count; p++) weights[p] *= multiplier;
            }

            void AddText(string text)
            {
                var parts = parseBreak ? s_break.Split(text) : new[] { text };
                for (int i = 0; i < parts.Length; i++)
                {
                    if (i > 0) { texts.Add("BREAK"); weights.Add(-1); breaks.Add(true); }
                    texts.Add(parts[i]); weights.Add(1.0); breaks.Add(false);
                }
            }

            for (var m = s_attention.Match(prompt); m.Success; m = m.NextMatch())
            {
                var text = m.Value;
                var weight = m.Groups[1];
                if (text[0] == '\\')
                {
                    texts.Add(text.Substring(1)); weights.Add(1.0); breaks.Add(false);
                }
                else if (text == "(") round.Add(weights.Count);
                else if (text == "[") square.Add(weights.Count);
                else if (weight.Success && round.Count > 0)
                {
                    // A1111 would raise on "1.2.3"; here an unparsable weight stays text.
                    if (double.TryParse(weight.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var w)
                        && !double.IsNaN(w) && !double.IsInfinity(w))
                        MultiplyRange(Pop(round), w);
                    else AddText(text);
                }
                else if (text == ")" && round.Count > 0) MultiplyRange(Pop(round), RoundMultiplier);
                else if (text == "]" && square.Count > 0) MultiplyRange(Pop(square), SquareMultiplier);
                else AddText(text);
            }
            foreach (var pos in round) MultiplyRange(pos, RoundMultiplier);
            foreach (var pos in square) MultiplyRange(pos, SquareMultiplier);

            if (texts.Count == 0) { texts.Add(""); weights.Add(1.0); breaks.Add(false); }

            // Merge neighbouring runs of identical weight, as A1111 does.
            var result = new List<PromptFragment>(texts.Count);
            int k = 0;
            while (k < texts.Count)
            {
                var text = texts[k];
                int j = k + 1;
                while (j < texts.Count && weights[j] == weights[k] && breaks[j] == breaks[k]) text += texts[j++];
                result.Add(new PromptFragment(breaks[k] ? "BREAK" : text, weights[k], breaks[k]));
                k = j;
            }
            return result;
        }

        static float ClampWeight(double w) => double.IsNaN(w) ? 1f : (float)Math.Max(-MaxWeight, Math.Min(MaxWeight, w));

        static int Pop(List<int> stack)
        {
            var v = stack[stack.Count - 1];
            stack.RemoveAt(stack.Count - 1);
            return v;
        }

        /// <summary>
        /// Tokenises a prompt into 75-token chunks with per-token weights. <see cref="PromptWeightingMode.None"/>
        /// encodes the text literally (weights 1); <see cref="PromptWeightingMode.A1111"/> parses the attention
        /// syntax, tokenises each run separately and chunks as A1111 (BREAK, comma backtrack).
        /// </summary>
        public static TokenizedPrompt Tokenize(ClipTokenizer tokenizer, string prompt, PromptWeightingMode mode,
            int commaBacktrack = DefaultCommaBacktrack)
        {
            if (tokenizer == null) throw new ArgumentNullException(nameof(tokenizer));
            if (prompt == null) throw new ArgumentNullException(nameof(prompt));
            var chunks = new List<PromptChunk>();
            if (mode == PromptWeightingMode.None)
            {
                var ids = tokenizer.Encode(prompt);
                for (int start = 0; start < ids.Length || chunks.Count == 0; start += ChunkLength)
                {
                    int len = Math.Max(0, Math.Min(ChunkLength, ids.Length - start));
                    var tokens = new int[len];
                    Array.Copy(ids, start, tokens, 0, len);
                    var weights = new float[len];
                    for (int i = 0; i < len; i++) weights[i] = 1f;
                    chunks.Add(new PromptChunk(tokens, weights));
                }
                return new TokenizedPrompt(chunks);
            }

            int comma = tokenizer.IdOf(",</w>");
            var chunkTokens = new List<int>(ChunkLength);
            var chunkWeights = new List<float>(ChunkLength);
            int lastComma = -1;

            void NextChunk()
            {
                chunks.Add(new PromptChunk(chunkTokens.ToArray(), chunkWeights.ToArray()));
                chunkTokens.Clear();
                chunkWeights.Clear();
                lastComma = -1;
            }

            var scratch = new List<int>();
            foreach (var fragment in Parse(prompt))
            {
                if (fragment.IsBreak) { NextChunk(); continue; }
                scratch.Clear();
                tokenizer.EncodeInto(fragment.Text, scratch);
                float weight = ClampWeight(fragment.Weight);
                foreach (var token in scratch)
                {
                    if (token == comma) lastComma = chunkTokens.Count;
                    else if (commaBacktrack != 0 && chunkTokens.Count == ChunkLength && lastComma != -1
                             && chunkTokens.Count - lastComma <= commaBacktrack)
                    {
                        // Move the words after the last comma to the next chunk (A1111 comma_padding_backtrack).
                        int breakAt = lastComma + 1;
                        var relocTokens = chunkTokens.GetRange(breakAt, chunkTokens.Count - breakAt);
                        var relocWeights = chunkWeights.GetRange(breakAt, chunkWeights.Count - breakAt);
                        chunkTokens.RemoveRange(breakAt, chunkTokens.Count - breakAt);
                        chunkWeights.RemoveRange(breakAt, chunkWeights.Count - breakAt);
                        NextChunk();
                        chunkTokens.AddRange(relocTokens);
                        chunkWeights.AddRange(relocWeights);
                    }
                    if (chunkTokens.Count == ChunkLength) NextChunk();
                    chunkTokens.Add(token);
                    chunkWeights.Add(weight);
                }
            }
            if (chunkTokens.Count > 0 || chunks.Count == 0) NextChunk();
            return new TokenizedPrompt(chunks);
        }
    }
}
