using System.Collections.Generic;
using InstantIdAvatars.Faces;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Faces
{
    public class LandmarkMapRendererTests
    {
        static IEnumerable<TestCaseData> Cases()
        {
            var json = FaceFixtures.Json("Reference/kps/kps_cases.json");
            foreach (var c in json["cases"]!)
                yield return new TestCaseData((string)c["file"]!).SetName("Render_MatchesDrawKps_" + (string)c["file"]!);
        }

        [TestCaseSource(nameof(Cases))]
        public void Render_MatchesDrawKpsPixelForPixel(string file)
        {
            var json = FaceFixtures.Json("Reference/kps/kps_cases.json");
            Newtonsoft.Json.Linq.JToken? c = null;
            foreach (var k in json["cases"]!) if ((string)k["file"]! == file) c = k;
            int w = (int)c!["width"]!, h = (int)c["height"]!;
            var kps = FaceFixtures.Points(c["kps"]!);

            using var expected = FaceFixtures.Png("Reference/kps/" + file);
            using var actual = LandmarkMapRenderer.Render(kps, w, h);
            var e = FaceFixtures.Pixels(expected);
            var a = FaceFixtures.Pixels(actual);
            int wrong = 0, first = -1;
            for (int i = 0; i < e.Length; i++) if (e[i] != a[i]) { wrong++; if (first < 0) first = i; }
            Assert.That(wrong, Is.EqualTo(0), $"{wrong} channel values differ; first at pixel ({first / 3 % w},{first / 3 / w}) expected {(first >= 0 ? e[first] : 0)} got {(first >= 0 ? a[first] : 0)}");

            int nonzero = 0;
            long r = 0, g = 0, b = 0;
            for (int i = 0; i < a.Length; i += 3)
            {
                if (a[i] != 0 || a[i + 1] != 0 || a[i + 2] != 0) nonzero++;
                r += a[i]; g += a[i + 1]; b += a[i + 2];
            }
            Assert.That(nonzero, Is.EqualTo((int)c["nonzero_pixels"]!));
            Assert.That(new[] { r, g, b }, Is.EqualTo(new[] { (long)c["channel_sums_rgb"]![0]!, (long)c["channel_sums_rgb"]![1]!, (long)c["channel_sums_rgb"]![2]! }));
        }

        [Test]
        public void RenderTensor_IsChwOfTheImageOver255()
        {
            var kps = new[] { new System.Numerics.Vector2(20, 24), new System.Numerics.Vector2(44, 24), new System.Numerics.Vector2(32, 36), new System.Numerics.Vector2(22, 48), new System.Numerics.Vector2(42, 48) };
            using var image = LandmarkMapRenderer.Render(kps, 64, 48);
            var tensor = LandmarkMapRenderer.RenderTensor(kps, 64, 48);
            var px = FaceFixtures.Pixels(image);
            int plane = 64 * 48;
            for (int i = 0; i < plane; i++)
                for (int ch = 0; ch < 3; ch++)
                    Assert.That(tensor[ch * plane + i], Is.EqualTo(px[3 * i + ch] / 255f));
            // The nose circle is pure blue at its centre.
            Assert.That(tensor[2 * plane + 36 * 64 + 32], Is.EqualTo(1f));
            Assert.That(tensor[36 * 64 + 32], Is.EqualTo(0f));
        }

        [Test]
        public void Render_RejectsWrongKeypointCount()
        {
            Assert.That(() => LandmarkMapRenderer.Render(new System.Numerics.Vector2[3], 64, 64), Throws.ArgumentException.With.Message.Contains("5 face keypoints"));
        }
    }
}
