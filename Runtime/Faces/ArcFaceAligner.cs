using System;
using System.Collections.Generic;
using System.Numerics;
using InstantIdAvatars.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Faces
{
    /// <summary>
    /// ArcFace alignment as insightface's <c>face_align.estimate_norm</c> / <c>norm_crop</c>: the least-squares
    /// similarity transform (rotation, uniform scale, translation; no reflection — skimage's
    /// SimilarityTransform.estimate, i.e. Umeyama) from the five keypoints to the 112×112 arcface template,
    /// then a bilinear warp with a black border.
    /// </summary>
    public static class ArcFaceAligner
    {
        /// <summary>insightface's arcface_dst template for a 112×112 crop (eyes, nose, mouth corners).</summary>
        public static readonly IReadOnlyList<Vector2> Template = new[]
        {
            new Vector2(38.2946f, 51.6963f), new Vector2(73.5318f, 51.5014f), new Vector2(56.0252f, 71.7366f),
            new Vector2(41.5493f, 92.3655f), new Vector2(70.7299f, 92.2041f),
        };

        /// <summary>
        /// The 2×3 map from image pixels to the aligned crop (estimate_norm). <paramref name="size"/> must be a
        /// multiple of 112 (template scaled) or 128 (template scaled and shifted right by 8·size/128), as upstream.
        /// </summary>
        public static Affine2D EstimateNorm(IReadOnlyList<Vector2> keypoints, int size = 112)
        {
            if (keypoints == null) throw new ArgumentNullException(nameof(keypoints));
            if (keypoints.Count != 5) throw new ArgumentException($"alignment needs the 5 face keypoints, got {keypoints.Count}", nameof(keypoints));
            double ratio, diffX;
            if (size > 0 && size % 112 == 0) { ratio = size / 112.0; diffX = 0; }
            else if (size > 0 && size % 128 == 0) { ratio = size / 128.0; diffX = 8.0 * ratio; }
            else throw new ArgumentOutOfRangeException(nameof(size), $"crop size must be a multiple of 112 or 128 (insightface's rule), got {size}");
            var dst = new Vector2d[5];
            var src = new Vector2d[5];
            for (int i = 0; i < 5; i++)
            {
                dst[i] = new Vector2d(Template[i].X * ratio + diffX, Template[i].Y * ratio);
                src[i] = new Vector2d(keypoints[i].X, keypoints[i].Y);
            }
            return Similarity(src, dst);
        }

        /// <summary>The aligned crop (norm_crop), bit-identical to cv2.warpAffine's INTER_LINEAR output.</summary>
        public static Image<Rgb24> NormCrop(Image<Rgb24> image, IReadOnlyList<Vector2> keypoints, int size = 112) =>
            AffineWarp.Bilinear(image, EstimateNorm(keypoints, size), size, size);

        internal static RgbBuffer NormCrop(RgbBuffer image, IReadOnlyList<Vector2> keypoints, int size = 112) =>
            AffineWarp.Bilinear(image, EstimateNorm(keypoints, size), size, size);

        internal readonly struct Vector2d
        {
            public readonly double X, Y;
            public Vector2d(double x, double y) { X = x; Y = y; }
        }

        /// <summary>
        /// Least-squares similarity src→dst without reflection (skimage's _umeyama with estimate_scale). For 2-D
        /// points Umeyama's SVD reduces to a closed form: with A = Σ d·sᵀ / n, rotation angle atan2(A10 − A01,
        /// A00 + A11) and Σ(S·d) = |(A00 + A11, A10 − A01)| (also when det A &lt; 0, where Umeyama flips the
        /// smaller singular value). Means, centred points, A and the variance are formed in float32 as skimage
        /// does with insightface's float32 landmarks, which keeps the matrix within ~1e-5 of upstream.
        /// </summary>
        internal static Affine2D Similarity(IReadOnlyList<Vector2d> src, IReadOnlyList<Vector2d> dst)
        {
            int n = src.Count;
            float smx = 0, smy = 0, dmx = 0, dmy = 0;
            for (int i = 0; i < n; i++) { smx += (float)src[i].X; smy += (float)src[i].Y; dmx += (float)dst[i].X; dmy += (float)dst[i].Y; }
            smx /= n; smy /= n; dmx /= n; dmy /= n;
            float a00 = 0, a01 = 0, a10 = 0, a11 = 0, vx = 0, vy = 0;
            var sx = new float[n]; var sy = new float[n];
            for (int i = 0; i < n; i++)
            {
                sx[i] = (float)src[i].X - smx; sy[i] = (float)src[i].Y - smy;
                float dx = (float)dst[i].X - dmx, dy = (float)dst[i].Y - dmy;
                a00 += dx * sx[i]; a01 += dx * sy[i]; a10 += dy * sx[i]; a11 += dy * sy[i];
            }
            a00 /= n; a01 /= n; a10 /= n; a11 /= n;
            float mx = 0, my = 0;
            for (int i = 0; i < n; i++) { mx += sx[i]; my += sy[i]; }
            mx /= n; my /= n;
            for (int i = 0; i < n; i++) { vx += (sx[i] - mx) * (sx[i] - mx); vy += (sy[i] - my) * (sy[i] - my); }
            vx /= n; vy /= n;
            float variance = vx + vy;
            if (!(variance > 0)) throw new ArgumentException("the keypoints all coincide; no alignment is possible");
            double c = (double)a00 + a11, s = (double)a10 - a01;
            double sv = Math.Sqrt(c * c + s * s);
            if (sv == 0) throw new ArgumentException("the keypoints are degenerate; no alignment is possible");
            double cos = c / sv, sin = s / sv;
            double scale = 1.0 / variance * sv;
            double tx = dmx - scale * (cos * smx - sin * smy);
            double ty = dmy - scale * (sin * smx + cos * smy);
            return new Affine2D(scale * cos, -scale * sin, tx, scale * sin, scale * cos, ty);
        }
    }
}
