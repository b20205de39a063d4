using System;
using System.Linq;
using System.Numerics;
using InstantIdAvatars.Pose;
using NUnit.Framework;
using static InstantIdAvatars.Tests.Pose.PoseTestCases;

namespace InstantIdAvatars.Tests.Pose
{
    public class RigProjectorTests
    {
        static float EyeLineDegrees(FaceKeypoints k) =>
            (float)(Math.Atan2(k.RightEye.Y - k.LeftEye.Y, k.RightEye.X - k.LeftEye.X) * 180.0 / Math.PI);

        [Test]
        public void Project_Frontal_IsSymmetricLevelAndMatchesPinhole()
        {
            // Hand check of point 0: x_cam = −0.032, depth 0.5, f = 512/tan30° = 886.81 → u = 512 − 56.756.
            var result = RigProjector.Project(Head(), FrontCamera(), 1024, 1024);
            var k = result.Keypoints;
            AssertPixels(k, new[,] { { 455.2442f, 512f }, { 568.7558f, 512f }, { 512f, 578.7890f }, { 466.3425f, 641.9484f }, { 557.6575f, 641.9484f } });
            Assert.That(k.LeftEye.X, Is.LessThan(k.RightEye.X));
            Assert.That(k.LeftEye.Y, Is.EqualTo(k.RightEye.Y).Within(1e-4f), "eyes level");
            Assert.That(k.LeftEye.X + k.RightEye.X, Is.EqualTo(1024f).Within(1e-3f), "eyes symmetric about the centre");
            Assert.That(k.LeftMouth.X + k.RightMouth.X, Is.EqualTo(1024f).Within(1e-3f), "mouth symmetric about the centre");
            Assert.That(result.Warnings, Is.EqualTo(ProjectionWarnings.None));
            Assert.That(result.Messages, Is.Empty);
            Assert.That(result.IsUsable, Is.True);
            Assert.That(result.ViewYawDegrees, Is.EqualTo(0f).Within(1e-3f));
            Assert.That(result.Depths.ToArray(), Is.EqualTo(new[] { 0.5f, 0.5f, 0.478f, 0.505f, 0.505f }).Within(1e-5f));
            Assert.That(result.InterOcularPixels, Is.EqualTo(113.5117f).Within(2e-3f));
        }

        [Test]
        public void Project_Yaw45_FarEyeNearNoseAndNothingHidden()
        {
            // Head turned −45° (to its left): the camera sees the subject's right side, yaw ≈ +45.
            var result = RigProjector.Project(Head(yaw: -45f), FrontCamera(), 1024, 1024);
            var k = result.Keypoints;
            AssertPixels(k, new[,] { { 584.2010f, 512f }, { 651.3518f, 512f }, { 649.4926f, 574.4998f }, { 584.3290f, 640.2943f }, { 638.9508f, 631.6904f } });
            Assert.That(k.LeftEye.X, Is.LessThan(k.RightEye.X), "order still frontal-like at 45°");
            Assert.That(result.ViewYawDegrees, Is.EqualTo(45f).Within(8f));
            Assert.That(result.ViewYawDegrees, Is.GreaterThan(0f), "camera on the subject's right");
            Assert.That(result.Has(ProjectionWarnings.PointHidden), Is.False);
            Assert.That(result.Warnings, Is.EqualTo(ProjectionWarnings.None));
        }

        [Test]
        public void Project_Profile_FarEyeCrossesBehindNearEyeAndIsFlaggedHidden()
        {
            // Head turned −90°: subject's right profile. The far (subject's left) eye is deeper, so perspective pulls
            // it toward the centre: it lands LEFT of the near eye, semantic order kept (not re-sorted).
            var result = RigProjector.Project(Head(yaw: -90f), FrontCamera(), 1024, 1024);
            var k = result.Keypoints;
            AssertPixels(k, new[,] { { 655.0339f, 512f }, { 640.3166f, 512f }, { 680.3436f, 566.1104f }, { 645.6504f, 628.3545f }, { 634.3683f, 618.5324f } });
            Assert.That(k.RightEye.X, Is.LessThan(k.LeftEye.X), "far eye left of near eye");
            Assert.That(k.Nose.X, Is.GreaterThan(k.LeftEye.X), "nose points image-right");
            Assert.That(result.Depths[1], Is.GreaterThan(result.Depths[0]), "point 1 is the far eye");
            Assert.That(result.ViewYawDegrees, Is.GreaterThan(60f));
            Assert.That(result.PointWarnings[1], Is.EqualTo(ProjectionWarnings.PointHidden));
            Assert.That(result.PointWarnings[4], Is.EqualTo(ProjectionWarnings.PointHidden));
            Assert.That(result.PointWarnings[0], Is.EqualTo(ProjectionWarnings.None));
            Assert.That(result.PointWarnings[2], Is.EqualTo(ProjectionWarnings.None));
            Assert.That(result.PointWarnings[3], Is.EqualTo(ProjectionWarnings.None));
            Assert.That(result.Has(ProjectionWarnings.FaceTooSmall), Is.False, "eye-to-mouth extent keeps a profile from reading as small");
            Assert.That(result.IsUsable, Is.True);
            Assert.That(result.Messages.Single(), Does.Contain("hidden"));
        }

        [Test]
        public void Project_ProfileOtherSide_HidesPointsZeroAndThree()
        {
            var result = RigProjector.Project(Head(yaw: 90f), FrontCamera(), 1024, 1024);
            Assert.That(result.ViewYawDegrees, Is.LessThan(-60f));
            Assert.That(result.PointWarnings.Select((w, i) => (w & ProjectionWarnings.PointHidden) != 0 ? i : -1).Where(i => i >= 0),
                Is.EqualTo(new[] { 0, 3 }));
        }

        [Test]
        public void Project_Pitch_KeepsEyesLevelAndMatchesRotation()
        {
            var result = RigProjector.Project(Head(pitch: 20f), FrontCamera(), 1024, 1024);
            AssertPixels(result.Keypoints, new[,] { { 453.0618f, 576.4698f }, { 570.9382f, 576.4698f }, { 512f, 655.1203f }, { 466.9221f, 690.2837f }, { 557.0779f, 690.2837f } });
            Assert.That(EyeLineDegrees(result.Keypoints), Is.EqualTo(0f).Within(1e-3f));
        }

        [Test]
        public void Project_HeadRoll_TiltsEyeLineByRollAngle()
        {
            var result = RigProjector.Project(Head(roll: 20f), FrontCamera(), 1024, 1024);
            AssertPixels(result.Keypoints, new[,] { { 501.1299f, 500.0757f }, { 607.7960f, 538.8990f }, { 533.5741f, 582.5931f }, { 466.6935f, 625.9090f }, { 552.5016f, 657.1406f } });
            Assert.That(EyeLineDegrees(result.Keypoints), Is.EqualTo(20f).Within(1e-3f));
        }

        [Test]
        public void Project_CameraRoll_TiltsEyeLineByRollAngle()
        {
            // Camera rolled +20° about its own forward (world −Z) = head rolled +20° about world +Z, seen from the front.
            var camera = PoseCamera.Perspective(FrontCameraPosition, PoseRotation.Euler(0f, 180f, 20f), 60f);
            var result = RigProjector.Project(Head(), camera, 1024, 1024);
            AssertPixels(result.Keypoints, new[,] { { 458.6670f, 492.5884f }, { 565.3330f, 531.4116f }, { 489.1568f, 574.7612f }, { 424.6510f, 618.4958f }, { 510.4591f, 649.7274f } });
            Assert.That(EyeLineDegrees(result.Keypoints), Is.EqualTo(20f).Within(1e-3f));
        }

        [Test]
        public void Project_Orthographic_UsesHalfHeightInWorldUnits()
        {
            // size 0.15: 0.032 m → 0.032/0.15·512 = 109.23 px off centre, independent of depth.
            var camera = PoseCamera.CreateOrthographic(new Vector3(0f, 0.07f, 1f), FacingBack, 0.15f);
            var result = RigProjector.Project(Head(), camera, 1024, 1024);
            AssertPixels(result.Keypoints, new[,] { { 402.7733f, 512f }, { 621.2267f, 512f }, { 512f, 634.88f }, { 423.2533f, 764.5867f }, { 600.7467f, 764.5867f } });
            Assert.That(result.Warnings, Is.EqualTo(ProjectionWarnings.None));
        }

        [Test]
        public void Project_OffCentreLookAtCamera_MatchesPinhole()
        {
            var head = Head();
            var position = new Vector3(0.25f, 0.12f, 0.5f);
            var camera = PoseCamera.Perspective(position, PoseRotation.LookRotation(head.Centroid - position, Vector3.UnitY), 40f);
            var result = RigProjector.Project(head, camera, 1024, 1024);
            AssertPixels(result.Keypoints, new[,] { { 425.6750f, 410.3881f }, { 585.5258f, 400.2212f }, { 542.7107f, 518.5842f }, { 436.5654f, 621.8332f }, { 562.2433f, 602.7607f } });
            Assert.That(result.Depths.ToArray(), Is.EqualTo(new[] { 0.464954f, 0.497877f, 0.469393f, 0.485451f, 0.512201f }).Within(2e-6f));
        }

        [Test]
        public void Project_PortraitOutput_UsesOutputAspectWithSquarePixels()
        {
            var result = RigProjector.Project(Head(), FrontCamera(), 960, 1280);
            AssertPixels(result.Keypoints, new[,] { { 409.0552f, 640f }, { 550.9448f, 640f }, { 480f, 723.4863f }, { 422.9281f, 802.4355f }, { 537.0719f, 802.4355f } });
            Assert.That(result.Has(ProjectionWarnings.AspectMismatch), Is.False);
        }

        [Test]
        public void Project_ExplicitAspectDifferentFromOutput_WarnsAndStretches()
        {
            var camera = PoseCamera.Perspective(FrontCameraPosition, FacingBack, 60f, aspect: 2f);
            var result = RigProjector.Project(Head(), camera, 1024, 1024);
            Assert.That(result.Warnings, Is.EqualTo(ProjectionWarnings.AspectMismatch));
            // Horizontal offsets halve: 512 − 56.756/2.
            Assert.That(result.Keypoints.LeftEye.X, Is.EqualTo(483.6221f).Within(2e-3f));
        }

        [Test]
        public void Project_PointsBehindAndInsideNearPlane_AreFlaggedNotThrown()
        {
            // Camera 0.01 m in front of the eyes: the nose tip (z 0.112) is behind it, the eyes inside the 0.3 near plane.
            var camera = PoseCamera.Perspective(new Vector3(0f, 0.07f, 0.1f), FacingBack, 60f);
            var result = RigProjector.Project(Head(), camera, 1024, 1024);
            Assert.That(result.PointWarnings[2] & ProjectionWarnings.BehindCamera, Is.EqualTo(ProjectionWarnings.BehindCamera));
            Assert.That(result.PointWarnings[0] & ProjectionWarnings.NearerThanNearPlane, Is.EqualTo(ProjectionWarnings.NearerThanNearPlane));
            Assert.That(result.Has(ProjectionWarnings.BehindCamera | ProjectionWarnings.NearerThanNearPlane), Is.True);
            Assert.That(float.IsNaN(result.Keypoints.Nose.X), Is.True, "no position for a point behind a perspective camera");
            Assert.That(result.Depths[2], Is.EqualTo(-0.012f).Within(1e-6f));
            Assert.That(result.IsUsable, Is.False);
            Assert.That(result.Messages, Has.Some.Contains("behind the camera"));
            Assert.That(result.Messages, Has.Some.Contains("near clip plane"));
        }

        [Test]
        public void Project_CameraFacingAway_FlagsEveryPointBehind()
        {
            var camera = PoseCamera.Perspective(FrontCameraPosition, Quaternion.Identity, 60f);
            var result = RigProjector.Project(Head(), camera, 1024, 1024);
            Assert.That(result.PointWarnings.All(w => (w & ProjectionWarnings.BehindCamera) != 0), Is.True);
            Assert.That(result.Messages.Count(m => m.Contains("behind the camera")), Is.EqualTo(5));
        }

        [Test]
        public void Project_BackOfHead_IsFaceTurnedAway()
        {
            var result = RigProjector.Project(Head(yaw: 180f), FrontCamera(), 1024, 1024);
            Assert.That(result.Has(ProjectionWarnings.FaceTurnedAway), Is.True);
            Assert.That(result.PointWarnings.All(w => (w & ProjectionWarnings.PointHidden) != 0), Is.True);
            Assert.That(result.IsUsable, Is.False);
            Assert.That(result.Keypoints.LeftEye.X, Is.GreaterThan(result.Keypoints.RightEye.X), "seen from behind, the order mirrors");
        }

        [Test]
        public void Project_OutOfFrame_FlagsExactlyThePointsOutside()
        {
            // Camera shifted 0.3 m to +X: points 1 (1100.8), 2 (1068.6) and 4 (1084.5) pass the 1024 px edge.
            var camera = PoseCamera.Perspective(new Vector3(0.3f, 0.07f, 0.59f), FacingBack, 60f);
            var result = RigProjector.Project(Head(), camera, 1024, 1024);
            AssertPixels(result.Keypoints, new[,] { { 987.3302f, 512f }, { 1100.8418f, 512f }, { 1068.5753f, 578.789f }, { 993.1603f, 641.9484f }, { 1084.4754f, 641.9484f } });
            var outside = Enumerable.Range(0, 5).Where(i => (result.PointWarnings[i] & ProjectionWarnings.OutOfFrame) != 0);
            Assert.That(outside, Is.EqualTo(new[] { 1, 2, 4 }));
            Assert.That(result.Messages.Count(m => m.Contains("outside the 1024×1024 image")), Is.EqualTo(3));
            Assert.That(result.IsUsable, Is.True, "out of frame is a warning, the keypoints still exist");
        }

        [Test]
        public void Project_DistantCamera_FlagsFaceTooSmall()
        {
            // 3 m away: 18.9 px between the eyes < 8% of 1024 (81.9 px). At 0.5 m it is 113.5 px: fine.
            var far = PoseCamera.Perspective(new Vector3(0f, 0.07f, 3.09f), FacingBack, 60f);
            var result = RigProjector.Project(Head(), far, 1024, 1024);
            AssertPixels(result.Keypoints, new[,] { { 502.5407f, 512f }, { 521.4593f, 512f }, { 512f, 522.7203f }, { 504.3271f, 533.8382f }, { 519.6729f, 533.8382f } });
            Assert.That(result.Warnings, Is.EqualTo(ProjectionWarnings.FaceTooSmall));
            Assert.That(result.InterOcularPixels, Is.EqualTo(18.9186f).Within(2e-3f));
            Assert.That(result.FaceSizePixels, Is.EqualTo(18.9186f).Within(2e-3f));
            Assert.That(result.Messages.Single(), Does.Contain("too small"));

            var lenient = new RigProjectionOptions { MinFaceFraction = 0.01f };
            Assert.That(RigProjector.Project(Head(), far, 1024, 1024, lenient).Warnings, Is.EqualTo(ProjectionWarnings.None));
        }

        [Test]
        public void Project_InvalidCameraOrSize_Throws()
        {
            var head = Head();
            Assert.That(() => RigProjector.Project(head, PoseCamera.Perspective(FrontCameraPosition, FacingBack, 0f), 512, 512),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("field of view"));
            Assert.That(() => RigProjector.Project(head, PoseCamera.Perspective(FrontCameraPosition, FacingBack, 180f), 512, 512),
                Throws.InstanceOf<InstantIdException>());
            Assert.That(() => RigProjector.Project(head, PoseCamera.CreateOrthographic(FrontCameraPosition, FacingBack, 0f), 512, 512),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("size"));
            Assert.That(() => RigProjector.Project(head, PoseCamera.Perspective(FrontCameraPosition, FacingBack, 60f, 0f), 512, 512),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("near clip plane"));
            Assert.That(() => RigProjector.Project(head, default, 512, 512), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => RigProjector.Project(head, FrontCamera(), 0, 512), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => RigProjector.Project(default(HeadAnchors), FrontCamera(), 512, 512).Warnings,
                Is.EqualTo(ProjectionWarnings.FaceTooSmall), "degenerate anchors are a warning, not a crash");
        }

        [Test]
        public void Keypoints_ToArray_IsInsightfaceOrder()
        {
            var k = RigProjector.Project(Head(), FrontCamera(), 1024, 1024).Keypoints;
            var array = k.ToArray();
            Assert.That(array, Has.Length.EqualTo(5));
            Assert.That(array[0], Is.EqualTo(k.LeftEye));
            Assert.That(array[2], Is.EqualTo(k.Nose));
            Assert.That(array[4], Is.EqualTo(k.RightMouth));
            Assert.That(FaceKeypoints.FromArray(array), Is.EqualTo(k));
            Assert.That(() => FaceKeypoints.FromArray(new Vector2[4]), Throws.InstanceOf<InstantIdException>());
        }
    }
}
