using InstantIdAvatars.Models;
using System;
using InstantIdAvatars.Diffusion;
using InstantIdAvatars.Schedulers;
using Microsoft.ML.OnnxRuntime;

namespace InstantIdAvatars.Identity
{
    /// <summary>The identity tokens of one generation: conditional and, with classifier-free guidance, unconditional.</summary>
    public sealed class IdentityTokens
    {
        internal IdentityTokens(float[] conditional, float[]? unconditional, int tokenCount, int hiddenSize)
        {
            Conditional = conditional;
            Unconditional = unconditional;
            TokenCount = tokenCount;
            HiddenSize = hiddenSize;
        }

        /// <summary>[1,16,C] tokens of the face embedding(s).</summary>
        public float[] Conditional { get; }

        /// <summary>[1,16,C] tokens of the negative embedding (all zeros by default); null without guidance.</summary>
        public float[]? Unconditional { get; }

        /// <summary>Tokens per image (16 for InstantID).</summary>
        public int TokenCount { get; }

        /// <summary>Token width C (2048 for SDXL = the UNet's cross-attention width).</summary>
        public int HiddenSize { get; }
    }

    /// <summary>
    /// Runs InstantID's image projection (the Resampler, <c>image_proj/model.onnx</c>: face_embeds [B,K,512] →
    /// image_prompt_embeds [B,16,C]) and builds the token pair for classifier-free guidance exactly as the pipeline's
    /// <c>_encode_prompt_image_emb</c>: one batched call on <c>cat([zeros_like(emb), emb])</c>, so the unconditional
    /// tokens are the Resampler's answer to an all-zero embedding (not zeros). The session belongs to the caller.
    /// </summary>
    public sealed class IdentityTokenizer : IDisposable
    {
        readonly SessionIo _io;

        /// <summary>Wraps <paramref name="imageProjSession"/> (not owned) and checks its names against the contract.</summary>
        public IdentityTokenizer(InferenceSession imageProjSession, string label = "image_proj")
        {
            _io = new SessionIo(imageProjSession, label);
            _io.RequireInputs("face_embeds");
            _io.RequireOutputs("image_prompt_embeds");
            var dims = _io.InputDimensions("face_embeds");
            if (dims.Length != 3)
                throw new ModelBindingException($"The {label} model's input 'face_embeds' must be [B,K,512], it has rank {dims.Length}.");
            EmbeddingSize = dims[2] > 0 ? dims[2] : 512;
        }

        /// <summary>Length of one face embedding (512 for ArcFace).</summary>
        public int EmbeddingSize { get; }

        /// <summary>
        /// One Resampler call: <paramref name="faceEmbeds"/> [batch, perItem, EmbeddingSize] → [batch, tokens, C].
        /// </summary>
        public float[] Project(ReadOnlySpan<float> faceEmbeds, int batch, int embeddingsPerItem, out int tokenCount, out int hiddenSize)
        {
            if (batch < 1 || embeddingsPerItem < 1 || faceEmbeds.Length != batch * embeddingsPerItem * EmbeddingSize)
                throw new ArgumentException(
                    $"face embeddings of {faceEmbeds.Length} values are not [{batch},{embeddingsPerItem},{EmbeddingSize}]; pass raw ArcFace embeddings of {EmbeddingSize} values each.",
                    nameof(faceEmbeds));
            _io.Write("face_embeds", faceEmbeds, batch, embeddingsPerItem, EmbeddingSize);
            _io.Run();
            var output = _io.Output("image_prompt_embeds");
            if (output.Shape.Length != 3)
                throw new ModelBindingException($"The {_io.Label} model's output 'image_prompt_embeds' must be [B,16,C].");
            tokenCount = (int)output.Shape[1];
            hiddenSize = (int)output.Shape[2];
            var result = new float[output.Length];
            output.Read(result);
            return result;
        }

        /// <summary>
        /// Identity tokens for a generation from one or more raw (not L2-normalised) ArcFace embeddings
        /// (<paramref name="embeddings"/> = K × 512 values; several photos of one person give K &gt; 1).
        /// With <paramref name="classifierFreeGuidance"/> the unconditional tokens come from an all-zero embedding of
        /// the same shape, or, when <paramref name="negativeNoise"/> is given, from N(0,1) noise drawn from it
        /// (an option some InstantID front-ends use; off by default to match the reference pipeline).
        /// </summary>
        public IdentityTokens Encode(ReadOnlySpan<float> embeddings, bool classifierFreeGuidance = true, INoiseSource? negativeNoise = null)
        {
            if (embeddings.Length == 0 || embeddings.Length % EmbeddingSize != 0)
                throw new ArgumentException(
                    $"face embeddings of {embeddings.Length} values are not a whole number of {EmbeddingSize}-value ArcFace embeddings.",
                    nameof(embeddings));
            int k = embeddings.Length / EmbeddingSize;
            if (!classifierFreeGuidance)
            {
                var tokens = Project(embeddings, 1, k, out int count, out int hidden);
                return new IdentityTokens(tokens, null, count, hidden);
            }
            // Upstream: cat([zeros_like(emb), emb], dim=0) then one Resampler call for both rows.
            var batch = new float[2 * embeddings.Length];
            if (negativeNoise != null) negativeNoise.Fill(batch.AsSpan(0, embeddings.Length));
            embeddings.CopyTo(batch.AsSpan(embeddings.Length));
            var both = Project(batch, 2, k, out int tokenCount, out int hiddenSize);
            int row = tokenCount * hiddenSize;
            var unconditional = both.AsSpan(0, row).ToArray();
            var conditional = both.AsSpan(row, row).ToArray();
            return new IdentityTokens(conditional, unconditional, tokenCount, hiddenSize);
        }

        /// <summary>Frees the native buffers (not the session).</summary>
        public void Dispose() => _io.Dispose();
    }
}
