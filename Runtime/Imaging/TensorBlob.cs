using System;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// cv2.dnn.blobFromImage for the face models: NCHW float32 RGB planes of <c>(pixel − mean) · scale</c>.
    /// insightface feeds BGR images with swapRB=True, so its blobs are RGB; these images are RGB already.
    /// </summary>
    public static class TensorBlob
    {
        /// <summary>A [1,3,H,W] blob of the image, RGB planes.</summary>
        public static float[] FromImage(Image<Rgb24> image, float mean, float scale) => FromBuffer(RgbBuffer.From(image), mean, scale);

        /// <summary>Writes the blob of one image into <paramref name="destination"/> (length 3·H·W).</summary>
        public static void Write(Image<Rgb24> image, float mean, float scale, Span<float> destination) =>
            Write(RgbBuffer.From(image), mean, scale, destination);

        internal static float[] FromBuffer(RgbBuffer image, float mean, float scale)
        {
            var blob = new float[3 * image.Width * image.Height];
            Write(image, mean, scale, blob);
            return blob;
        }

        internal static void Write(RgbBuffer image, float mean, float scale, Span<float> destination)
        {
            int plane = image.Width * image.Height;
            if (destination.Length != 3 * plane) throw new ArgumentException($"destination needs {3 * plane} floats, has {destination.Length}");
            var d = image.Data;
            // As OpenCV: convert to float, subtract the mean, then multiply (in float32).
            for (int i = 0; i < plane; i++)
            {
                destination[i] = (d[3 * i] - mean) * scale;
                destination[plane + i] = (d[3 * i + 1] - mean) * scale;
                destination[2 * plane + i] = (d[3 * i + 2] - mean) * scale;
            }
        }
    }
}
