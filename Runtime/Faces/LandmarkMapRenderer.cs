using System;
using System.Collections.Generic;
using System.Numerics;
using InstantIdAvatars.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Faces
{
    /// <summary>
    /// Renders IdentityNet's landmark image exactly as InstantID's <c>draw_kps</c>: four sticks from the eyes
    /// and mouth corners to the nose (filled ellipses of half-width 4, coloured by their first point), the
    /// whole image dimmed by 0.6 with uint8 truncation, then filled circles of radius 10 on the five points.
    /// Pixel-identical to OpenCV 4.6's drawing on the reference cases.
    /// </summary>
    public static class LandmarkMapRenderer
    {
        const int StickWidth = 4;
        const int CircleRadius = 10;

        // insightface order: left eye, right eye, nose, left mouth corner, right mouth corner.
        static readonly (int A, int B)[] Limbs = { (0, 2), (1, 2), (3, 2), (4, 2) };

        /// <summary>draw_kps' default colours (RGB): red, green, blue, yellow, magenta.</summary>
        public static readonly IReadOnlyList<Rgb24> Colors = new[]
        {
            new Rgb24(255, 0, 0), new Rgb24(0, 255, 0), new Rgb24(0, 0, 255), new Rgb24(255, 255, 0), new Rgb24(255, 0, 255),
        };

        /// <summary>The landmark map for five keypoints (pixel coordinates of the output) on a black image.</summary>
        public static Image<Rgb24> Render(IReadOnlyList<Vector2> keypoints, int width, int height) =>
            Image.LoadPixelData<Rgb24>(RenderRgb(keypoints, width, height), width, height);

        /// <summary>
        /// The landmark map as a ControlNet condition: float [3,H,W] RGB planes in 0..1 (what diffusers'
        /// image processor makes of the PIL image).
        /// </summary>
        public static float[] RenderTensor(IReadOnlyList<Vector2> keypoints, int width, int height)
        {
            var tensor = new float[3 * width * height];
            WriteTensor(RenderRgb(keypoints, width, height), width, height, tensor);
            return tensor;
        }

        /// <summary>Writes an RGB landmark map as CHW floats in 0..1 into <paramref name="destination"/> (3·H·W).</summary>
        public static void WriteTensor(Image<Rgb24> map, Span<float> destination)
        {
            var rgb = new byte[map.Width * map.Height * 3];
            map.CopyPixelDataTo(rgb);
            WriteTensor(rgb, map.Width, map.Height, destination);
        }

        static void WriteTensor(byte[] rgb, int width, int height, Span<float> destination)
        {
            int plane = width * height;
            if (destination.Length != 3 * plane) throw new ArgumentException($"destination needs {3 * plane} floats for {width}x{height}, has {destination.Length}", nameof(destination));
            for (int i = 0; i < plane; i++)
                for (int c = 0; c < 3; c++)
                    destination[c * plane + i] = rgb[3 * i + c] / 255f;
        }

        internal static byte[] RenderRgb(IReadOnlyList<Vector2> kps, int width, int height)
        {
            if (kps == null) throw new ArgumentNullException(nameof(kps));
            if (kps.Count != 5) throw new ArgumentException($"the landmark map needs the 5 face keypoints (eyes, nose, mouth corners), got {kps.Count}", nameof(kps));
            if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"map size must be positive, got {width}x{height}");
            for (int i = 0; i < 5; i++)
                if (!float.IsFinite(kps[i].X) || !float.IsFinite(kps[i].Y))
                    throw new ArgumentException($"keypoint {i} is not a finite number ({kps[i]})", nameof(kps));

            // Sticks go into a "float" canvas as draw_kps does (later sticks overwrite earlier ones); only
            // the colour index matters until the 0.6 dimming, so store index+1.
            var canvas = new byte[width * height];
            foreach (var (a, b) in Limbs)
            {
                Vector2 p = kps[a], q = kps[b];
                // float32 arithmetic as numpy does on insightface's float32 kps.
                float ddx = p.X - q.X, ddy = p.Y - q.Y;
                float length = MathF.Sqrt(ddx * ddx + ddy * ddy);
                double angle = Math.Atan2(ddy, ddx) * 180.0 / Math.PI;
                int cx = (int)((p.X + q.X) / 2f), cy = (int)((p.Y + q.Y) / 2f);
                var poly = CvDraw.Ellipse2Poly(cx, cy, (int)(length / 2f), StickWidth, (int)angle, 0, 360, 1);
                byte colour = (byte)(a + 1);
                CvDraw.FillConvexPoly(poly, width, height, (y, x1, x2) =>
                {
                    int row = y * width;
                    for (int x = x1; x <= x2; x++) canvas[row + x] = colour;
                });
            }

            var rgb = new byte[width * height * 3];
            for (int i = 0; i < canvas.Length; i++)
            {
                if (canvas[i] == 0) continue;
                var c = Colors[canvas[i] - 1];
                rgb[3 * i] = Dim(c.R);
                rgb[3 * i + 1] = Dim(c.G);
                rgb[3 * i + 2] = Dim(c.B);
            }
            for (int k = 0; k < 5; k++)
            {
                var c = Colors[k];
                CvDraw.FillCircle((int)kps[k].X, (int)kps[k].Y, CircleRadius, width, height, (y, x1, x2) =>
                {
                    int row = y * width;
                    for (int x = x1; x <= x2; x++)
                    {
                        int o = (row + x) * 3;
                        rgb[o] = c.R; rgb[o + 1] = c.G; rgb[o + 2] = c.B;
                    }
                });
            }
            return rgb;
        }

        // (out_img * 0.6).astype(np.uint8): double product, truncated.
        static byte Dim(byte v) => (byte)(v * 0.6);
    }
}
