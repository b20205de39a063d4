using System;
using System.IO;
using InstantIdAvatars.Imaging;
using InstantIdAvatars.Tests.Faces;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Imaging
{
    public class ImageLoaderTests
    {
        string _dir = "";

        [SetUp] public void SetUp() => _dir = TestData.NewTempFolder();
        [TearDown] public void TearDown() => Directory.Delete(_dir, true);

        [Test]
        public void Load_PngFile_GivesTheSamePixels()
        {
            var path = TestData.Path("Faces/astronaut.png");
            using var expected = Image.Load<Rgb24>(path);
            using var loaded = ImageLoader.Load(path);
            Assert.That(loaded.Size(), Is.EqualTo(expected.Size()));
            Assert.That(FaceFixtures.Pixels(loaded), Is.EqualTo(FaceFixtures.Pixels(expected)));
        }

        [Test]
        public void Load_JpegBytesWithExifOrientation_IsRotatedUpright()
        {
            // 4x2 image, left half red; EXIF 6 = "rotate 90° clockwise to display".
            using var img = new Image<Rgb24>(4, 2, new Rgb24(0, 0, 255));
            for (int y = 0; y < 2; y++) for (int x = 0; x < 2; x++) img[x, y] = new Rgb24(255, 0, 0);
            img.Metadata.ExifProfile = new ExifProfile();
            img.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
            using var ms = new MemoryStream();
            img.SaveAsPng(ms);
            using var loaded = ImageLoader.Load(ms.ToArray());
            Assert.That(loaded.Width, Is.EqualTo(2));
            Assert.That(loaded.Height, Is.EqualTo(4));
            Assert.That(loaded[1, 0].R, Is.EqualTo(255)); // top row came from the left (red) half
            Assert.That(loaded[1, 3].B, Is.EqualTo(255));
            using var raw = ImageLoader.Load(ms.ToArray(), new ImageLoadOptions { AutoOrient = false });
            Assert.That(raw.Width, Is.EqualTo(4));
        }

        [Test]
        public void Load_GreyAnd16BitAndAlpha_AreConvertedToRgb()
        {
            using var grey = new Image<L8>(3, 1, new L8(100));
            Assert.That(RoundTrip(grey)[0, 0], Is.EqualTo(new Rgb24(100, 100, 100)));

            using var deep = new Image<Rgb48>(1, 1, new Rgb48(65535, 0, 32896));
            Assert.That(RoundTrip(deep)[0, 0], Is.EqualTo(new Rgb24(255, 0, 128)));

            using var alpha = new Image<Rgba32>(2, 1);
            alpha[0, 0] = new Rgba32(200, 100, 50, 0);
            alpha[1, 0] = new Rgba32(200, 100, 50, 128);
            var flat = RoundTrip(alpha);
            Assert.That(flat[0, 0], Is.EqualTo(new Rgb24(0, 0, 0)), "transparent goes black");
            Assert.That(flat[1, 0], Is.EqualTo(new Rgb24(100, 50, 25)), "half alpha is premultiplied");
        }

        static Image<Rgb24> RoundTrip<T>(Image<T> image) where T : unmanaged, IPixel<T>
        {
            using var ms = new MemoryStream();
            image.SaveAsPng(ms);
            return ImageLoader.Load(ms.ToArray());
        }

        [Test]
        public void FromRgba32_BottomUpBuffer_IsFlipped()
        {
            var rgba = new byte[] { 1, 2, 3, 255, 4, 5, 6, 255 }; // 1x2, first row = bottom
            using var img = ImageLoader.FromRgba32(rgba, 1, 2, bottomUp: true);
            Assert.That(img[0, 0], Is.EqualTo(new Rgb24(4, 5, 6)));
            Assert.That(img[0, 1], Is.EqualTo(new Rgb24(1, 2, 3)));
            Assert.That(() => ImageLoader.FromRgba32(rgba, 2, 2), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("4 bytes per pixel"));
        }

        [Test]
        public void Load_ZeroByteFile_SaysItIsEmpty()
        {
            var path = Path.Combine(_dir, "empty.png");
            File.WriteAllBytes(path, Array.Empty<byte>());
            Assert.That(() => ImageLoader.Load(path), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("empty"));
            Assert.That(() => ImageLoader.Load(Array.Empty<byte>()), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("empty"));
        }

        [Test]
        public void Load_MissingFile_SaysSo()
        {
            Assert.That(() => ImageLoader.Load(Path.Combine(_dir, "nope.jpg")), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("does not exist"));
        }

        [Test]
        public void Load_UnknownFormat_SaysWhichFormatsWork()
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes("this is not an image, just some text in a file");
            Assert.That(() => ImageLoader.Load(bytes), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("not in a known image format"));
        }

        [Test]
        public void Load_TruncatedPng_SaysCorrupt()
        {
            var full = File.ReadAllBytes(TestData.Path("Reference/resize/up_in_37x23.png"));
            var cut = new byte[full.Length / 2];
            Array.Copy(full, cut, cut.Length);
            Assert.That(() => ImageLoader.Load(cut), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("corrupt"));
        }

        [Test]
        public void Load_TooManyPixels_IsRejectedFromTheHeader()
        {
            var bytes = File.ReadAllBytes(TestData.Path("Reference/resize/up_in_37x23.png"));
            var options = new ImageLoadOptions { MaxPixels = 37 * 23 - 1 };
            Assert.That(() => ImageLoader.Load(bytes, options), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("megapixel limit"));
            Assert.That(ImageLoader.Load(bytes, new ImageLoadOptions { MaxPixels = 37 * 23 }).Width, Is.EqualTo(37));
        }

        [Test]
        public void Load_TooManyBytes_IsRejectedBeforeDecoding()
        {
            var path = TestData.Path("Reference/resize/up_in_37x23.png");
            var options = new ImageLoadOptions { MaxFileBytes = 100 };
            Assert.That(() => ImageLoader.Load(path, options), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("MB limit"));
        }

        [Test]
        public void Load_HugeDeclaredSize_IsRejectedWithoutDecoding()
        {
            // A valid PNG header claiming 60000x60000 followed by nothing: must fail on the limit, not on memory.
            var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
                0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60, 8, 2, 0, 0, 0, 0, 0, 0, 0 };
            var crc = Crc32(png, 12, 17);
            png[29] = (byte)(crc >> 24); png[30] = (byte)(crc >> 16); png[31] = (byte)(crc >> 8); png[32] = (byte)crc;
            Assert.That(() => ImageLoader.Load(png), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("60000x60000"));
        }

        static uint Crc32(byte[] data, int offset, int count)
        {
            uint crc = 0xFFFFFFFF;
            for (int i = offset; i < offset + count; i++)
            {
                crc ^= data[i];
                for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
            return ~crc;
        }
    }
}
