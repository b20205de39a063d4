using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InstantIdAvatars.Text
{
    /// <summary>What to encode: the SDXL prompt pair and negative pair, as diffusers' <c>encode_prompt</c> takes them.</summary>
    public sealed class SdxlPromptRequest : IEquatable<SdxlPromptRequest>
    {
        /// <summary>Creates a request.</summary>
        /// <param name="prompt">Prompt for both encoders (and for encoder 2 when <paramref name="prompt2"/> is empty).</param>
        /// <param name="prompt2">Prompt for encoder 2 (OpenCLIP bigG); null or empty = <paramref name="prompt"/>.</param>
        /// <param name="negativePrompt">Negative prompt. <c>null</c> = SDXL's zero unconditional embeddings
        /// (<c>force_zeros_for_empty_prompt</c>); <c>""</c> = the empty prompt is encoded, as diffusers does.</param>
        /// <param name="negativePrompt2">Negative prompt for encoder 2; null or empty = <paramref name="negativePrompt"/>.
        /// Ignored when <paramref name="negativePrompt"/> is null (diffusers 0.25.1 does the same).</param>
        /// <param name="weighting">Prompt weighting syntax; <see cref="PromptWeightingMode.None"/> matches diffusers.</param>
        /// <param name="classifierFreeGuidance">Whether the unconditional embeddings are needed (guidance scale &gt; 1).</param>
        public SdxlPromptRequest(string prompt, string? prompt2 = null, string? negativePrompt = null,
            string? negativePrompt2 = null, PromptWeightingMode weighting = PromptWeightingMode.None,
            bool classifierFreeGuidance = true)
        {
            Prompt = prompt ?? throw new ArgumentNullException(nameof(prompt));
            Prompt2 = prompt2;
            NegativePrompt = negativePrompt;
            NegativePrompt2 = negativePrompt2;
            Weighting = weighting;
            ClassifierFreeGuidance = classifierFreeGuidance;
        }

        /// <summary>Prompt for encoder 1 (and 2 by default).</summary>
        public string Prompt { get; }

        /// <summary>Prompt for encoder 2, or null.</summary>
        public string? Prompt2 { get; }

        /// <summary>Negative prompt, or null for zero unconditional embeddings.</summary>
        public string? NegativePrompt { get; }

        /// <summary>Negative prompt for encoder 2, or null.</summary>
        public string? NegativePrompt2 { get; }

        /// <summary>Weighting syntax.</summary>
        public PromptWeightingMode Weighting { get; }

        /// <summary>Whether unconditional embeddings are produced.</summary>
        public bool ClassifierFreeGuidance { get; }

        /// <summary>The text encoder 2 sees for the prompt (<c>prompt_2 or prompt</c>).</summary>
        public string EffectivePrompt2 => string.IsNullOrEmpty(Prompt2) ? Prompt : Prompt2!;

        /// <summary>The text encoder 2 sees for the negative (<c>negative_prompt_2 or negative_prompt</c>).</summary>
        public string? EffectiveNegativePrompt2 => NegativePrompt == null ? null
            : string.IsNullOrEmpty(NegativePrompt2) ? NegativePrompt : NegativePrompt2;

        /// <inheritdoc />
        public bool Equals(SdxlPromptRequest? other) =>
            other != null && Prompt == other.Prompt && Prompt2 == other.Prompt2 && NegativePrompt == other.NegativePrompt
            && NegativePrompt2 == other.NegativePrompt2 && Weighting == other.Weighting
            && ClassifierFreeGuidance == other.ClassifierFreeGuidance;

        /// <inheritdoc />
        public override bool Equals(object? obj) => Equals(obj as SdxlPromptRequest);

        /// <inheritdoc />
        public override int GetHashCode() =>
            HashCode.Combine(Prompt, Prompt2, NegativePrompt, NegativePrompt2, Weighting, ClassifierFreeGuidance);
    }

    /// <summary>One side (conditional or unconditional) of SDXL text conditioning, batch 1.</summary>
    /// <remarks>The arrays may be shared through <see cref="PromptEmbeddingCache"/>: treat them as read-only.</remarks>
    public sealed class PromptEmbeddings
    {
        /// <summary>Creates embeddings; checks the lengths against the shapes.</summary>
        public PromptEmbeddings(float[] embeds, int[] shape, float[] pooled)
        {
            Embeds = embeds ?? throw new ArgumentNullException(nameof(embeds));
            Shape = shape ?? throw new ArgumentNullException(nameof(shape));
            Pooled = pooled ?? throw new ArgumentNullException(nameof(pooled));
            if (shape.Length != 3 || (long)shape[0] * shape[1] * shape[2] != embeds.Length)
                throw new ArgumentException("embeds must hold shape[0]·shape[1]·shape[2] values for a [B, 77k, C] shape.");
        }

        /// <summary>Token embeddings, row-major <see cref="Shape"/> = [1, 77k, C1+C2] (<c>encoder_hidden_states</c>).</summary>
        public float[] Embeds { get; }

        /// <summary>[1, 77k, C]: k = number of 75-token chunks.</summary>
        public int[] Shape { get; }

        /// <summary>Pooled embedding of encoder 2 (<c>text_embeds</c>), [1, P].</summary>
        public float[] Pooled { get; }

        /// <summary>Sequence length, 77k.</summary>
        public int SequenceLength => Shape[1];

        /// <summary>Channels, C1+C2 (2048 for SDXL).</summary>
        public int Channels => Shape[2];
    }

    /// <summary>Conditional and unconditional SDXL text conditioning for one request.</summary>
    public sealed class EncodedPrompt
    {
        /// <summary>Creates the pair.</summary>
        public EncodedPrompt(PromptEmbeddings conditional, PromptEmbeddings? unconditional, bool unconditionalIsZero)
        {
            Conditional = conditional ?? throw new ArgumentNullException(nameof(conditional));
            Unconditional = unconditional;
            UnconditionalIsZero = unconditionalIsZero;
        }

        /// <summary>Embeddings of the prompt.</summary>
        public PromptEmbeddings Conditional { get; }

        /// <summary>Embeddings of the negative prompt (same shape), or null without classifier-free guidance.</summary>
        public PromptEmbeddings? Unconditional { get; }

        /// <summary>True when <see cref="Unconditional"/> is all zeros (no negative prompt, SDXL default).</summary>
        public bool UnconditionalIsZero { get; }

        /// <summary>
        /// The classifier-free-guidance batch as diffusers builds it (<c>cat([negative, positive])</c>):
        /// embeds [2, 77k, C] and pooled [2, P], unconditional first.
        /// </summary>
        public (float[] Embeds, int[] Shape, float[] Pooled) ToGuidanceBatch()
        {
            if (Unconditional == null)
                throw new InvalidOperationException("This prompt was encoded without classifier-free guidance; there is no unconditional half.");
            var embeds = new float[Conditional.Embeds.Length * 2];
            Array.Copy(Unconditional.Embeds, 0, embeds, 0, Unconditional.Embeds.Length);
            Array.Copy(Conditional.Embeds, 0, embeds, Unconditional.Embeds.Length, Conditional.Embeds.Length);
            var pooled = new float[Conditional.Pooled.Length * 2];
            Array.Copy(Unconditional.Pooled, 0, pooled, 0, Unconditional.Pooled.Length);
            Array.Copy(Conditional.Pooled, 0, pooled, Unconditional.Pooled.Length, Conditional.Pooled.Length);
            return (embeds, new[] { 2, Conditional.Shape[1], Conditional.Shape[2] }, pooled);
        }
    }

    /// <summary>A text encoder graph does not follow the model-set contract, or running it failed.</summary>
    public sealed class TextEncoderException : InstantIdException
    {
        /// <summary>Creates the exception.</summary>
        public TextEncoderException(string message) : base(message) { }

        /// <summary>Creates the exception with its cause.</summary>
        public TextEncoderException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>A prompt needs more 75-token chunks than <see cref="SdxlTextEncoder.MaxChunks"/>.</summary>
    public sealed class PromptTooLongException : InstantIdException
    {
        /// <summary>Creates the exception.</summary>
        public PromptTooLongException(int chunks, int maxChunks)
            : base($"The prompt needs {chunks} chunks of 75 tokens; at most {maxChunks} are encoded (each chunk adds 77 tokens to every "
                   + "cross-attention of the UNet). Shorten the prompt or use fewer BREAKs.")
        {
            Chunks = chunks;
            MaxChunks = maxChunks;
        }

        /// <summary>Chunks the prompt (or its negative) needed.</summary>
        public int Chunks { get; }

        /// <summary>The limit.</summary>
        public int MaxChunks { get; }
    }

    /// <summary>
    /// SDXL text conditioning from the two CLIP text encoders, as diffusers 0.25.1
    /// <c>StableDiffusionXLPipeline.encode_prompt</c>: penultimate hidden states of both encoders concatenated on the
    /// channel axis, pooled = <c>text_embeds</c> of encoder 2, zero unconditional embeddings when there is no negative
    /// prompt. Adds long prompts (75-token chunks concatenated on the sequence axis) and optional A1111 weighting.
    /// Thread-safe; the sessions are not disposed unless <c>ownsSessions</c> is set.
    /// </summary>
    public sealed class SdxlTextEncoder : IDisposable
    {
        /// <summary>
        /// Most 75-token chunks a prompt may need (4 800 tokens). A1111 has no cap, but text from players is
        /// untrusted: 300 <c>BREAK</c>s or 20 000 characters of brackets would make hundreds of chunks, gigabytes
        /// of embeddings and a UNet cross-attention over tens of thousands of tokens.
        /// </summary>
        public const int MaxChunks = 64;

        const string InputName = "input_ids";
        const int SeqLen = ClipTokenizer.DefaultMaxLength;

        readonly EncoderGraph _encoder1;
        readonly EncoderGraph _encoder2;
        readonly bool _ownsSessions;
        bool _disposed;

        /// <summary>Wraps the two text-encoder sessions of a model set.</summary>
        /// <param name="textEncoder">text_encoder/model.onnx: input_ids → hidden_states.0..N.</param>
        /// <param name="textEncoder2">text_encoder_2/model.onnx: input_ids → text_embeds, hidden_states.0..N.</param>
        /// <param name="tokenizer">tokenizer/ (pads with &lt;|endoftext|&gt;).</param>
        /// <param name="tokenizer2">tokenizer_2/ (pads with "!").</param>
        /// <param name="forceZerosForEmptyPrompt">SDXL base's <c>force_zeros_for_empty_prompt</c> (true).</param>
        /// <param name="ownsSessions">Dispose the sessions with this object.</param>
        public SdxlTextEncoder(InferenceSession textEncoder, InferenceSession textEncoder2, ClipTokenizer tokenizer,
            ClipTokenizer tokenizer2, bool forceZerosForEmptyPrompt = true, bool ownsSessions = false)
        {
            if (textEncoder == null) throw new ArgumentNullException(nameof(textEncoder));
            if (textEncoder2 == null) throw new ArgumentNullException(nameof(textEncoder2));
            Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
            Tokenizer2 = tokenizer2 ?? throw new ArgumentNullException(nameof(tokenizer2));
            _encoder1 = new EncoderGraph(textEncoder, "text_encoder", needsPooled: false);
            _encoder2 = new EncoderGraph(textEncoder2, "text_encoder_2", needsPooled: true);
            ForceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
            _ownsSessions = ownsSessions;
        }

        /// <summary>Tokenizer of encoder 1.</summary>
        public ClipTokenizer Tokenizer { get; }

        /// <summary>Tokenizer of encoder 2.</summary>
        public ClipTokenizer Tokenizer2 { get; }

        /// <summary>Whether a null negative prompt gives zero unconditional embeddings.</summary>
        public bool ForceZerosForEmptyPrompt { get; }

        /// <summary>Hidden size of encoder 1 (768 for SDXL).</summary>
        public int Channels1 => _encoder1.Channels;

        /// <summary>Hidden size of encoder 2 (1280 for SDXL).</summary>
        public int Channels2 => _encoder2.Channels;

        /// <summary>Cross-attention width C = <see cref="Channels1"/> + <see cref="Channels2"/>.</summary>
        public int Channels => Channels1 + Channels2;

        /// <summary>Pooled width P (1280 for SDXL).</summary>
        public int PooledChannels => _encoder2.PooledChannels;

        /// <summary>Encodes a prompt and its negative.</summary>
        public EncodedPrompt Encode(SdxlPromptRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (_disposed) throw new ObjectDisposedException(nameof(SdxlTextEncoder));

            var mode = request.Weighting;
            // Each side is checked as soon as it is tokenised, so a hostile prompt is refused after one pass.
            var p1 = WithinLimit(PromptWeighting.Tokenize(Tokenizer, request.Prompt, mode));
            var p2 = WithinLimit(PromptWeighting.Tokenize(Tokenizer2, request.EffectivePrompt2, mode));
            bool cfg = request.ClassifierFreeGuidance;
            bool zeroUncond = cfg && request.NegativePrompt == null && ForceZerosForEmptyPrompt;
            bool encodeUncond = cfg && !zeroUncond;
            TokenizedPrompt? n1 = null, n2 = null;
            if (encodeUncond)
            {
                n1 = WithinLimit(PromptWeighting.Tokenize(Tokenizer, request.NegativePrompt ?? "", mode));
                n2 = WithinLimit(PromptWeighting.Tokenize(Tokenizer2, request.EffectiveNegativePrompt2 ?? "", mode));
            }

            // Both sides get the same number of chunks so that they batch together for guidance (A1111 does the same).
            int k = Math.Max(p1.Chunks.Count, p2.Chunks.Count);
            if (n1 != null) k = Math.Max(k, Math.Max(n1.Chunks.Count, n2!.Chunks.Count));

            // One run per encoder: conditional chunks then unconditional chunks.
            var (hidden1, _) = _encoder1.Run(Stack(Tokenizer, k, p1, n1), encodeUncond ? 2 * k : k);
            var (hidden2, pooled2) = _encoder2.Run(Stack(Tokenizer2, k, p2, n2), encodeUncond ? 2 * k : k);

            var cond = Assemble(hidden1, hidden2, pooled2!, 0, k, p1, p2);
            PromptEmbeddings? uncond = null;
            if (encodeUncond)
                uncond = Assemble(hidden1, hidden2, pooled2!, k, k, n1!, n2!);
            else if (zeroUncond)
                uncond = new PromptEmbeddings(new float[cond.Embeds.Length], (int[])cond.Shape.Clone(), new float[cond.Pooled.Length]);
            return new EncodedPrompt(cond, uncond, zeroUncond);
        }

        /// <summary>Encodes <paramref name="prompt"/> with the diffusers defaults for the other arguments.</summary>
        public EncodedPrompt Encode(string prompt, string? negativePrompt = null,
            PromptWeightingMode weighting = PromptWeightingMode.None) =>
            Encode(new SdxlPromptRequest(prompt, null, negativePrompt, null, weighting));

        static TokenizedPrompt WithinLimit(TokenizedPrompt prompt) =>
            prompt.Chunks.Count > MaxChunks ? throw new PromptTooLongException(prompt.Chunks.Count, MaxChunks) : prompt;

        static (int[] Ids, float[] Weights) Stack(ClipTokenizer tokenizer, int k, TokenizedPrompt cond, TokenizedPrompt? uncond)
        {
            var (ids, weights) = cond.ToModelInput(tokenizer, k);
            if (uncond == null) return (ids, weights);
            var (uIds, uWeights) = uncond.ToModelInput(tokenizer, k);
            var allIds = new int[ids.Length * 2];
            var allWeights = new float[ids.Length * 2];
            ids.CopyTo(allIds, 0);
            uIds.CopyTo(allIds, ids.Length);
            weights.CopyTo(allWeights, 0);
            uWeights.CopyTo(allWeights, ids.Length);
            return (allIds, allWeights);
        }

        PromptEmbeddings Assemble(EncoderOutput h1, EncoderOutput h2, float[] pooled2, int firstRow, int k,
            TokenizedPrompt t1, TokenizedPrompt t2)
        {
            int c1 = h1.Channels, c2 = h2.Channels, c = c1 + c2;
            var embeds = new float[k * SeqLen * c];
            for (int chunk = 0; chunk < k; chunk++)
            {
                int row = firstRow + chunk;
                var z1 = Weighted(h1, row, t1.IsWeighted);
                var z2 = Weighted(h2, row, t2.IsWeighted);
                for (int t = 0; t < SeqLen; t++)
                {
                    int dst = (chunk * SeqLen + t) * c;
                    Array.Copy(z1, t * c1, embeds, dst, c1);
                    Array.Copy(z2, t * c2, embeds, dst + c1, c2);
                }
            }
            // Pooled comes from the first chunk only, unweighted, as A1111 (and diffusers, which has one chunk).
            int p = _encoder2.PooledChannels;
            var pooled = new float[p];
            Array.Copy(pooled2, firstRow * p, pooled, 0, p);
            return new PromptEmbeddings(embeds, new[] { 1, k * SeqLen, c }, pooled);
        }

        // A1111 (sd_hijack_clip.process_tokens): z *= weight per token, then rescale so the mean over the chunk's
        // [77, C] values is what it was before weighting. Done per encoder and per chunk of one prompt here
        // (A1111 takes the mean over its whole batch).
        static float[] Weighted(EncoderOutput h, int row, bool weighted)
        {
            int n = SeqLen * h.Channels;
            var z = new float[n];
            Array.Copy(h.Hidden, row * n, z, 0, n);
            if (!weighted) return z;
            double before = 0;
            for (int i = 0; i < n; i++) before += z[i];
            before /= n;
            for (int t = 0; t < SeqLen; t++)
            {
                float w = h.Weights[row * SeqLen + t];
                if (w == 1f) continue;
                for (int i = t * h.Channels; i < (t + 1) * h.Channels; i++) z[i] *= w;
            }
            double after = 0;
            for (int i = 0; i < n; i++) after += z[i];
            after /= n;
            if (after != 0 && !double.IsNaN(after))
            {
                float scale = (float)(before / after);
                for (int i = 0; i < n; i++) z[i] *= scale;
            }
            return z;
        }

        /// <summary>Disposes the sessions when this object owns them.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (_ownsSessions)
            {
                _encoder1.Session.Dispose();
                _encoder2.Session.Dispose();
            }
        }

        internal sealed class EncoderOutput
        {
            public EncoderOutput(float[] hidden, int channels, float[] weights)
            {
                Hidden = hidden;
                Channels = channels;
                Weights = weights;
            }

            public float[] Hidden { get; }
            public int Channels { get; }
            public float[] Weights { get; }
        }

        /// <summary>One text-encoder graph: validated names and the penultimate hidden-state output.</summary>
        internal sealed class EncoderGraph
        {
            readonly string _what;
            readonly bool _int64Ids;
            readonly string[] _outputs;

            public EncoderGraph(InferenceSession session, string what, bool needsPooled)
            {
                Session = session;
                _what = what;
                if (!session.InputMetadata.TryGetValue(InputName, out var input))
                    throw new TextEncoderException($"{what}/model.onnx has no input '{InputName}' (it has: {string.Join(", ", session.InputMetadata.Keys)}). Export it with Optimum's SDXL text-encoder layout: input_ids int32 [B,77].");
                if (input.ElementDataType == TensorElementType.Int64) _int64Ids = true;
                else if (input.ElementDataType != TensorElementType.Int32)
                    throw new TextEncoderException($"{what}/model.onnx input '{InputName}' is {input.ElementDataType}; expected int32 (or int64).");

                // hidden_states.0 is the embedding output, hidden_states.N the last layer: N+1 entries.
                int n = -1;
                foreach (var name in session.OutputMetadata.Keys)
                {
                    const string prefix = "hidden_states.";
                    if (name.StartsWith(prefix, StringComparison.Ordinal)
                        && int.TryParse(name.Substring(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var idx))
                        n = Math.Max(n, idx);
                }
                if (n < 1)
                    throw new TextEncoderException($"{what}/model.onnx has no 'hidden_states.0..N' outputs (it has: {string.Join(", ", session.OutputMetadata.Keys)}). SDXL needs the penultimate hidden state; export with output_hidden_states=True.");
                var penultimate = "hidden_states." + (n - 1).ToString(CultureInfo.InvariantCulture);
                if (!session.OutputMetadata.TryGetValue(penultimate, out var hidden))
                    throw new TextEncoderException($"{what}/model.onnx has hidden_states.{n} but not '{penultimate}'; all of hidden_states.0..{n} must be outputs.");
                Channels = LastDim(hidden, what, penultimate);
                if (needsPooled)
                {
                    if (!session.OutputMetadata.TryGetValue("text_embeds", out var pooled))
                        throw new TextEncoderException($"{what}/model.onnx has no output 'text_embeds' (the projected pooled embedding of CLIPTextModelWithProjection).");
                    PooledChannels = LastDim(pooled, what, "text_embeds");
                    _outputs = new[] { penultimate, "text_embeds" };
                }
                else _outputs = new[] { penultimate };
            }

            public InferenceSession Session { get; }
            public int Channels { get; }
            public int PooledChannels { get; }

            static int LastDim(NodeMetadata meta, string what, string name)
            {
                var dims = meta.Dimensions;
                if (dims.Length == 0 || dims[dims.Length - 1] <= 0)
                    throw new TextEncoderException($"{what}/model.onnx output '{name}' needs a fixed last (channel) dimension; it has [{string.Join(",", dims)}].");
                return dims[dims.Length - 1];
            }

            /// <summary>Runs the graph on <paramref name="rows"/> × 77 ids; returns the penultimate hidden state
            /// [rows, 77, C] and, for encoder 2, text_embeds [rows, P].</summary>
            public (EncoderOutput Hidden, float[]? Pooled) Run((int[] Ids, float[] Weights) input, int rows)
            {
                var shape = new long[] { rows, SeqLen };
                OrtValue? ids = null;
                try
                {
                    if (_int64Ids)
                    {
                        var longIds = new long[input.Ids.Length];
                        for (int i = 0; i < longIds.Length; i++) longIds[i] = input.Ids[i];
                        ids = OrtValue.CreateTensorValueFromMemory(longIds, shape);
                    }
                    else ids = OrtValue.CreateTensorValueFromMemory(input.Ids, shape);

                    using var runOptions = new RunOptions();
                    using var results = Session.Run(runOptions, new[] { InputName }, new[] { ids }, _outputs);
                    var hidden = ToFloat(results[0], rows * SeqLen * Channels, _outputs[0]);
                    float[]? pooled = _outputs.Length > 1 ? ToFloat(results[1], rows * PooledChannels, _outputs[1]) : null;
                    return (new EncoderOutput(hidden, Channels, input.Weights), pooled);
                }
                catch (OnnxRuntimeException e)
                {
                    throw new TextEncoderException($"{_what}/model.onnx failed on input_ids [{rows},{SeqLen}]: {e.Message}", e);
                }
                finally
                {
                    ids?.Dispose();
                }
            }

            float[] ToFloat(OrtValue value, int expected, string name)
            {
                var info = value.GetTensorTypeAndShape();
                if (info.ElementCount != expected)
                    throw new TextEncoderException($"{_what}/model.onnx output '{name}' has shape [{string.Join(",", info.Shape)}]; expected {expected} values ([rows,77,C] or [rows,P]).");
                var result = new float[expected];
                switch (info.ElementDataType)
                {
                    case TensorElementType.Float:
                        value.GetTensorDataAsSpan<float>().CopyTo(result);
                        break;
                    case TensorElementType.Float16:
                        var half = value.GetTensorDataAsSpan<Float16>();
                        for (int i = 0; i < expected; i++) result[i] = (float)half[i];
                        break;
                    default:
                        throw new TextEncoderException($"{_what}/model.onnx output '{name}' is {info.ElementDataType}; expected float32 or float16.");
                }
                return result;
            }
        }
    }
}
