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
    /// <summary>Settings of <see cref="ScrfdDetector"/>; defaults are insightface's / InstantID's.</summary>
    public sealed class ScrfdOptions
    {
        /// <summary>Square detector input size for models with a dynamic input (model_index.json face.det_size; 640).</summary>
        public int DetSize { get; set; } = 640;

        /// <summary>Minimum score kept (insightface det_thresh 0.5, compared with &gt;=).</summary>
        public float ScoreThreshold { get; set; } = 0.5f;

        /// <summary>NMS IoU above which the lower-scored box is dropped (insightface nms_thresh 0.4).</summary>
        public float NmsThreshold { get; set; } = 0.4f;

        /// <summary>
        /// When nothing is found and the model accepts any size, retry at smaller sizes (DetSize−64 … 192):
        /// a face that fills most of a close-up photo is often found only at a smaller input.
        /// </summary>
        public bool RetrySmallerSizes { get; set; } = true;

        internal const int MinRetrySize = 192;
        internal const int RetryStep = 64;
    }

    /// <summary>
    /// The SCRFD face detector (antelopev2 scrfd_10g_bnkps) as insightface 0.7.3's <c>SCRFD.detect</c>:
    /// letterbox into the top-left of a black square, blob (RGB, (p−127.5)/128), decode strides 8/16/32 with
    /// two anchors per location, score threshold, NMS, back to source pixels. The session is borrowed, not owned.
    /// </summary>
    public sealed class ScrfdDetector
    {
        const float InputMean = 127.5f;
        const float InputStd = 128f;

        readonly InferenceSession _session;
        readonly ScrfdOptions _options;
        readonly string _inputName;
        readonly string[] _outputNames;
        readonly int _fixedWidth, _fixedHeight; // 0 when dynamic
        readonly int[] _strides;
        readonly int _anchors;

        /// <summary>Wraps a loaded detector session; input and output names are read from its metadata.</summary>
        /// <exception cref="FaceModelException">the model is not an SCRFD with keypoints.</exception>
        public ScrfdDetector(InferenceSession session, ScrfdOptions? options = null)
        {
            _session = session ?? throw new ArgumentNullException(nameof(session));
            _options = options ?? new ScrfdOptions();
            if (_session.InputMetadata.Count != 1)
                throw new FaceModelException($"face/detector.onnx must have one image input [1,3,H,W]; it has {_session.InputMetadata.Count} inputs.");
            var input = _session.InputMetadata.First();
            _inputName = input.Key;
            var dims = input.Value.Dimensions;
            if (dims.Length != 4 || (dims[1] != 3 && dims[1] > 0))
                throw new FaceModelException($"face/detector.onnx input '{_inputName}' must be [1,3,H,W]; it is [{string.Join(",", dims)}].");
            if (dims[2] > 0 && dims[3] > 0) { _fixedHeight = dims[2]; _fixedWidth = dims[3]; }
            _outputNames = _session.OutputNames.ToArray();
            // As insightface's SCRFD._init_vars: 9 outputs = 3 strides with keypoints, 2 anchors; 15 = 5 strides, 1 anchor.
            switch (_outputNames.Length)
            {
                case 9: _strides = new[] { 8, 16, 32 }; _anchors = 2; break;
                case 15: _strides = new[] { 8, 16, 32, 64, 128 }; _anchors = 1; break;
                default:
                    throw new FaceModelException($"face/detector.onnx has {_outputNames.Length} outputs; an SCRFD model with 5 keypoints has 9 (scores, boxes, keypoints for strides 8/16/32, like antelopev2 scrfd_10g_bnkps) or 15.");
            }
        }

        /// <summary>Detects faces; an empty result (never an exception) when none is found.</summary>
        public FaceDetectionResult Detect(Image<Rgb24> image)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            var buffer = RgbBuffer.From(image);
            foreach (var size in DetSizes())
            {
                var faces = DetectAt(buffer, size.W, size.H);
                if (faces.Count > 0 || size.W <= ScrfdOptions.MinRetrySize)
                    return new FaceDetectionResult(faces, image.Width, image.Height, size.W, _options.ScoreThreshold);
                if (!_options.RetrySmallerSizes) return new FaceDetectionResult(faces, image.Width, image.Height, size.W, _options.ScoreThreshold);
            }
            return new FaceDetectionResult(Array.Empty<DetectedFace>(), image.Width, image.Height, _options.DetSize, _options.ScoreThreshold);
        }

        IEnumerable<(int W, int H)> DetSizes()
        {
            if (_fixedWidth > 0) { yield return (_fixedWidth, _fixedHeight); yield break; }
            int s = _options.DetSize;
            yield return (s, s);
            for (s -= ScrfdOptions.RetryStep; s >= ScrfdOptions.MinRetrySize; s -= ScrfdOptions.RetryStep) yield return (s, s);
        }

        List<DetectedFace> DetectAt(RgbBuffer image, int inW, int inH)
        {
            var det = Letterbox(image, inW, inH, out float detScale);
            var blob = TensorBlob.FromBuffer(det, InputMean, 1f / InputStd);
            var tensor = new DenseTensor<float>(blob, new[] { 1, 3, inH, inW });
            var outputs = new float[_outputNames.Length][];
            using (var results = _session.Run(new[] { NamedOnnxValue.CreateFromTensor(_inputName, tensor) }, _outputNames))
            {
                int i = 0;
                foreach (var r in results)
                {
                    // Batched exports ([1,N,C]) and plain ones ([N,C]) hold the same values in the same order.
                    outputs[i++] = r.AsTensor<float>().ToArray();
                }
            }
            return Decode(outputs, inW, inH, detScale, _options.ScoreThreshold, _options.NmsThreshold, _strides, _anchors);
        }

        /// <summary>
        /// insightface's letterbox: keep aspect, cv2.resize (INTER_LINEAR) so the image fits, paste at the top-left
        /// of a black inW×inH canvas. detScale = new height / source height.
        /// </summary>
        internal static RgbBuffer Letterbox(RgbBuffer image, int inW, int inH, out float detScale)
        {
            double imRatio = (double)image.Height / image.Width;
            double modelRatio = (double)inH / inW;
            int newW, newH;
            if (imRatio > modelRatio) { newH = inH; newW = (int)(newH / imRatio); }
            else { newW = inW; newH = (int)(newW * imRatio); }
            newW = Math.Max(newW, 1);
            newH = Math.Max(newH, 1);
            detScale = (float)((double)newH / image.Height);
            var resized = CvResize.Linear(image, newW, newH);
            var det = new RgbBuffer(inW, inH);
            for (int y = 0; y < newH; y++)
                Buffer.BlockCopy(resized.Data, y * newW * 3, det.Data, y * inW * 3, newW * 3);
            return det;
        }

        /// <summary>
        /// SCRFD post-processing on raw outputs in model order (scores per stride, then boxes, then keypoints),
        /// as insightface's forward + detect: distance2bbox / distance2kps at anchor centres (x·s, y·s), scores
        /// &gt;= threshold, everything ÷ detScale, sort by score, NMS with the "+1" area formula. float32 throughout.
        /// </summary>
        internal static List<DetectedFace> Decode(IReadOnlyList<float[]> outputs, int inW, int inH, float detScale,
            float threshold, float nmsThreshold, int[]? strides = null, int anchors = 2)
        {
            strides ??= new[] { 8, 16, 32 };
            int fmc = strides.Length;
            if (outputs.Count != 3 * fmc) throw new FaceModelException($"SCRFD decode expects {3 * fmc} outputs, got {outputs.Count}.");
            var cands = new List<(float X1, float Y1, float X2, float Y2, float Score, Vector2[] Kps)>();
            for (int si = 0; si < fmc; si++)
            {
                int stride = strides[si];
                float fs = stride;
                int height = inH / stride, width = inW / stride;
                int n = height * width * anchors;
                float[] scores = outputs[si], boxes = outputs[si + fmc], kps = outputs[si + 2 * fmc];
                if (scores.Length != n || boxes.Length != n * 4 || kps.Length != n * 10)
                    throw new FaceModelException($"SCRFD output sizes for stride {stride} are {scores.Length}/{boxes.Length}/{kps.Length}; expected {n}/{n * 4}/{n * 10} for a {inW}x{inH} input.");
                for (int r = 0; r < n; r++)
                {
                    float score = scores[r];
                    if (!(score >= threshold)) continue;
                    int cell = r / anchors;
                    float cx = (cell % width) * fs, cy = (cell / width) * fs;
                    int b = r * 4;
                    float x1 = (cx - boxes[b] * fs) / detScale;
                    float y1 = (cy - boxes[b + 1] * fs) / detScale;
                    float x2 = (cx + boxes[b + 2] * fs) / detScale;
                    float y2 = (cy + boxes[b + 3] * fs) / detScale;
                    var pts = new Vector2[5];
                    for (int k = 0; k < 5; k++)
                        pts[k] = new Vector2((cx + kps[r * 10 + 2 * k] * fs) / detScale, (cy + kps[r * 10 + 2 * k + 1] * fs) / detScale);
                    cands.Add((x1, y1, x2, y2, score, pts));
                }
            }
            // scores.argsort()[::-1]: descending; among equal scores the later candidate comes first.
            var order = Enumerable.Range(0, cands.Count).OrderByDescending(i => cands[i].Score).ThenByDescending(i => i).ToList();

            var faces = new List<DetectedFace>();
            var suppressed = new bool[order.Count];
            for (int oi = 0; oi < order.Count; oi++)
            {
                if (suppressed[oi]) continue;
                var a = cands[order[oi]];
                faces.Add(new DetectedFace(new FaceBox(a.X1, a.Y1, a.X2, a.Y2), a.Score, a.Kps));
                float areaA = (a.X2 - a.X1 + 1) * (a.Y2 - a.Y1 + 1);
                for (int oj = oi + 1; oj < order.Count; oj++)
                {
                    if (suppressed[oj]) continue;
                    var c = cands[order[oj]];
                    float xx1 = Math.Max(a.X1, c.X1), yy1 = Math.Max(a.Y1, c.Y1);
                    float xx2 = Math.Min(a.X2, c.X2), yy2 = Math.Min(a.Y2, c.Y2);
                    float w = Math.Max(0f, xx2 - xx1 + 1), h = Math.Max(0f, yy2 - yy1 + 1);
                    float inter = w * h;
                    float areaC = (c.X2 - c.X1 + 1) * (c.Y2 - c.Y1 + 1);
                    float iou = inter / (areaA + areaC - inter);
                    if (!(iou <= nmsThreshold)) suppressed[oj] = true;
                }
            }
            return faces;
        }
    }
}
