using System.IO;
using System.Linq;
using System.Numerics;
using InstantIdAvatars.Pose;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using static InstantIdAvatars.Tests.Pose.PoseTestCases;

namespace InstantIdAvatars.Tests.Pose
{
    public class HeadAnchorsTests
    {
        [Test]
        public void ReferenceFrontalCase_PutsInsightfaceLeftEyeAtSmallerX()
        {
            // InstantID's draw_kps reference (insightface order): point 0 = eye on the image's left.
            var json = JObject.Parse(File.ReadAllText(TestData.Path("Reference/kps/kps_cases.json")));
            var frontal = json["cases"]!.First(c => (string?)c["name"] == "frontal");
            var kps = frontal["kps"]!;
            Assert.That((float)kps[0]![0]!, Is.LessThan((float)kps[1]![0]!), "left eye x < right eye x");
            Assert.That((float)kps[3]![0]!, Is.LessThan((float)kps[4]![0]!), "left mouth x < right mouth x");

            // Our frontal projection keeps the same order: point 0 (the subject's right eye, +X) lands image-left.
            var projected = RigProjector.Project(Head(), FrontCamera(), 1024, 1024).Keypoints;
            Assert.That(projected.LeftEye.X, Is.LessThan(projected.RightEye.X));
            Assert.That(projected.LeftMouth.X, Is.LessThan(projected.RightMouth.X));
        }

        [Test]
        public void FromHeadBone_IdentityPose_PlacesDefaultOffsets()
        {
            var anchors = HeadAnchors.FromHeadBone(Vector3.Zero, Quaternion.Identity);
            AssertVector(anchors.LeftEye, new Vector3(0.032f, 0.070f, 0.090f));
            AssertVector(anchors.RightEye, new Vector3(-0.032f, 0.070f, 0.090f));
            AssertVector(anchors.Nose, new Vector3(0f, 0.034f, 0.112f));
            AssertVector(anchors.LeftMouth, new Vector3(0.026f, -0.004f, 0.085f));
            AssertVector(anchors.RightMouth, new Vector3(-0.026f, -0.004f, 0.085f));
        }

        [Test]
        public void FromHeadBone_RotatedScaledBone_MatchesHandComputedPoints()
        {
            // numpy: pos + Ry(30)·Rx(10)·Rz(−5)·(1.2·offset)
            var anchors = HeadAnchors.FromHeadBone(new Vector3(0.1f, 1.6f, -0.2f), PoseRotation.Euler(10f, 30f, -5f), 1.2f);
            AssertVector(anchors.LeftEye, new Vector3(0.199624f, 1.660359f, -0.118597f));
            AssertVector(anchors.RightEye, new Vector3(0.133947f, 1.666951f, -0.079336f));
            AssertVector(anchors.Nose, new Vector3(0.172788f, 1.616689f, -0.081040f));
            AssertVector(anchors.LeftMouth, new Vector3(0.176129f, 1.574901f, -0.129467f));
            AssertVector(anchors.RightMouth, new Vector3(0.122767f, 1.580257f, -0.097568f));
        }

        [Test]
        public void DefaultOffsets_MatchArcfaceTemplateProportions()
        {
            // insightface arcface_dst (112×112): the frontal layout IdentityNet was trained around.
            var template = new[,] { { 38.2946f, 51.6963f }, { 73.5318f, 51.5014f }, { 56.0252f, 71.7366f }, { 41.5493f, 92.3655f }, { 70.7299f, 92.2041f } };
            var ortho = PoseCamera.CreateOrthographic(new Vector3(0f, 0.07f, 1f), FacingBack, 0.15f);
            var k = RigProjector.Project(Head(), ortho, 1024, 1024).Keypoints;
            var eyeMid = (k.LeftEye + k.RightEye) / 2f;
            var iod = k.InterOcularDistance;
            var tEyeMid = new Vector2((template[0, 0] + template[1, 0]) / 2f, (template[0, 1] + template[1, 1]) / 2f);
            var tIod = Vector2.Distance(new Vector2(template[0, 0], template[0, 1]), new Vector2(template[1, 0], template[1, 1]));
            for (var i = 0; i < 5; i++)
            {
                var ours = (k[i] - eyeMid) / iod;
                var theirs = (new Vector2(template[i, 0], template[i, 1]) - tEyeMid) / tIod;
                Assert.That(Vector2.Distance(ours, theirs), Is.LessThan(0.02f), "keypoint " + i + " relative to the eye distance");
            }
        }

        [Test]
        public void ScaleForHeadHeight_IsRelativeToAdultHead()
        {
            Assert.That(HeadAnchors.ScaleForHeadHeight(0.23f), Is.EqualTo(1f).Within(1e-6f));
            Assert.That(HeadAnchors.ScaleForHeadHeight(0.115f), Is.EqualTo(0.5f).Within(1e-6f));
            var child = HeadAnchors.FromHeadBone(Vector3.Zero, Quaternion.Identity, HeadAnchors.ScaleForHeadHeight(0.184f));
            Assert.That(Vector3.Distance(child.LeftEye, child.RightEye), Is.EqualTo(0.064f * 0.8f).Within(1e-6f));
        }

        [Test]
        public void FromHeadBone_InvalidInput_Throws()
        {
            Assert.That(() => HeadAnchors.FromHeadBone(Vector3.Zero, Quaternion.Identity, 0f), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => HeadAnchors.FromHeadBone(Vector3.Zero, default), Throws.InstanceOf<InstantIdException>().With.Message.Contains("quaternion"));
            Assert.That(() => HeadAnchors.FromHeadBone(new Vector3(float.NaN, 0f, 0f), Quaternion.Identity), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => HeadAnchors.ScaleForHeadHeight(-1f), Throws.InstanceOf<InstantIdException>());
        }

        [Test]
        public void RotatedAround_TurnsRigidlyAboutPivot()
        {
            var anchors = Head();
            var pivot = anchors.Centroid;
            var turned = anchors.RotatedAround(pivot, PoseRotation.Euler(0f, 90f, 0f));
            // Yaw +90: (x, z) relative to the pivot → (z, −x).
            var d = anchors.LeftEye - pivot;
            AssertVector(turned.LeftEye, pivot + new Vector3(d.Z, d.Y, -d.X));
            AssertVector(turned.Centroid, pivot);
            Assert.That(Vector3.Distance(turned.Nose, turned.LeftMouth), Is.EqualTo(Vector3.Distance(anchors.Nose, anchors.LeftMouth)).Within(1e-6f));
        }
    }
}
