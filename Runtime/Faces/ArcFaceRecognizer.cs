using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using InstantIdAvatars.Imaging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Faces
{
    /// <summary>
    /// ArcFace identity embedding as insightface's ArcFaceONNX (antelopev2 glintr100): aligned 112×112 crop →
    /// blob (RGB, (p − 127.5)/127.5) → raw 512-d embedding. InstantID feeds the RAW (not normalised) embedding
    /// to its Resampler. The session is borrowed, not owned.
    /// </summary>
    public sealed class ArcFaceRecognizer
    {
        const float InputMean = 127.5f;
        const float InputStd = 127.5f;

        readonly InferenceSession _session;
        readonly string _inputName;
        readonly string _outputName;
        readonly bool _batchOfOne; // a model exported with a fixed batch of 1 is run crop by crop

        /// <summary>Wraps a loaded recognizer session; names and the crop size are read from its metadata.</summary>
        /// <exception cref="FaceModelException">the model does not take [B,3,S,S] or give [B,D].</exception>
        public ArcFaceRecognizer(InferenceSession session)
        {
            _session = session ?? throw new ArgumentNullException(nameof(session));
            if (_session.InputMetadata.Count != 1 || _session.OutputNames.Count < 1)
                throw new FaceModelException($"face/recognizer.onnx must have one input [B,3,112,112] and an embedding output; it has {_session.InputMetadata.Count} inputs and {_session.OutputNames.Count} outputs.");
            var input = _session.InputMetadata.First();
            _inputName = input.Key;
            var dims = input.Value.Dimensions;
            if (dims.Length != 4 || (dims[1] > 0 && dims[1] != 3) || (dims[2] > 0 && dims[3] > 0 && dims[2] != dims[3]))
                throw new FaceModelException($"face/recognizer.onnx input '{_inputName}' must be [B,3,S,S] (ArcFace: 112×112); it is [{string.Join(",", dims)}].");
            InputSize = dims[2] > 0 ? dims[2] : 112;
            _batchOfOne = dims[0] == 1;
            _outputName = _session.OutputNames[0];
            var outDims = _session.OutputMetadata[_outputName].Dimensions;
            EmbeddingSize = outDims.Length == 2 && outDims[1] > 0 ? outDims[1] : 512;
        }

        /// <summary>Side of the aligned crop the model takes (112 for ArcFace).</summary>
        public int InputSize { get; }

        /// <summary>Length of the embedding (512 for ArcFace).</summary>
        public int EmbeddingSize { get; }

        /// <summary>Aligns the face by its five keypoints (insightface's norm_crop) and returns the raw embedding.</summary>
        public float[] Embed(Image<Rgb24> image, IReadOnlyList<Vector2> keypoints)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            return EmbedCrops(new[] { ArcFaceAligner.NormCrop(RgbBuffer.From(image), keypoints, InputSize) })[0];
        }

        /// <summary>The raw embedding of an already aligned <see cref="InputSize"/>² crop.</summary>
        public float[] EmbedAligned(Image<Rgb24> alignedCrop)
        {
            if (alignedCrop == null) throw new ArgumentNullException(nameof(alignedCrop));
            if (alignedCrop.Width != InputSize || alignedCrop.Height != InputSize)
                throw new ArgumentException($"the aligned crop must be {InputSize}x{InputSize}, got {alignedCrop.Width}x{alignedCrop.Height}; use ArcFaceAligner.NormCrop", nameof(alignedCrop));
            return EmbedCrops(new[] { RgbBuffer.From(alignedCrop) })[0];
        }

        internal float[][] EmbedCrops(IReadOnlyList<RgbBuffer> crops)
        {
            if (_batchOfOne && crops.Count > 1)
            {
                var each = new float[crops.Count][];
                for (int i = 0; i < crops.Count; i++) each[i] = EmbedCrops(new[] { crops[i] })[0];
                return each;
            }
            int n = crops.Count, plane = 3 * InputSize * InputSize;
            var blob = new float[n * plane];
            for (int i = 0; i < n; i++)
                TensorBlob.Write(crops[i], InputMean, 1f / InputStd, blob.AsSpan(i * plane, plane));
            var tensor = new DenseTensor<float>(blob, new[] { n, 3, InputSize, InputSize });
            using var results = _session.Run(new[] { NamedOnnxValue.CreateFromTensor(_inputName, tensor) }, new[] { _outputName });
            var flat = results.First().AsTensor<float>().ToArray();
            int d = flat.Length / n;
            var output = new float[n][];
            for (int i = 0; i < n; i++) output[i] = flat.AsSpan(i * d, d).ToArray();
            return output;
        }

        /// <summary>The embedding divided by its L2 norm (insightface's normed_embedding).</summary>
        public static float[] Normalize(ReadOnlySpan<float> embedding)
        {
            double norm = L2Norm(embedding);
            if (norm == 0) throw new ArgumentException("cannot normalise an all-zero embedding", nameof(embedding));
            var result = new float[embedding.Length];
            for (int i = 0; i < result.Length; i++) result[i] = (float)(embedding[i] / norm);
            return result;
        }

        /// <summary>L2 norm (raw ArcFace embeddings are typically 18–26).</summary>
        public static double L2Norm(ReadOnlySpan<float> embedding)
        {
            double sum = 0;
            foreach (var v in embedding) sum += (double)v * v;
            return Math.Sqrt(sum);
        }

        /// <summary>Cosine similarity of two embeddings (same person: typically &gt; 0.4 for ArcFace).</summary>
        public static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            if (a.Length != b.Length) throw new ArgumentException($"embeddings differ in length ({a.Length} vs {b.Length})");
            double dot = 0, na = 0, nb = 0;
            for (int i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
            if (na == 0 || nb == 0) return 0f;
            return (float)(dot / Math.Sqrt(na * nb));
        }
    }
}
