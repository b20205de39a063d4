using System;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// Turns a camera frame as Unity's WebCamTexture delivers it (RGBA32, bottom row first) into an upright
    /// top-row-first RGB24 image. Unity reports how to show the frame: mirror it vertically when
    /// <c>videoVerticallyMirrored</c>, then rotate it clockwise by <c>videoRotationAngle</c> degrees (its docs
    /// rotate the display by −angle about z and flip the y scale); this applies the same to the pixels.
    /// </summary>
    static class FrameOrientation
    {
        /// <summary>Normalises an angle to 0, 90, 180 or 270; anything else is not a camera rotation.</summary>
        public static int NormaliseRotation(int clockwiseDegrees)
        {
            int r = ((clockwiseDegrees % 360) + 360) % 360;
            if (r % 90 != 0)
                throw new ArgumentOutOfRangeException(nameof(clockwiseDegrees), $"a camera rotation of {clockwiseDegrees}° is not a multiple of 90°");
            return r;
        }

        /// <summary>Size of the upright image: width and height swap for 90° and 270°.</summary>
        public static (int Width, int Height) UprightSize(int width, int height, int clockwiseDegrees)
        {
            int r = NormaliseRotation(clockwiseDegrees);
            return r == 90 || r == 270 ? (height, width) : (width, height);
        }

        /// <summary>
        /// Writes the upright image to <paramref name="destination"/> (RGB24, top row first, size from
        /// <see cref="UprightSize"/>). <paramref name="source"/> is RGBA32, bottom row first, as
        /// <c>WebCamTexture.GetPixels32</c> returns it.
        /// </summary>
        public static void ToUprightRgb24(ReadOnlySpan<byte> source, int width, int height, int clockwiseDegrees,
            bool verticallyMirrored, Span<byte> destination)
        {
            if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}×{height} is empty");
            int rotation = NormaliseRotation(clockwiseDegrees);
            if (source.Length < width * height * 4)
                throw new ArgumentException($"the frame holds {source.Length} bytes; {width}×{height} RGBA32 needs {width * height * 4}", nameof(source));
            if (destination.Length < width * height * 3)
                throw new ArgumentException($"the destination holds {destination.Length} bytes; {width * height * 3} are needed", nameof(destination));
            var (outWidth, outHeight) = UprightSize(width, height, rotation);
            int d = 0;
            for (int oy = 0; oy < outHeight; oy++)
            {
                for (int ox = 0; ox < outWidth; ox++, d += 3)
                {
                    // (sx, sy): the pixel of the displayed (mirrored, top-first) frame that rotation brings here
                    int sx, sy;
                    switch (rotation)
                    {
                        case 90: sx = oy; sy = height - 1 - ox; break;
                        case 180: sx = width - 1 - ox; sy = height - 1 - oy; break;
                        case 270: sx = width - 1 - oy; sy = ox; break;
                        default: sx = ox; sy = oy; break;
                    }
                    // displayed row sy is stored at bottom-first row height-1-sy, or at sy when mirrored
                    int row = verticallyMirrored ? sy : height - 1 - sy;
                    int s = (row * width + sx) * 4;
                    destination[d] = source[s];
                    destination[d + 1] = source[s + 1];
                    destination[d + 2] = source[s + 2];
                }
            }
        }
    }
}
