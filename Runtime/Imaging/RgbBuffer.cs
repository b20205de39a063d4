using System;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// A packed 8-bit RGB image (row-major, 3 bytes a pixel) for the OpenCV-exact kernels, which need plain
    /// array indexing rather than ImageSharp's row accessors.
    /// </summary>
    internal sealed class RgbBuffer
    {
        public readonly int Width;
        public readonly int Height;
        public readonly byte[] Data;

        public RgbBuffer(int width, int height)
        {
            if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
            Width = width;
            Height = height;
            Data = new byte[checked(width * height * 3)];
        }

        public RgbBuffer(int width, int height, byte[] data)
        {
            if (data.Length != checked(width * height * 3)) throw new ArgumentException($"expected {width * height * 3} bytes for {width}x{height} RGB, got {data.Length}");
            Width = width;
            Height = height;
            Data = data;
        }

        public static RgbBuffer From(Image<Rgb24> image)
        {
            var buffer = new RgbBuffer(image.Width, image.Height);
            image.CopyPixelDataTo(buffer.Data);
            return buffer;
        }

        public Image<Rgb24> ToImage() => Image.LoadPixelData<Rgb24>(Data, Width, Height);
    }
}
