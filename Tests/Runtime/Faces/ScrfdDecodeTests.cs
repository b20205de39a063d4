using System.Collections.Generic;
using System.Linq;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Imaging;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Faces
{
    public class ScrfdDecodeTests
    {
        static List<float[]> RawOutputs()
        {
            var list = new List<float[]>();
            foreach (var kind in new[] { "score", "bbox", "kps" })
                foreach (var s in new[] { 8, 16, 32 })
                    list.Add(TestData.LoadNpy(TestData.Path($"Reference/scrfd/raw_{kind}_{s}.npy")).Data);
            return list;
        }

        static void AssertMatches(List<DetectedFace> faces, string resultKey)
        {
            var json = FaceFixtures.Json("Reference/scrfd/scrfd.json");
            var expected = json["results"]![resultKey]!;
            var boxes = expected["bboxes_x1y1x2y2_score"]!.ToArray();
            var kps = expected["kps"]!.ToArray();
            Assert.That(faces.Count, Is.EqualTo(boxes.Length), "number of faces after NMS");
            float maxErr = 0;
            for (int i = 0; i < boxes.Length; i++)
            {
                var e = boxes[i].Select(v => (float)(double)v).ToArray();
                var f = faces[i];
                foreach (var (a, b) in new[] { (f.Box.X1, e[0]), (f.Box.Y1, e[1]), (f.Box.X2, e[2]), (f.Box.Y2, e[3]), (f.Score, e[4]) })
                    maxErr = System.Math.Max(maxErr, System.Math.Abs(a - b));
                var ek = FaceFixtures.Points(kps[i]);
                for (int k = 0; k < 5; k++)
                    maxErr = System.Math.Max(maxErr, System.Math.Max(System.Math.Abs(f.Keypoints[k].X - ek[k].X), System.Math.Abs(f.Keypoints[k].Y - ek[k].Y)));
            }
            Assert.That(maxErr, Is.LessThanOrEqualTo(1e-4f));
            TestContext.WriteLine($"{resultKey}: max abs error {maxErr}");
        }

        [Test]
        public void Decode_1280x720_MatchesInsightfaceDetect()
        {
            var faces = ScrfdDetector.Decode(RawOutputs(), 640, 640, 0.5f, 0.5f, 0.4f);
            AssertMatches(faces, "1280x720_max_num_0");
        }

        [Test]
        public void Decode_640x480_MatchesInsightfaceDetect()
        {
            var faces = ScrfdDetector.Decode(RawOutputs(), 640, 640, 1.0f, 0.5f, 0.4f);
            AssertMatches(faces, "640x480_max_num_0");
        }

        [Test]
        public void Decode_KeepsScoreExactlyAtThresholdAndDropsJustBelow()
        {
            var faces = ScrfdDetector.Decode(RawOutputs(), 640, 640, 1.0f, 0.5f, 0.4f);
            Assert.That(faces.Select(f => f.Score), Has.Member(0.5f));
            Assert.That(faces.Select(f => f.Score), Has.None.EqualTo(0.49999f));
            // Lowering the threshold brings the 0.49999 face back: it was dropped by the threshold, not by NMS.
            var lower = ScrfdDetector.Decode(RawOutputs(), 640, 640, 1.0f, 0.49f, 0.4f);
            Assert.That(lower.Select(f => f.Score), Has.Member(0.49999f));
        }

        [Test]
        public void Largest_IsInstantIdsMaxAreaFace()
        {
            var json = FaceFixtures.Json("Reference/scrfd/scrfd.json");
            var faces = ScrfdDetector.Decode(RawOutputs(), 640, 640, 0.5f, 0.5f, 0.4f);
            var result = new FaceDetectionResult(faces, 1280, 720, 640, 0.5f);
            Assert.That(result.Count, Is.EqualTo(5));
            Assert.That(result.Largest, Is.SameAs(faces[(int)json["results"]!["instantid_largest_face_index"]!]));
        }

        [Test]
        public void Letterbox_1280x720_IsBitExactWithInsightface()
        {
            using var input = FaceFixtures.Png("Reference/scrfd/input_1280x720.png");
            using var expected = FaceFixtures.Png("Reference/scrfd/letterboxed_1280x720_to_640.png");
            var det = ScrfdDetector.Letterbox(RgbBuffer.From(input), 640, 640, out float detScale);
            Assert.That(detScale, Is.EqualTo(0.5f));
            var e = FaceFixtures.Pixels(expected);
            int wrong = 0;
            for (int i = 0; i < e.Length; i++) if (e[i] != det.Data[i]) wrong++;
            Assert.That(wrong, Is.EqualTo(0));
        }

        [Test]
        public void Blob_640x480_MatchesBlobFromImage()
        {
            using var input = FaceFixtures.Png("Reference/face_align/synthetic_640x480.png");
            var det = ScrfdDetector.Letterbox(RgbBuffer.From(input), 640, 640, out float detScale);
            Assert.That(detScale, Is.EqualTo(1f));
            var blob = TensorBlob.FromBuffer(det, 127.5f, 1f / 128f);
            var (expected, shape) = FaceFixtures.LoadNpyGz("Reference/scrfd/blob_synthetic_640x480.npy.gz");
            Assert.That(shape, Is.EqualTo(new[] { 1, 3, 640, 640 }));
            Assert.That(TestData.MaxAbsDiff(blob, expected), Is.EqualTo(0f));
        }
    }
}
