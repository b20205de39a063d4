using System;
using System.Linq;
using InstantIdAvatars.Imaging;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Imaging
{
    public sealed class PixelRowsTests
    {
        // pixel (x, y) of a top-first image gets channel values 100*y + 10*x + c, so every byte says where it came from
        static byte[] Image(int width, int height, int channels) =>
            Enumerable.Range(0, width * height * channels)
                .Select(i => (byte)(100 * (i / channels / width) + 10 * (i / channels % width) + i % channels)).ToArray();

        [Test]
        public void Copy_Rgb24ToRgba32Flipped_ReversesRowsAndAddsOpaqueAlpha_OddWidth()
        {
            const int width = 3, height = 2;
            var source = Image(width, height, 3);
            var destination = new byte[width * height * 4];
            PixelRows.Copy(source, 3, destination, 4, width, height, flipRows: true);
            var expected = new byte[]
            {
                // bottom-first: the last source row (y = 1) comes first
                100, 101, 102, 255,  110, 111, 112, 255,  120, 121, 122, 255,
                0, 1, 2, 255,        10, 11, 12, 255,     20, 21, 22, 255,
            };
            Assert.That(destination, Is.EqualTo(expected));
        }

        [Test]
        public void Copy_Rgba32ToRgb24Flipped_ReversesRowsAndDropsAlpha_OddWidthAndHeight()
        {
            const int width = 5, height = 3;
            var source = Image(width, height, 4);
            var destination = new byte[width * height * 3];
            PixelRows.Copy(source, 4, destination, 3, width, height, flipRows: true);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    for (int c = 0; c < 3; c++)
                        Assert.That(destination[((height - 1 - y) * width + x) * 3 + c], Is.EqualTo((byte)(100 * y + 10 * x + c)), $"x={x} y={y} c={c}");
        }

        [Test]
        public void Copy_FlipTwice_RoundTripsRgb24ThroughRgba32()
        {
            const int width = 7, height = 5;
            var source = Image(width, height, 3);
            var texture = new byte[width * height * 4];
            var back = new byte[width * height * 3];
            PixelRows.Copy(source, 3, texture, 4, width, height, flipRows: true);
            PixelRows.Copy(texture, 4, back, 3, width, height, flipRows: true);
            Assert.That(back, Is.EqualTo(source));
        }

        [Test]
        public void Copy_SameLayoutWithoutFlip_IsAPlainCopy_AndLeavesTheRestOfALargerBuffer()
        {
            var source = Image(3, 3, 3);
            var destination = Enumerable.Repeat((byte)7, 3 * 3 * 3 + 4).ToArray();
            PixelRows.Copy(source, 3, destination, 3, 3, 3, flipRows: false);
            Assert.That(destination.Take(27), Is.EqualTo(source));
            Assert.That(destination.Skip(27), Is.All.EqualTo((byte)7));
        }

        [Test]
        public void Copy_SingleRow_FlipChangesNothing()
        {
            var source = Image(5, 1, 4);
            var flipped = new byte[20];
            PixelRows.Copy(source, 4, flipped, 4, 5, 1, flipRows: true);
            Assert.That(flipped, Is.EqualTo(source));
        }

        [Test]
        public void Copy_TooSmallBuffersOrBadChannels_ThrowAndSayWhy()
        {
            Assert.That(() => PixelRows.Copy(new byte[17], 3, new byte[24], 4, 3, 2, true),
                Throws.ArgumentException.With.Message.Contains("needs 18"));
            Assert.That(() => PixelRows.Copy(new byte[18], 3, new byte[23], 4, 3, 2, true),
                Throws.ArgumentException.With.Message.Contains("needs 24"));
            Assert.That(() => PixelRows.Copy(new byte[12], 2, new byte[24], 4, 3, 2, true),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("only RGB24 (3) and RGBA32 (4)"));
        }
    }
}
