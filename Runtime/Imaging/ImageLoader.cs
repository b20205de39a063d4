using System;
using System.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace InstantIdAvatars.Imaging
{
    /// <summary>Limits <see cref="ImageLoader"/> checks before it decodes anything.</summary>
    public sealed class ImageLoadOptions
    {
        /// <summary>Largest accepted width × height (default 64 megapixels).</summary>
        public long MaxPixels { get; set; } = 64L * 1000 * 1000;

        /// <summary>Largest accepted encoded file size in bytes (default 100 MB).</summary>
        public long MaxFileBytes { get; set; } = 100L * 1000 * 1000;

        /// <summary>Rotate/flip by the EXIF orientation tag, as diffusers' load_image does (default on).</summary>
        public bool AutoOrient { get; set; } = true;

        internal static readonly ImageLoadOptions Default = new ImageLoadOptions();
    }

    /// <summary>
    /// Loads photos into 8-bit RGB. Any format ImageSharp decodes (PNG, JPEG, BMP, GIF, TGA, TIFF, WebP, PBM);
    /// grey and 16-bit images are converted to 8-bit RGB; alpha is composited over BLACK (premultiplied), so
    /// transparent areas read as the black background the landmark map and detector letterbox also use.
    /// Size limits are checked from the header (Image.Identify) before the pixels are decoded.
    /// </summary>
    public static class ImageLoader
    {
        /// <summary>Loads an image file.</summary>
        /// <exception cref="UnsupportedImageException">missing, empty, corrupt, unknown format or too large.</exception>
        public static Image<Rgb24> Load(string path, ImageLoadOptions? options = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            options ??= ImageLoadOptions.Default;
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new UnsupportedImageException($"Image file '{path}' does not exist. Check the path.");
            if (info.Length == 0)
                throw new UnsupportedImageException($"Image file '{path}' is empty (0 bytes). Save the photo again or pick another file.");
            if (info.Length > options.MaxFileBytes)
                throw new UnsupportedImageException($"Image file '{path}' is {info.Length / 1e6:0.#} MB, over the {options.MaxFileBytes / 1e6:0.#} MB limit. Use a smaller or more compressed photo (JPEG/PNG), or raise ImageLoadOptions.MaxFileBytes.");
            FileStream stream;
            // Another program can hold the file (a camera app still writing it) or it can vanish after the check above.
            try { stream = File.OpenRead(path); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new UnsupportedImageException($"Image file '{path}' cannot be read ({e.Message}). Close the program that is writing it, or check its permissions.", e);
            }
            using (stream) return Decode(stream, "'" + path + "'", options);
        }

        /// <summary>Loads an encoded image (file contents) from memory.</summary>
        /// <exception cref="UnsupportedImageException">empty, corrupt, unknown format or too large.</exception>
        public static Image<Rgb24> Load(byte[] encoded, ImageLoadOptions? options = null)
        {
            if (encoded == null) throw new ArgumentNullException(nameof(encoded));
            options ??= ImageLoadOptions.Default;
            if (encoded.Length == 0)
                throw new UnsupportedImageException("The image data is empty (0 bytes). Pass the bytes of a PNG or JPEG file.");
            if (encoded.Length > options.MaxFileBytes)
                throw new UnsupportedImageException($"The image data is {encoded.Length / 1e6:0.#} MB, over the {options.MaxFileBytes / 1e6:0.#} MB limit. Use a smaller photo or raise ImageLoadOptions.MaxFileBytes.");
            using var stream = new MemoryStream(encoded, writable: false);
            return Decode(stream, "The image data", options);
        }

        /// <summary>
        /// Wraps a raw RGBA32 buffer (e.g. a Unity texture's pixels or a webcam frame), flattening alpha on black.
        /// </summary>
        /// <param name="rgba">width × height × 4 bytes, rows top to bottom unless <paramref name="bottomUp"/>.</param>
        /// <param name="bottomUp">true when the first row is the bottom one (Unity's Texture2D.GetPixels32 order).</param>
        public static Image<Rgb24> FromRgba32(ReadOnlySpan<byte> rgba, int width, int height, bool bottomUp = false, ImageLoadOptions? options = null)
        {
            options ??= ImageLoadOptions.Default;
            if (width <= 0 || height <= 0)
                throw new UnsupportedImageException($"The raw image size {width}x{height} is not valid; width and height must be positive.");
            if ((long)width * height > options.MaxPixels)
                throw new UnsupportedImageException(TooManyPixels("The raw image", width, height, options));
            if (rgba.Length != (long)width * height * 4)
                throw new UnsupportedImageException($"The raw RGBA buffer has {rgba.Length} bytes but {width}x{height} needs {(long)width * height * 4}. Pass 4 bytes per pixel (R, G, B, A).");
            var rgb = new byte[width * height * 3];
            for (int y = 0; y < height; y++)
            {
                int srcRow = (bottomUp ? height - 1 - y : y) * width * 4;
                int dstRow = y * width * 3;
                for (int x = 0; x < width; x++)
                {
                    int s = srcRow + x * 4, d = dstRow + x * 3;
                    int a = rgba[s + 3];
                    rgb[d] = Premultiply(rgba[s], a);
                    rgb[d + 1] = Premultiply(rgba[s + 1], a);
                    rgb[d + 2] = Premultiply(rgba[s + 2], a);
                }
            }
            return Image.LoadPixelData<Rgb24>(rgb, width, height);
        }

        // Composite over black: c·a/255, rounded.
        static byte Premultiply(int c, int a) => a == 255 ? (byte)c : (byte)((c * a + 127) / 255);

        static Image<Rgb24> Decode(Stream stream, string what, ImageLoadOptions options)
        {
            IImageInfo? info;
            IImageFormat? format;
            try
            {
                info = Image.Identify(Configuration.Default, stream, out format);
            }
            catch (Exception e) when (IsDecoderFailure(e))
            {
                throw new UnsupportedImageException($"{what} is corrupt or truncated ({e.Message}). Re-export the photo as PNG or JPEG.", e);
            }
            if (info == null || format == null)
                throw new UnsupportedImageException($"{what} is not in a known image format. Use PNG, JPEG, BMP, GIF, TGA, TIFF or WebP.");
            if (info.Width <= 0 || info.Height <= 0)
                throw new UnsupportedImageException($"{what} declares an empty size {info.Width}x{info.Height}. Re-export the photo.");
            if ((long)info.Width * info.Height > options.MaxPixels)
                throw new UnsupportedImageException(TooManyPixels(what, info.Width, info.Height, options));

            stream.Position = 0;
            Image<Rgba32> decoded;
            try
            {
                decoded = FirstFrameDecoder(format) is IImageDecoder decoder
                    ? Image.Load<Rgba32>(Configuration.Default, stream, decoder)
                    : Image.Load<Rgba32>(Configuration.Default, stream);
            }
            catch (Exception e) when (IsDecoderFailure(e))
            {
                throw new UnsupportedImageException($"{what} ({format.Name}) is corrupt or truncated and could not be decoded ({e.Message}). Re-export the photo as PNG or JPEG.", e);
            }
            using (decoded)
            {
                if (options.AutoOrient) decoded.Mutate(c => c.AutoOrient());
                return Flatten(decoded);
            }
        }

        // Only the first frame is used, so only the first is decoded: a small GIF or TIFF can hold thousands of
        // frames, each as large as MaxPixels allows, and decoding them all would exhaust memory.
        static IImageDecoder? FirstFrameDecoder(IImageFormat format)
        {
            if (format is GifFormat) return new GifDecoder { DecodingMode = FrameDecodingMode.First };
            if (format is TiffFormat) return new TiffDecoder { DecodingMode = FrameDecodingMode.First };
            return null;
        }

        // Photos are untrusted input and ImageSharp's decoders signal malformed data with many exception types
        // (InvalidOperationException for oversized BMP headers and empty TIFF directories, IndexOutOfRange, …).
        // Every one of them means "this file cannot be used"; only real memory exhaustion is left alone.
        static bool IsDecoderFailure(Exception e) => !(e is OutOfMemoryException) && !(e is InstantIdException);

        static Image<Rgb24> Flatten(Image<Rgba32> source)
        {
            int w = source.Width, h = source.Height;
            var rgba = new byte[w * h * 4];
            // Only the first frame of animated formats is used.
            source.Frames.RootFrame.CopyPixelDataTo(rgba);
            return FromRgba32(rgba, w, h, false, new ImageLoadOptions { MaxPixels = long.MaxValue });
        }

        static string TooManyPixels(string what, int w, int h, ImageLoadOptions o) =>
            $"{what} is {w}x{h} ({(double)w * h / 1e6:0.#} megapixels), over the {o.MaxPixels / 1e6:0.#} megapixel limit. Downscale the photo (faces need only ~1024 px) or raise ImageLoadOptions.MaxPixels.";
    }
}
