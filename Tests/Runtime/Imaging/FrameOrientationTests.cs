using System;
using System.Linq;
using InstantIdAvatars.Imaging;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Imaging
{
    public sealed class FrameOrientationTests
    {
        // The frame as displayed (top row first) is
        //   A B C
        //   D E F
        // with each letter a pixel whose red channel is the letter; WebCamTexture hands it over bottom row first.
        const int Width = 3, Height = 2;

        static byte[] Frame(string topFirstRows)
        {
            var rows = topFirstRows.Split('/');
            return rows.Reverse().SelectMany(r => r.SelectMany(c => new[] { (byte)c, (byte)(c + 1), (byte)(c + 2), (byte)0 })).ToArray();
        }

        static string Upright(byte[] frame, int rotation, bool mirrored)
        {
            var (w, h) = FrameOrientation.UprightSize(Width, Height, rotation);
            var rgb = new byte[w * h * 3];
            FrameOrientation.ToUprightRgb24(frame, Width, Height, rotation, mirrored, rgb);
            for (int i = 0; i < w * h; i++)
            {
                Assert.That(rgb[i * 3 + 1], Is.EqualTo(rgb[i * 3] + 1), "green follows red");
                Assert.That(rgb[i * 3 + 2], Is.EqualTo(rgb[i * 3] + 2), "blue follows red");
            }
            return string.Join("/", Enumerable.Range(0, h).Select(y => new string(Enumerable.Range(0, w).Select(x => (char)rgb[(y * w + x) * 3]).ToArray())));
        }

        [TestCase(0, false, "ABC/DEF")]
        [TestCase(90, false, "DA/EB/FC")]
        [TestCase(180, false, "FED/CBA")]
        [TestCase(270, false, "CF/BE/AD")]
        [TestCase(-90, false, "CF/BE/AD")]
        [TestCase(450, false, "DA/EB/FC")]
        [TestCase(0, true, "DEF/ABC")]
        [TestCase(90, true, "AD/BE/CF")]
        [TestCase(180, true, "CBA/FED")]
        [TestCase(270, true, "FC/EB/DA")]
        public void ToUprightRgb24_MirrorsThenRotatesClockwise(int rotation, bool mirrored, string expected)
        {
            Assert.That(Upright(Frame("ABC/DEF"), rotation, mirrored), Is.EqualTo(expected));
        }

        [Test]
        public void UprightSize_SwapsForQuarterTurns()
        {
            Assert.That(FrameOrientation.UprightSize(640, 480, 90), Is.EqualTo((480, 640)));
            Assert.That(FrameOrientation.UprightSize(640, 480, 180), Is.EqualTo((640, 480)));
            Assert.That(FrameOrientation.UprightSize(640, 480, 270), Is.EqualTo((480, 640)));
        }

        [Test]
        public void ToUprightRgb24_RejectsNonQuarterAnglesAndShortBuffers()
        {
            Assert.That(() => FrameOrientation.ToUprightRgb24(new byte[24], Width, Height, 45, false, new byte[18]),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("not a multiple of 90"));
            Assert.That(() => FrameOrientation.ToUprightRgb24(new byte[23], Width, Height, 0, false, new byte[18]),
                Throws.ArgumentException.With.Message.Contains("RGBA32 needs 24"));
            Assert.That(() => FrameOrientation.ToUprightRgb24(new byte[24], Width, Height, 0, false, new byte[17]),
                Throws.ArgumentException.With.Message.Contains("18 are needed"));
        }
    }
}
