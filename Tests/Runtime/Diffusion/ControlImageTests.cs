using System;
using InstantIdAvatars.Diffusion;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Diffusion
{
    public sealed class ControlImageTests
    {
        [Test]
        public void ToChw_ReproducesThePipelinesControlImageTensor()
        {
            // control_image.npy row 0 = draw_kps(...) / 255 in NCHW: rebuild the 8-bit image and convert it back.
            var expected = StepFixture.Row(StepFixture.Load("control_image"), 2, 0);
            var rgb = new byte[64 * 64 * 3];
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < 64 * 64; i++)
                    rgb[i * 3 + c] = (byte)Math.Round(expected[c * 64 * 64 + i] * 255f);
            using var image = Image.LoadPixelData<Rgb24>(rgb, 64, 64);
            Assert.That(ControlImage.ToChw(image), Is.EqualTo(expected));
        }
    }
}
