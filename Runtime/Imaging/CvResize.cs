using System;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// cv2.resize(…, INTER_LINEAR) for 8-bit RGB, reproducing OpenCV 4.x's integer arithmetic so the SCRFD
    /// letterbox is bit-identical to insightface's: 11-bit fixed-point weights, the horizontal pass in int,
    /// the vertical pass as OpenCV's SIMD path (<c>((S0&gt;&gt;4)·b0&gt;&gt;16 + (S1&gt;&gt;4)·b1&gt;&gt;16 + 2)&gt;&gt;2</c>), and the exact 2× downscale routed to INTER_AREA as OpenCV does.
    /// </summary>
    public static class CvResize
    {
        const int CoefBits = 11;
        const int CoefScale = 1 << CoefBits;
        const double DblEpsilon = 2.220446049250313e-16;

        /// <summary>Resizes to <paramref name="width"/> × <paramref name="height"/> like cv2.resize INTER_LINEAR.</summary>
        public static Image<Rgb24> Linear(Image<Rgb24> source, int width, int height) =>
            Linear(RgbBuffer.From(source), width, height).ToImage();

        internal static RgbBuffer Linear(RgbBuffer src, int dw, int dh)
        {
            if (dw <= 0 || dh <= 0) throw new ArgumentOutOfRangeException(nameof(dw), $"target size must be positive, got {dw}x{dh}");
            int sw = src.Width, sh = src.Height;
            if (sw == dw && sh == dh) return new RgbBuffer(dw, dh, (byte[])src.Data.Clone());

            double invScaleX = (double)dw / sw, invScaleY = (double)dh / sh;
            double scaleX = 1.0 / invScaleX, scaleY = 1.0 / invScaleY;
            int iscaleX = (int)Math.Round(scaleX), iscaleY = (int)Math.Round(scaleY);
            bool areaFast = Math.Abs(scaleX - iscaleX) < DblEpsilon && Math.Abs(scaleY - iscaleY) < DblEpsilon;
            if (areaFast && iscaleX == 2 && iscaleY == 2 && dw * 2 <= sw && dh * 2 <= sh)
                return HalveArea(src, dw, dh);

            const int cn = 3;
            // Horizontal taps and weights (OpenCV resizeGeneric computes them per destination column).
            var xofs = new int[dw];
            var xa0 = new short[dw];
            var xa1 = new short[dw];
            var xEdge = new bool[dw]; // columns at/after xmax use S[sx]·ONE regardless of the weight
            for (int dx = 0; dx < dw; dx++)
            {
                float fx = (float)((dx + 0.5) * scaleX - 0.5);
                int sx = (int)Math.Floor(fx);
                fx -= sx;
                if (sx < 0) { fx = 0; sx = 0; }
                if (sx + 1 >= sw)
                {
                    xEdge[dx] = true;
                    if (sx >= sw - 1) { fx = 0; sx = sw - 1; }
                }
                xofs[dx] = sx;
                xa0[dx] = SaturateShort((1f - fx) * CoefScale);
                xa1[dx] = SaturateShort(fx * CoefScale);
            }

            // Horizontal pass for every source row that is needed, cached per row.
            var rows = new int[sh][];
            int[] HRow(int sy)
            {
                var r = rows[sy];
                if (r != null) return r;
                r = new int[dw * cn];
                int baseIdx = sy * sw * cn;
                var s = src.Data;
                for (int dx = 0; dx < dw; dx++)
                {
                    int p = baseIdx + xofs[dx] * cn;
                    for (int c = 0; c < cn; c++)
                        r[dx * cn + c] = xEdge[dx] ? s[p + c] * CoefScale : s[p + c] * xa0[dx] + s[p + cn + c] * xa1[dx];
                }
                rows[sy] = r;
                return r;
            }

            var dst = new RgbBuffer(dw, dh);
            int width = dw * cn;
            for (int dy = 0; dy < dh; dy++)
            {
                float fy = (float)((dy + 0.5) * scaleY - 0.5);
                int sy = (int)Math.Floor(fy);
                fy -= sy;
                short b0 = SaturateShort((1f - fy) * CoefScale), b1 = SaturateShort(fy * CoefScale);
                var s0 = HRow(Clamp(sy, sh));
                var s1 = HRow(Clamp(sy + 1, sh));
                int o = dy * width;
                for (int x = 0; x < width; x++)
                {
                    // OpenCV's SIMD vertical pass (VResizeLinearVec_32s8u); checked against cv2 4.6 output on whole rows.
                    int v = ((((s0[x] >> 4) * b0) >> 16) + (((s1[x] >> 4) * b1) >> 16) + 2) >> 2;
                    dst.Data[o + x] = (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
                }
            }
            return dst;
        }

        // OpenCV turns an exact 2x INTER_LINEAR downscale into INTER_AREA's fast path: rounded mean of 2x2.
        static RgbBuffer HalveArea(RgbBuffer src, int dw, int dh)
        {
            var dst = new RgbBuffer(dw, dh);
            int sRow = src.Width * 3;
            for (int y = 0; y < dh; y++)
            {
                int r0 = 2 * y * sRow, r1 = r0 + sRow, o = y * dw * 3;
                for (int x = 0; x < dw; x++)
                    for (int c = 0; c < 3; c++)
                    {
                        int i = 6 * x + c;
                        dst.Data[o + 3 * x + c] = (byte)((src.Data[r0 + i] + src.Data[r0 + i + 3] + src.Data[r1 + i] + src.Data[r1 + i + 3] + 2) >> 2);
                    }
            }
            return dst;
        }

        static int Clamp(int v, int n) => v < 0 ? 0 : v >= n ? n - 1 : v;

        static short SaturateShort(float v)
        {
            double r = Math.Round((double)v, MidpointRounding.ToEven);
            return (short)(r < short.MinValue ? short.MinValue : r > short.MaxValue ? short.MaxValue : r);
        }
    }
}
