using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Faces
{
    /// <summary>How several reference photos of one person become the identity input.</summary>
    public enum MultiReferenceMode
    {
        /// <summary>Element-wise mean of the raw embeddings (the InstantID paper's multi-reference mode): [1,512].</summary>
        Average,

        /// <summary>
        /// Mean of the L2-normalised embeddings, rescaled to the mean raw norm: every photo weighs the same
        /// whatever its embedding's magnitude, and the result keeps the magnitude the Resampler was trained on.
        /// </summary>
        NormAverage,

        /// <summary>All raw embeddings as K tokens [K,512] (image_proj takes face_embeds [B,K,512]).</summary>
        Stacked,
    }

    /// <summary>Combines embeddings of several reference photos and measures how well they agree.</summary>
    public static class IdentityEmbedding
    {
        /// <summary>
        /// The identity input for <paramref name="mode"/>, flattened row-major: 512 floats (K = 1) for the
        /// averages, K·512 for <see cref="MultiReferenceMode.Stacked"/>. <paramref name="tokens"/> is K.
        /// </summary>
        public static float[] Combine(IReadOnlyList<float[]> embeddings, MultiReferenceMode mode, out int tokens)
        {
            Check(embeddings);
            int d = embeddings[0].Length, k = embeddings.Count;
            switch (mode)
            {
                case MultiReferenceMode.Average:
                    tokens = 1;
                    return Mean(embeddings, false);
                case MultiReferenceMode.NormAverage:
                {
                    tokens = 1;
                    var mean = Mean(embeddings, true);
                    double meanNorm = 0;
                    foreach (var e in embeddings) meanNorm += ArcFaceRecognizer.L2Norm(e);
                    meanNorm /= k;
                    double norm = ArcFaceRecognizer.L2Norm(mean);
                    if (norm == 0) return mean;
                    for (int i = 0; i < d; i++) mean[i] = (float)(mean[i] / norm * meanNorm);
                    return mean;
                }
                case MultiReferenceMode.Stacked:
                {
                    tokens = k;
                    var stacked = new float[k * d];
                    for (int j = 0; j < k; j++) Array.Copy(embeddings[j], 0, stacked, j * d, d);
                    return stacked;
                }
                default:
                    throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown multi-reference mode");
            }
        }

        /// <summary>
        /// Cosine similarity of each photo's embedding to the mean of all of them: a photo well below the others
        /// (e.g. &lt; 0.5 when the rest are &gt; 0.8) is probably a different person or a bad detection.
        /// </summary>
        public static float[] SimilarityToMean(IReadOnlyList<float[]> embeddings)
        {
            Check(embeddings);
            var mean = Mean(embeddings, true);
            var result = new float[embeddings.Count];
            for (int j = 0; j < result.Length; j++) result[j] = ArcFaceRecognizer.CosineSimilarity(embeddings[j], mean);
            return result;
        }

        static float[] Mean(IReadOnlyList<float[]> embeddings, bool normalise)
        {
            int d = embeddings[0].Length;
            var sum = new double[d];
            foreach (var e in embeddings)
            {
                double scale = 1;
                if (normalise)
                {
                    double n = ArcFaceRecognizer.L2Norm(e);
                    scale = n > 0 ? 1 / n : 0;
                }
                for (int i = 0; i < d; i++) sum[i] += e[i] * scale;
            }
            var mean = new float[d];
            for (int i = 0; i < d; i++) mean[i] = (float)(sum[i] / embeddings.Count);
            return mean;
        }

        static void Check(IReadOnlyList<float[]> embeddings)
        {
            if (embeddings == null) throw new ArgumentNullException(nameof(embeddings));
            if (embeddings.Count == 0) throw new ArgumentException("at least one reference embedding is needed", nameof(embeddings));
            int d = embeddings[0]?.Length ?? 0;
            if (d == 0) throw new ArgumentException("embeddings must not be empty", nameof(embeddings));
            for (int j = 1; j < embeddings.Count; j++)
                if (embeddings[j] == null || embeddings[j].Length != d)
                    throw new ArgumentException($"embedding {j} has length {embeddings[j]?.Length ?? 0}, expected {d}", nameof(embeddings));
        }
    }
}
