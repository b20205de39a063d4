using System;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// Copies tightly packed 8-bit RGB24/RGBA32 pixel rows between layouts, optionally reversing the row order.
    /// Unity stores textures bottom row first while ImageSharp (and every image file) is top row first, so a
    /// texture upload or read-back is one flipped copy through a reusable buffer, with no per-pixel objects.
    /// </summary>
    static class PixelRows
    {
        /// <summary>
        /// Copies a <paramref name="width"/>×<paramref name="height"/> image from <paramref name="source"/>
        /// (<paramref name="sourceChannels"/> = 3 for RGB24, 4 for RGBA32) to <paramref name="destination"/>
        /// (<paramref name="destinationChannels"/>); RGB→RGBA writes alpha 255, RGBA→RGB drops alpha.
        /// With <paramref name="flipRows"/> the first source row becomes the last destination row.
        /// </summary>
        public static void Copy(ReadOnlySpan<byte> source, int sourceChannels, Span<byte> destination, int destinationChannels,
            int width, int height, bool flipRows)
        {
            CheckChannels(sourceChannels, nameof(sourceChannels));
            CheckChannels(destinationChannels, nameof(destinationChannels));
            if (width < 0 || height < 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}×{height} is negative");
            long sourceLength = (long)width * height * sourceChannels, destinationLength = (long)width * height * destinationChannels;
            if (source.Length < sourceLength)
                throw new ArgumentException($"the source holds {source.Length} bytes; a {width}×{height} image with {sourceChannels} channels needs {sourceLength}", nameof(source));
            if (destination.Length < destinationLength)
                throw new ArgumentException($"the destination holds {destination.Length} bytes; a {width}×{height} image with {destinationChannels} channels needs {destinationLength}", nameof(destination));
            int sourceStride = width * sourceChannels, destinationStride = width * destinationChannels;
            for (int y = 0; y < height; y++)
            {
                int dy = flipRows ? height - 1 - y : y;
                CopyRow(source.Slice(y * sourceStride, sourceStride), sourceChannels,
                        destination.Slice(dy * destinationStride, destinationStride), destinationChannels, width);
            }
        }

        /// <summary>Copies one row of <paramref name="width"/> pixels between RGB24 and RGBA32 layouts.</summary>
        public static void CopyRow(ReadOnlySpan<byte> source, int sourceChannels, Span<byte> destination, int destinationChannels, int width)
        {
            CheckChannels(sourceChannels, nameof(sourceChannels));
            CheckChannels(destinationChannels, nameof(destinationChannels));
            if (source.Length < width * sourceChannels || destination.Length < width * destinationChannels)
                throw new ArgumentException($"a row of {width} pixels does not fit the given buffers");
            if (sourceChannels == destinationChannels)
            {
                source.Slice(0, width * sourceChannels).CopyTo(destination);
                return;
            }
            if (sourceChannels == 3)
            {
                for (int x = 0, s = 0, d = 0; x < width; x++, s += 3, d += 4)
                {
                    destination[d] = source[s];
                    destination[d + 1] = source[s + 1];
                    destination[d + 2] = source[s + 2];
                    destination[d + 3] = 255;
                }
            }
            else
            {
                for (int x = 0, s = 0, d = 0; x < width; x++, s += 4, d += 3)
                {
                    destination[d] = source[s];
                    destination[d + 1] = source[s + 1];
                    destination[d + 2] = source[s + 2];
                }
            }
        }

        static void CheckChannels(int channels, string name)
        {
            if (channels != 3 && channels != 4)
                throw new ArgumentOutOfRangeException(name, $"{channels} channels: only RGB24 (3) and RGBA32 (4) are supported");
        }
    }
}
