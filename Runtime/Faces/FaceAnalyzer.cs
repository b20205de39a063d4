using System;
using System.Collections.Generic;
using System.Numerics;
using InstantIdAvatars.Imaging;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Faces
{
    /// <summary>Settings of <see cref="FaceAnalyzer"/>.</summary>
    public sealed class FaceAnalyzerOptions
    {
        /// <summary>Detector settings (det size 640, threshold 0.5, NMS 0.4, retry at smaller sizes).</summary>
        public ScrfdOptions Detector { get; set; } = new ScrfdOptions();

        /// <summary>
        /// Faces whose box is shorter than this on its shorter side (source pixels) are ignored: below ~40 px
        /// the 112×112 ArcFace crop is mostly upsampling blur and the identity is unreliable. 0 disables.
        /// </summary>
        public float MinFaceSize { get; set; } = 40f;

        /// <summary>Compute embeddings for every face (true) or only the largest (false, cheaper; InstantID uses only the largest).</summary>
        public bool EmbedAllFaces { get; set; } = true;
    }

    /// <summary>A detected face with its ArcFace embedding.</summary>
    public sealed class AnalyzedFace
    {
        internal AnalyzedFace(DetectedFace detection, float[]? embedding)
        {
            Detection = detection;
            Embedding = embedding;
        }

        public DetectedFace Detection { get; }
        public FaceBox Box => Detection.Box;
        public float Score => Detection.Score;
        public IReadOnlyList<Vector2> Keypoints => Detection.Keypoints;

        /// <summary>The raw 512-d ArcFace embedding (what InstantID feeds its Resampler); null when not computed.</summary>
        public float[]? Embedding { get; }
    }

    /// <summary>Result of <see cref="FaceAnalyzer.Analyze"/>.</summary>
    public sealed class FaceAnalysis
    {
        internal FaceAnalysis(IReadOnlyList<AnalyzedFace> faces, AnalyzedFace largest, int width, int height, int ignoredSmall)
        {
            Faces = faces;
            Largest = largest;
            ImageWidth = width;
            ImageHeight = height;
            IgnoredSmallFaces = ignoredSmall;
        }

        /// <summary>Usable faces, highest detection score first.</summary>
        public IReadOnlyList<AnalyzedFace> Faces { get; }

        /// <summary>The face with the largest box (InstantID's identity source); always has an embedding.</summary>
        public AnalyzedFace Largest { get; }

        /// <summary>True when more than one usable face was found (the largest was used).</summary>
        public bool HasSeveralFaces => Faces.Count > 1;

        /// <summary>Faces dropped for being smaller than <see cref="FaceAnalyzerOptions.MinFaceSize"/>.</summary>
        public int IgnoredSmallFaces { get; }

        public int ImageWidth { get; }
        public int ImageHeight { get; }
    }

    /// <summary>
    /// insightface's FaceAnalysis as InstantID uses it: SCRFD detection, ArcFace alignment and embedding,
    /// largest face = identity. The two sessions are borrowed, not owned.
    /// </summary>
    public sealed class FaceAnalyzer
    {
        readonly ScrfdDetector _detector;
        readonly ArcFaceRecognizer _recognizer;
        readonly FaceAnalyzerOptions _options;

        public FaceAnalyzer(InferenceSession detector, InferenceSession recognizer, FaceAnalyzerOptions? options = null)
        {
            _options = options ?? new FaceAnalyzerOptions();
            _detector = new ScrfdDetector(detector ?? throw new ArgumentNullException(nameof(detector)), _options.Detector);
            _recognizer = new ArcFaceRecognizer(recognizer ?? throw new ArgumentNullException(nameof(recognizer)));
        }

        public ScrfdDetector Detector => _detector;
        public ArcFaceRecognizer Recognizer => _recognizer;

        /// <summary>Detects, aligns and embeds the faces of a photo.</summary>
        /// <exception cref="NoFaceFoundException">no face passed the score threshold.</exception>
        /// <exception cref="FaceTooSmallException">faces were found but all are smaller than MinFaceSize.</exception>
        public FaceAnalysis Analyze(Image<Rgb24> image)
        {
            var detection = _detector.Detect(image);
            return Embed(image, detection);
        }

        internal FaceAnalysis Embed(Image<Rgb24> image, FaceDetectionResult detection)
        {
            if (detection.Count == 0)
                throw new NoFaceFoundException(image.Width, image.Height, detection.ScoreThreshold);
            var usable = new List<DetectedFace>();
            DetectedFace? biggestSmall = null;
            foreach (var f in detection.Faces)
            {
                if (f.Box.ShorterSide >= _options.MinFaceSize) usable.Add(f);
                else if (biggestSmall == null || f.Box.ShorterSide > biggestSmall.Box.ShorterSide) biggestSmall = f;
            }
            if (usable.Count == 0)
                throw new FaceTooSmallException(biggestSmall!.Box.ShorterSide, _options.MinFaceSize, image.Width, image.Height);

            var largest = FaceDetectionResult.PickLargest(usable)!;
            var buffer = RgbBuffer.From(image);
            var toEmbed = _options.EmbedAllFaces ? usable : new List<DetectedFace> { largest };
            var crops = new List<RgbBuffer>();
            foreach (var f in toEmbed) crops.Add(ArcFaceAligner.NormCrop(buffer, f.Keypoints, _recognizer.InputSize));
            var embeddings = _recognizer.EmbedCrops(crops);
            var faces = new List<AnalyzedFace>();
            AnalyzedFace? largestAnalyzed = null;
            foreach (var f in usable)
            {
                int i = toEmbed.IndexOf(f);
                var a = new AnalyzedFace(f, i >= 0 ? embeddings[i] : null);
                if (ReferenceEquals(f, largest)) largestAnalyzed = a;
                faces.Add(a);
            }
            return new FaceAnalysis(faces, largestAnalyzed!, image.Width, image.Height, detection.Count - usable.Count);
        }
    }
}
