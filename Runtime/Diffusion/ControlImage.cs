using System;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>Condition images for ControlNets in the layout the models take.</summary>
    public static class ControlImage
    {
        /// <summary>
        /// RGB image → [3,H,W] floats in 0..1 (value / 255), as diffusers' control image processor
        /// (<c>VaeImageProcessor(do_normalize=False)</c>). The image must already have the generation size.
        /// </summary>
        public static float[] ToChw(Image<Rgb24> image)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            int w = image.Width, h = image.Height, plane = w * h;
            var chw = new float[3 * plane];
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < h; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (int x = 0; x < w; x++)
                    {
                        int i = y * w + x;
                        chw[i] = row[x].R / 255f;
                        chw[plane + i] = row[x].G / 255f;
                        chw[2 * plane + i] = row[x].B / 255f;
                    }
                }
            });
            return chw;
        }
    }
}
