using System;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// cv2.warpAffine(src, M, size) with INTER_LINEAR and BORDER_CONSTANT 0, M mapping source to destination.
    /// <see cref="Bilinear"/> reproduces OpenCV's fixed-point arithmetic (sample positions on a 1/32 px grid,
    /// 15-bit weights) so crops are bit-identical to insightface's norm_crop; <see cref="BilinearFloat"/> is the
    /// exact real-valued bilinear warp.
    /// </summary>
    public static class AffineWarp
    {
        const int AbBits = 10, AbScale = 1 << AbBits, InterBits = 5, InterTabSize = 1 << InterBits;
        const int CoefBits = 15;

        /// <summary>8-bit warp, bit-exact with cv2.warpAffine (INTER_LINEAR, zero border).</summary>
        public static Image<Rgb24> Bilinear(Image<Rgb24> source, Affine2D sourceToDest, int width, int height) =>
            Bilinear(RgbBuffer.From(source), sourceToDest, width, height).ToImage();

        /// <summary>Real-valued bilinear warp (zero outside the source); HWC float RGB, 0..255.</summary>
        public static float[] BilinearFloat(Image<Rgb24> source, Affine2D sourceToDest, int width, int height) =>
            BilinearFloat(RgbBuffer.From(source), sourceToDest, width, height);

        internal static RgbBuffer Bilinear(RgbBuffer src, Affine2D sourceToDest, int width, int height)
        {
            var m = sourceToDest.Invert();
            var dst = new RgbBuffer(width, height);
            int sw = src.Width, sh = src.Height;
            var s = src.Data;
            var adelta = new int[width];
            var bdelta = new int[width];
            for (int x = 0; x < width; x++)
            {
                adelta[x] = SaturateInt(m.M00 * x * AbScale);
                bdelta[x] = SaturateInt(m.M10 * x * AbScale);
            }
            const int roundDelta = AbScale / InterTabSize / 2;
            for (int y = 0; y < height; y++)
            {
                int x0 = SaturateInt((m.M01 * y + m.M02) * AbScale) + roundDelta;
                int y0 = SaturateInt((m.M11 * y + m.M12) * AbScale) + roundDelta;
                for (int x = 0; x < width; x++)
                {
                    int X = (x0 + adelta[x]) >> (AbBits - InterBits);
                    int Y = (y0 + bdelta[x]) >> (AbBits - InterBits);
                    int sx = X >> InterBits, sy = Y >> InterBits;
                    int fx = X & (InterTabSize - 1), fy = Y & (InterTabSize - 1);
                    // Weights of OpenCV's bilinear table: products of (32−f, f) scaled to 2^15 are exact integers.
                    int w00 = (InterTabSize - fy) * (InterTabSize - fx) * 32;
                    int w01 = (InterTabSize - fy) * fx * 32;
                    int w10 = fy * (InterTabSize - fx) * 32;
                    int w11 = fy * fx * 32;
                    int o = (y * width + x) * 3;
                    if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) continue; // all taps outside: border 0
                    bool in00 = sx >= 0 && sx < sw && sy >= 0 && sy < sh;
                    bool in01 = sx + 1 >= 0 && sx + 1 < sw && sy >= 0 && sy < sh;
                    bool in10 = sx >= 0 && sx < sw && sy + 1 >= 0 && sy + 1 < sh;
                    bool in11 = sx + 1 >= 0 && sx + 1 < sw && sy + 1 >= 0 && sy + 1 < sh;
                    int p00 = (sy * sw + sx) * 3, p01 = p00 + 3, p10 = p00 + sw * 3, p11 = p10 + 3;
                    for (int c = 0; c < 3; c++)
                    {
                        int v = (in00 ? s[p00 + c] * w00 : 0) + (in01 ? s[p01 + c] * w01 : 0)
                              + (in10 ? s[p10 + c] * w10 : 0) + (in11 ? s[p11 + c] * w11 : 0);
                        v = (v + (1 << (CoefBits - 1))) >> CoefBits;
                        dst.Data[o + c] = (byte)(v > 255 ? 255 : v);
                    }
                }
            }
            return dst;
        }

        internal static float[] BilinearFloat(RgbBuffer src, Affine2D sourceToDest, int width, int height)
        {
            var m = sourceToDest.Invert();
            var dst = new float[width * height * 3];
            int sw = src.Width, sh = src.Height;
            var s = src.Data;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    double fxs = m.M00 * x + m.M01 * y + m.M02;
                    double fys = m.M10 * x + m.M11 * y + m.M12;
                    int sx = (int)Math.Floor(fxs), sy = (int)Math.Floor(fys);
                    double ax = fxs - sx, ay = fys - sy;
                    int o = (y * width + x) * 3;
                    for (int c = 0; c < 3; c++)
                    {
                        double v = Tap(s, sw, sh, sx, sy, c) * (1 - ax) * (1 - ay) + Tap(s, sw, sh, sx + 1, sy, c) * ax * (1 - ay)
                                 + Tap(s, sw, sh, sx, sy + 1, c) * (1 - ax) * ay + Tap(s, sw, sh, sx + 1, sy + 1, c) * ax * ay;
                        dst[o + c] = (float)v;
                    }
                }
            return dst;
        }

        static double Tap(byte[] s, int w, int h, int x, int y, int c) =>
            x < 0 || y < 0 || x >= w || y >= h ? 0.0 : s[(y * w + x) * 3 + c];

        // OpenCV's saturate_cast<int>(double): round half to even, clamp.
        static int SaturateInt(double v)
        {
            double r = Math.Round(v, MidpointRounding.ToEven);
            return r < int.MinValue ? int.MinValue : r > int.MaxValue ? int.MaxValue : (int)r;
        }
    }
}
