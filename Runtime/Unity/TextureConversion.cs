using System;
using InstantIdAvatars.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Unity.Collections;
using UnityEngine;

namespace InstantIdAvatars.Unity
{
    /// <summary>
    /// Converts between ImageSharp images and Texture2D through reusable byte buffers (no per-pixel objects).
    /// Unity stores rows bottom first; <see cref="PixelRows"/> does the flip. Use one instance per caller on the
    /// main thread (textures are main-thread only, and the buffers are not shared).
    /// </summary>
    public sealed class TextureConversion
    {
        byte[] _rgb = Array.Empty<byte>();
        byte[] _raw = Array.Empty<byte>();

        /// <summary>
        /// Writes <paramref name="image"/> into <paramref name="texture"/> (resized to fit, RGBA32, no mipmaps) or into a
        /// new texture when it is null, and uploads it. Returns the texture written.
        /// </summary>
        public Texture2D ToTexture(Image<Rgb24> image, Texture2D? texture = null)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            int width = image.Width, height = image.Height;
            if (texture == null) texture = new Texture2D(width, height, TextureFormat.RGBA32, false);
            else if (texture.width != width || texture.height != height || texture.format != TextureFormat.RGBA32)
                texture.Reinitialize(width, height, TextureFormat.RGBA32, false);
            Fit(ref _rgb, width * height * 3);
            Fit(ref _raw, width * height * 4);
            image.CopyPixelDataTo(_rgb.AsSpan());
            PixelRows.Copy(_rgb, 3, _raw, 4, width, height, flipRows: true);
            texture.SetPixelData(_raw, 0);
            texture.Apply(false, false);
            return texture;
        }

        /// <summary>
        /// Reads a texture into a new image (top row first). RGB24 and RGBA32 textures are read without a pixel
        /// array; other formats go through GetPixels32. The texture must have Read/Write enabled.
        /// </summary>
        public Image<Rgb24> ToImage(Texture2D texture)
        {
            if (texture == null) throw new ArgumentNullException(nameof(texture));
            if (!texture.isReadable)
                throw new InstantIdException($"Texture '{texture.name}' is not readable: enable Read/Write in its import settings.");
            int width = texture.width, height = texture.height;
            Fit(ref _rgb, width * height * 3);
            var format = texture.format;
            if (format == TextureFormat.RGB24 || format == TextureFormat.RGBA32)
            {
                int channels = format == TextureFormat.RGB24 ? 3 : 4;
                // a view of the texture's own memory: copied out, never disposed (Unity owns it)
                var data = texture.GetRawTextureData<byte>();
                int length = width * height * channels;
                Fit(ref _raw, length);
                NativeArray<byte>.Copy(data, 0, _raw, 0, length);
                PixelRows.Copy(_raw, channels, _rgb, 3, width, height, flipRows: true);
            }
            else
            {
                var colors = texture.GetPixels32();
                PixelRows.Copy(System.Runtime.InteropServices.MemoryMarshal.AsBytes(colors.AsSpan()), 4, _rgb, 3, width, height, flipRows: true);
            }
            return SixLabors.ImageSharp.Image.LoadPixelData<Rgb24>(new ReadOnlySpan<byte>(_rgb, 0, width * height * 3), width, height);
        }

        static void Fit(ref byte[] buffer, int length)
        {
            // exact size: Texture2D.SetPixelData takes the whole array
            if (buffer.Length != length) buffer = new byte[length];
        }
    }
}
