using System;
using System.Collections.Generic;
using System.Numerics;

namespace InstantIdAvatars.Faces
{
    /// <summary>
    /// Keypoints that drive the pose (the landmark map) in a chosen output frame: from a pose photo, as
    /// InstantID's demo does, or from arbitrary 2-D points (e.g. a posed rig projected to the screen).
    /// </summary>
    public static class PoseKeypoints
    {
        /// <summary>Points as the flat x0,y0,…,x4,y4 array requests, profiles and PNG settings store.</summary>
        public static float[] Flatten(IReadOnlyList<Vector2> points)
        {
            var flat = new float[2 * points.Count];
            for (int i = 0; i < points.Count; i++) { flat[2 * i] = points[i].X; flat[2 * i + 1] = points[i].Y; }
            return flat;
        }

        /// <summary>The inverse of <see cref="Flatten"/>: x0,y0,…,xn,yn → n+1 points.</summary>
        public static Vector2[] FromFlat(IReadOnlyList<float> flat)
        {
            if (flat.Count % 2 != 0) throw new ArgumentException($"a flat keypoint array needs x,y pairs; got {flat.Count} values", nameof(flat));
            var points = new Vector2[flat.Count / 2];
            for (int i = 0; i < points.Length; i++) points[i] = new Vector2(flat[2 * i], flat[2 * i + 1]);
            return points;
        }

        /// <summary>
        /// InstantID demo's <c>resize_img</c> size rule (max_side 1280, min_side 1024, multiples of 64): scale so
        /// the short side is 1024, then so the long side is 1280, then floor each side to a multiple of 64.
        /// Python's round (half to even) as upstream.
        /// </summary>
        public static (int Width, int Height) InstantIdOutputSize(int width, int height, int maxSide = 1280, int minSide = 1024, int multiple = 64)
        {
            if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
            double ratio = (double)minSide / Math.Min(height, width);
            double w = Math.Round(ratio * width, MidpointRounding.ToEven), h = Math.Round(ratio * height, MidpointRounding.ToEven);
            ratio = maxSide / Math.Max(h, w);
            int nw = (int)(Math.Round(ratio * w, MidpointRounding.ToEven) / multiple) * multiple;
            int nh = (int)(Math.Round(ratio * h, MidpointRounding.ToEven) / multiple) * multiple;
            return (Math.Max(nw, multiple), Math.Max(nh, multiple));
        }

        /// <summary>
        /// Keypoints detected in a pose photo of <paramref name="sourceWidth"/>×<paramref name="sourceHeight"/>
        /// mapped into an output of <paramref name="outputWidth"/>×<paramref name="outputHeight"/> by stretching
        /// each axis, which is what InstantID gets by detecting on the photo resized to the output size.
        /// </summary>
        public static Vector2[] Refit(IReadOnlyList<Vector2> keypoints, int sourceWidth, int sourceHeight, int outputWidth, int outputHeight)
        {
            CheckFive(keypoints);
            if (sourceWidth <= 0 || sourceHeight <= 0 || outputWidth <= 0 || outputHeight <= 0)
                throw new ArgumentOutOfRangeException(nameof(sourceWidth), "sizes must be positive");
            float sx = (float)outputWidth / sourceWidth, sy = (float)outputHeight / sourceHeight;
            var result = new Vector2[5];
            for (int i = 0; i < 5; i++) result[i] = new Vector2(keypoints[i].X * sx, keypoints[i].Y * sy);
            return result;
        }

        /// <summary>
        /// Five arbitrary 2-D points (any units, y down; eyes, nose, mouth corners) placed in the output frame:
        /// uniformly scaled so the face spans <paramref name="faceFraction"/> of the output's shorter side
        /// (largest extent of the points) and centred on <paramref name="center"/> (fractions of the output; default the middle).
        /// </summary>
        public static Vector2[] FromPoints(IReadOnlyList<Vector2> points, int outputWidth, int outputHeight, float faceFraction = 0.3f, Vector2? center = null)
        {
            CheckFive(points);
            if (outputWidth <= 0 || outputHeight <= 0) throw new ArgumentOutOfRangeException(nameof(outputWidth), "output size must be positive");
            if (!(faceFraction > 0)) throw new ArgumentOutOfRangeException(nameof(faceFraction), "faceFraction must be positive");
            float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
            foreach (var p in points) { minX = Math.Min(minX, p.X); minY = Math.Min(minY, p.Y); maxX = Math.Max(maxX, p.X); maxY = Math.Max(maxY, p.Y); }
            float extent = Math.Max(maxX - minX, maxY - minY);
            if (!(extent > 0)) throw new ArgumentException("the points all coincide", nameof(points));
            float scale = faceFraction * Math.Min(outputWidth, outputHeight) / extent;
            var c = center ?? new Vector2(0.5f, 0.5f);
            var mid = new Vector2((minX + maxX) / 2, (minY + maxY) / 2);
            var target = new Vector2(c.X * outputWidth, c.Y * outputHeight);
            var result = new Vector2[5];
            for (int i = 0; i < 5; i++) result[i] = (points[i] - mid) * scale + target;
            return result;
        }

        static void CheckFive(IReadOnlyList<Vector2> points)
        {
            if (points == null) throw new ArgumentNullException(nameof(points));
            if (points.Count != 5) throw new ArgumentException($"5 keypoints are needed (eyes, nose, mouth corners), got {points.Count}", nameof(points));
        }
    }
}
