using System.Numerics;
using InstantIdAvatars.Faces;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Faces
{
    public class PoseKeypointsTests
    {
        // Expected values computed with the demo's resize_img arithmetic in Python.
        [TestCase(512, 512, 1280, 1280)]
        [TestCase(1280, 720, 1280, 704)]
        [TestCase(720, 1280, 704, 1280)]
        [TestCase(640, 480, 1280, 960)]
        [TestCase(3000, 2000, 1280, 832)]
        [TestCase(333, 999, 384, 1280)]
        public void InstantIdOutputSize_FollowsResizeImg(int w, int h, int ew, int eh)
        {
            Assert.That(PoseKeypoints.InstantIdOutputSize(w, h), Is.EqualTo((ew, eh)));
        }

        static readonly Vector2[] Kps = { new Vector2(100, 120), new Vector2(140, 120), new Vector2(120, 140), new Vector2(104, 160), new Vector2(136, 160) };

        [Test]
        public void Refit_ScalesEachAxis()
        {
            var r = PoseKeypoints.Refit(Kps, 200, 400, 1000, 800);
            Assert.That(r[0], Is.EqualTo(new Vector2(500, 240)));
            Assert.That(r[4], Is.EqualTo(new Vector2(680, 320)));
        }

        [Test]
        public void FromPoints_CentresAndScalesToFaceFraction()
        {
            var r = PoseKeypoints.FromPoints(Kps, 1000, 500, 0.4f);
            // extent 40 → 0.4·500 = 200 px: scale 5; centre (120,140) → (500,250).
            Assert.That(r[2], Is.EqualTo(new Vector2(500, 250)));
            Assert.That(r[0], Is.EqualTo(new Vector2(400, 150)));
            Assert.That(r[4].Y - r[0].Y, Is.EqualTo(200f));
        }

        [Test]
        public void FromPoints_NeedsFivePoints()
        {
            Assert.That(() => PoseKeypoints.FromPoints(new Vector2[4], 10, 10), Throws.ArgumentException.With.Message.Contains("5 keypoints"));
        }

        [Test]
        public void FlattenAndFromFlat_RoundTripInInsightfaceOrder()
        {
            var points = new[] { new System.Numerics.Vector2(1, 2), new System.Numerics.Vector2(3, 4), new System.Numerics.Vector2(5, 6),
                                 new System.Numerics.Vector2(7, 8), new System.Numerics.Vector2(9, 10) };
            var flat = PoseKeypoints.Flatten(points);
            Assert.That(flat, Is.EqualTo(new[] { 1f, 2, 3, 4, 5, 6, 7, 8, 9, 10 }));
            Assert.That(PoseKeypoints.FromFlat(flat), Is.EqualTo(points));
            Assert.That(() => PoseKeypoints.FromFlat(new[] { 1f, 2, 3 }), Throws.ArgumentException.With.Message.Contains("x,y pairs"));
        }
    }
}
