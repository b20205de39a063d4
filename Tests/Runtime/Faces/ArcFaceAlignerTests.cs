using System.Collections.Generic;
using System.Linq;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Imaging;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Faces
{
    public class ArcFaceAlignerTests
    {
        static IEnumerable<TestCaseData> Cases()
        {
            foreach (var c in FaceFixtures.Json("Reference/face_align/face_align.json")["cases"]!)
                yield return new TestCaseData((string)c["name"]!).SetName("Align_" + (string)c["name"]!);
        }

        static JToken Case(string name) => FaceFixtures.Json("Reference/face_align/face_align.json")["cases"]!.First(c => (string)c["name"]! == name);

        static Affine2D UpstreamM(JToken c)
        {
            var e = c["M"]!.SelectMany(r => r.Select(v => (double)v)).ToArray();
            return new Affine2D(e[0], e[1], e[2], e[3], e[4], e[5]);
        }

        [TestCaseSource(nameof(Cases))]
        public void NormCrop_MatchesInsightfaceCrop(string name)
        {
            // Own matrix (float32 steps as skimage) + OpenCV fixed-point warp reproduce insightface's crop exactly.
            var c = Case(name);
            using var image = FaceFixtures.Png("Reference/face_align/synthetic_640x480.png");
            using var crop = ArcFaceAligner.NormCrop(image, FaceFixtures.Points(c["kps"]!));
            using var expected = FaceFixtures.Png("Reference/face_align/" + (string)c["crop_png"]!);
            var e = FaceFixtures.Pixels(expected);
            var a = FaceFixtures.Pixels(crop);
            int wrong = 0; long sum = 0;
            for (int i = 0; i < e.Length; i++) { int d = System.Math.Abs(e[i] - a[i]); if (d > 0) wrong++; sum += d; }
            TestContext.WriteLine($"{name}: {wrong} of {e.Length} values differ, mean abs {(double)sum / e.Length}");
            Assert.That(wrong, Is.EqualTo(0));
        }

        [Test]
        public void Template_IsInsightfaceArcfaceDst()
        {
            var dst = FaceFixtures.Points(FaceFixtures.Json("Reference/face_align/face_align.json")["arcface_dst"]!);
            Assert.That(ArcFaceAligner.Template, Is.EqualTo(dst));
        }

        [TestCaseSource(nameof(Cases))]
        public void EstimateNorm_MatchesSkimageSimilarityTransform(string name)
        {
            var c = Case(name);
            var m = ArcFaceAligner.EstimateNorm(FaceFixtures.Points(c["kps"]!));
            var e = c["M"]!.SelectMany(r => r.Select(v => (double)v)).ToArray();
            var a = m.ToArray();
            for (int i = 0; i < 6; i++) Assert.That(a[i], Is.EqualTo(e[i]).Within(1e-4), $"M[{i / 3},{i % 3}]");
        }

        [TestCaseSource(nameof(Cases))]
        public void Bilinear_WithUpstreamMatrix_IsBitExactWithCv2WarpAffine(string name)
        {
            var c = Case(name);
            using var image = FaceFixtures.Png("Reference/face_align/synthetic_640x480.png");
            using var crop = AffineWarp.Bilinear(image, UpstreamM(c), 112, 112);
            using var expected = FaceFixtures.Png("Reference/face_align/" + (string)c["crop_png"]!);
            var e = FaceFixtures.Pixels(expected);
            var a = FaceFixtures.Pixels(crop);
            int maxDiff = 0, wrong = 0;
            for (int i = 0; i < e.Length; i++) { int d = System.Math.Abs(e[i] - a[i]); if (d > 0) wrong++; maxDiff = System.Math.Max(maxDiff, d); }
            TestContext.WriteLine($"{name}: {wrong} values differ, max {maxDiff}");
            Assert.That(maxDiff, Is.EqualTo(0));
        }

        [TestCaseSource(nameof(Cases))]
        public void BilinearFloat_MatchesExactBilinearReference(string name)
        {
            var c = Case(name);
            using var image = FaceFixtures.Png("Reference/face_align/synthetic_640x480.png");
            var m = UpstreamM(c);
            var rgb = AffineWarp.BilinearFloat(image, m, 112, 112);
            var (bgr, shape) = TestData.LoadNpy(TestData.Path("Reference/face_align/" + (string)c["crop_float_bilinear_npy"]!));
            Assert.That(shape, Is.EqualTo(new[] { 112, 112, 3 }));
            float max = 0;
            double sumVsPng = 0; float maxVsPng = 0;
            using var png = FaceFixtures.Png("Reference/face_align/" + (string)c["crop_png"]!);
            var p = FaceFixtures.Pixels(png);
            for (int i = 0; i < rgb.Length; i += 3)
                for (int ch = 0; ch < 3; ch++)
                {
                    max = System.Math.Max(max, System.Math.Abs(rgb[i + ch] - bgr[i + 2 - ch]));
                    float d = System.Math.Abs(rgb[i + ch] - p[i + ch]);
                    sumVsPng += d; maxVsPng = System.Math.Max(maxVsPng, d);
                }
            TestContext.WriteLine($"{name}: float vs npy max {max}; float vs cv2 png max {maxVsPng} mean {sumVsPng / rgb.Length}");
            Assert.That(max, Is.LessThanOrEqualTo(1e-3f));
            Assert.That(maxVsPng, Is.LessThanOrEqualTo((float)(double)c["cv2_vs_float_bilinear_max_abs"]! + 1e-3f));
            Assert.That(sumVsPng / rgb.Length, Is.LessThanOrEqualTo((double)c["cv2_vs_float_bilinear_mean_abs"]! + 1e-3));
        }
    }
}
