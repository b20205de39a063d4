using System;
using System.Collections.Generic;
using System.Numerics;

namespace InstantIdAvatars.Faces
{
    /// <summary>An axis-aligned face box in source-image pixels (x1, y1) – (x2, y2), as insightface's bbox.</summary>
    public readonly struct FaceBox
    {
        public readonly float X1, Y1, X2, Y2;

        public FaceBox(float x1, float y1, float x2, float y2) { X1 = x1; Y1 = y1; X2 = x2; Y2 = y2; }

        public float Width => X2 - X1;
        public float Height => Y2 - Y1;

        /// <summary>(x2−x1)·(y2−y1), the measure InstantID uses to pick the largest face.</summary>
        public float Area => (X2 - X1) * (Y2 - Y1);

        /// <summary>The shorter side; <see cref="FaceAnalyzer"/> rejects faces whose shorter side is too small.</summary>
        public float ShorterSide => Math.Min(Width, Height);

        public override string ToString() => FormattableString.Invariant($"({X1:0.#}, {Y1:0.#})–({X2:0.#}, {Y2:0.#})");
    }

    /// <summary>One SCRFD detection: box, confidence and the five keypoints (left eye, right eye, nose, left and right mouth corner).</summary>
    public sealed class DetectedFace
    {
        public DetectedFace(FaceBox box, float score, IReadOnlyList<Vector2> keypoints)
        {
            if (keypoints == null || keypoints.Count != 5) throw new ArgumentException("a detected face has exactly 5 keypoints", nameof(keypoints));
            Box = box;
            Score = score;
            Keypoints = keypoints;
        }

        public FaceBox Box { get; }
        public float Score { get; }
        public IReadOnlyList<Vector2> Keypoints { get; }

        public override string ToString() => FormattableString.Invariant($"face {Box} score {Score:0.###}");
    }

    /// <summary>What <see cref="ScrfdDetector.Detect"/> found in one image.</summary>
    public sealed class FaceDetectionResult
    {
        internal FaceDetectionResult(IReadOnlyList<DetectedFace> faces, int imageWidth, int imageHeight, int detSize, float threshold)
        {
            Faces = faces;
            ImageWidth = imageWidth;
            ImageHeight = imageHeight;
            DetSize = detSize;
            ScoreThreshold = threshold;
        }

        /// <summary>Faces after NMS, highest score first.</summary>
        public IReadOnlyList<DetectedFace> Faces { get; }

        /// <summary>How many faces were found.</summary>
        public int Count => Faces.Count;

        /// <summary>The face with the largest box area (InstantID's choice of identity), or null when none.</summary>
        public DetectedFace? Largest => PickLargest(Faces);

        public int ImageWidth { get; }
        public int ImageHeight { get; }

        /// <summary>The detector input size that produced the result (smaller than requested after a retry).</summary>
        public int DetSize { get; }

        public float ScoreThreshold { get; }

        internal static DetectedFace? PickLargest(IReadOnlyList<DetectedFace> faces)
        {
            // As InstantID: sorted(..., key=area)[-1] — the last of equal areas in score order wins.
            DetectedFace? best = null;
            foreach (var f in faces)
                if (best == null || f.Box.Area >= best.Box.Area) best = f;
            return best;
        }
    }
}
