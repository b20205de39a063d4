using InstantIdAvatars.Imaging;
using InstantIdAvatars.Tests.Faces;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Imaging
{
    public class CvResizeTests
    {
        [TestCase("down_in_203x131.png", "down_cv2_128x83.png", 128, 83)]
        [TestCase("up_in_37x23.png", "up_cv2_101x67.png", 101, 67)]
        [TestCase("mixed_in_150x40.png", "mixed_cv2_61x97.png", 61, 97)]
        public void Linear_IsBitExactWithCv2ResizeInterLinear(string input, string reference, int w, int h)
        {
            using var src = FaceFixtures.Png("Reference/resize/" + input);
            using var expected = FaceFixtures.Png("Reference/resize/" + reference);
            using var actual = CvResize.Linear(src, w, h);
            var e = FaceFixtures.Pixels(expected);
            var a = FaceFixtures.Pixels(actual);
            int wrong = 0, max = 0;
            for (int i = 0; i < e.Length; i++) { int d = System.Math.Abs(e[i] - a[i]); if (d > 0) wrong++; max = System.Math.Max(max, d); }
            TestContext.WriteLine($"{reference}: {wrong} of {e.Length} values differ, max {max}");
            Assert.That(wrong, Is.EqualTo(0));
        }

        [Test]
        public void Linear_SameSizeIsACopy()
        {
            using var src = FaceFixtures.Png("Reference/resize/up_in_37x23.png");
            using var same = CvResize.Linear(src, 37, 23);
            Assert.That(FaceFixtures.Pixels(same), Is.EqualTo(FaceFixtures.Pixels(src)));
        }

        [Test]
        public void TensorBlob_IsRgbPlanesOfPixelMinusMeanTimesScale()
        {
            using var img = new Image<Rgb24>(2, 1);
            img[0, 0] = new Rgb24(0, 128, 255);
            img[1, 0] = new Rgb24(10, 20, 30);
            var blob = TensorBlob.FromImage(img, 127.5f, 1f / 128f);
            Assert.That(blob, Is.EqualTo(new[] { -127.5f / 128, -117.5f / 128, 0.5f / 128, -107.5f / 128, 127.5f / 128, -97.5f / 128 }));
        }
    }
}
