using System;
using System.Collections.Generic;
using System.Numerics;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>Masks for face-region refinement and several-identity images, in image pixels ([H,W], row-major, 0..1).</summary>
    public static class RegionMasks
    {
        /// <summary>
        /// A box of ones on zeros, <paramref name="feather"/> pixels of linear ramp inside its edges (not along edges
        /// that lie on or beyond the image border, so a region touching the border stays 1 there). Pixel (x, y) is
        /// judged at its centre (x + 0.5, y + 0.5), so with feather 0 and integer corners it is exactly InstantID demo's
        /// <c>control_mask[y1:y2, x1:x2] = 255</c> (÷ 255).
        /// </summary>
        public static float[] Box(int width, int height, float x, float y, float boxWidth, float boxHeight, float feather = 0f)
        {
            if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "image size must be positive");
            if (!(boxWidth > 0 && boxHeight > 0)) throw new InstantIdException($"A region box needs a positive size; got {boxWidth}×{boxHeight}.");
            if (!(feather >= 0)) throw new InstantIdException($"Mask feather must be 0 or more pixels; got {feather}.");
            var mask = new float[width * height];
            float x2 = x + boxWidth, y2 = y + boxHeight;
            for (int py = 0; py < height; py++)
            {
                float cy = py + 0.5f;
                if (cy <= y || cy >= y2) continue;
                float dy = Math.Min(y <= 0 ? float.MaxValue : cy - y, y2 >= height ? float.MaxValue : y2 - cy);
                for (int px = 0; px < width; px++)
                {
                    float cx = px + 0.5f;
                    if (cx <= x || cx >= x2) continue;
                    float d = Math.Min(dy, Math.Min(x <= 0 ? float.MaxValue : cx - x, x2 >= width ? float.MaxValue : x2 - cx));
                    mask[py * width + px] = feather > 0 ? Math.Min(1f, d / feather) : 1f;
                }
            }
            return mask;
        }

        /// <summary>
        /// The face box InstantID's demo takes from the detector, estimated from the five keypoints (we keep only the
        /// points after refitting, and a posed rig has no detector box): a square of 2.2 × the points' larger extent,
        /// centred on them and raised by a tenth of its side (the box includes the forehead, the points end at the mouth).
        /// For an ArcFace-aligned face that is about the detector's box.
        /// </summary>
        public static (float X, float Y, float Width, float Height) FaceBox(IReadOnlyList<Vector2> keypoints)
        {
            if (keypoints == null || keypoints.Count != 5) throw new ArgumentException("5 keypoints are needed (eyes, nose, mouth corners)", nameof(keypoints));
            float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
            foreach (var p in keypoints) { minX = Math.Min(minX, p.X); minY = Math.Min(minY, p.Y); maxX = Math.Max(maxX, p.X); maxY = Math.Max(maxY, p.Y); }
            float side = 2.2f * Math.Max(maxX - minX, maxY - minY);
            if (!(side > 0)) throw new InstantIdException("The face keypoints all coincide; cannot place a face region.");
            float cx = (minX + maxX) / 2, cy = (minY + maxY) / 2 - 0.1f * side;
            return (cx - side / 2, cy - side / 2, side, side);
        }

        /// <summary>
        /// torch's <c>F.interpolate(mode="bilinear", align_corners=False)</c> without antialiasing, as upstream resizes
        /// control_mask to each residual: source = (dst + 0.5)·in/out − 0.5, clamped at 0.
        /// </summary>
        internal static float[] ResizeBilinear(float[] mask, int height, int width, int outHeight, int outWidth)
        {
            var result = new float[outHeight * outWidth];
            float sh = (float)height / outHeight, sw = (float)width / outWidth;
            for (int oy = 0; oy < outHeight; oy++)
            {
                float fy = Math.Max((oy + 0.5f) * sh - 0.5f, 0f);
                int y0 = Math.Min((int)fy, height - 1);
                int y1 = Math.Min(y0 + 1, height - 1);
                float ly = fy - y0;
                for (int ox = 0; ox < outWidth; ox++)
                {
                    float fx = Math.Max((ox + 0.5f) * sw - 0.5f, 0f);
                    int x0 = Math.Min((int)fx, width - 1);
                    int x1 = Math.Min(x0 + 1, width - 1);
                    float lx = fx - x0;
                    float top = (1 - lx) * mask[y0 * width + x0] + lx * mask[y0 * width + x1];
                    float bottom = (1 - lx) * mask[y1 * width + x0] + lx * mask[y1 * width + x1];
                    result[oy * outWidth + ox] = (1 - ly) * top + ly * bottom;
                }
            }
            return result;
        }

        /// <summary>Mean over each 8×8 pixel block: an image mask at latent resolution.</summary>
        internal static float[] ToLatent(float[] mask, int height, int width)
        {
            int h = height / 8, w = width / 8;
            var result = new float[h * w];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    result[(y / 8) * w + x / 8] += mask[y * width + x];
            for (int i = 0; i < result.Length; i++) result[i] /= 64f;
            return result;
        }
    }
}
