using System;
using System.Linq;
using System.Numerics;
using InstantIdAvatars.Pose;
using NUnit.Framework;
using static InstantIdAvatars.Tests.Pose.PoseTestCases;

namespace InstantIdAvatars.Tests.Pose
{
    public class TurntablePlanTests
    {
        static PoseCamera LookingAtFace(HeadAnchors head, float distance = 0.5f)
        {
            var position = head.Centroid + new Vector3(0f, 0f, distance);
            return PoseCamera.Perspective(position, PoseRotation.LookRotation(-Vector3.UnitZ, Vector3.UnitY), 35f);
        }

        [Test]
        public void Create_FullTurn_SplitsIntoEqualStepsWithoutRepeatingStart()
        {
            var head = Head();
            var plan = TurntablePlan.Create(head, LookingAtFace(head), new TurntableSettings { ViewCount = 8 });
            Assert.That(plan.YawDegrees, Is.EqualTo(new[] { 0f, 45f, 90f, 135f, 180f, 225f, 270f, 315f }).Within(1e-4f));
            Assert.That(plan.YawStepDegrees, Is.EqualTo(45f));
            Assert.That(plan.Views.Select(v => v.FileName), Is.EqualTo(new[]
            {
                "view_00_yaw+000_pitch+00.png", "view_01_yaw+045_pitch+00.png", "view_02_yaw+090_pitch+00.png",
                "view_03_yaw+135_pitch+00.png", "view_04_yaw+180_pitch+00.png", "view_05_yaw-135_pitch+00.png",
                "view_06_yaw-090_pitch+00.png", "view_07_yaw-045_pitch+00.png",
            }));
        }

        [Test]
        public void Create_PartialSweep_IncludesBothEnds()
        {
            var head = Head();
            var plan = TurntablePlan.Create(head, LookingAtFace(head),
                new TurntableSettings { ViewCount = 5, StartYawDegrees = -90f, SweepDegrees = 180f });
            Assert.That(plan.YawDegrees, Is.EqualTo(new[] { -90f, -45f, 0f, 45f, 90f }).Within(1e-4f));
            Assert.That(plan.Views[3].FileName, Is.EqualTo("view_03_yaw+045_pitch+00.png"));
            var single = TurntablePlan.Create(head, LookingAtFace(head), new TurntableSettings { ViewCount = 1, StartYawDegrees = 30f });
            Assert.That(single.YawDegrees, Is.EqualTo(new[] { 30f }));
            Assert.That(single.YawStepDegrees, Is.EqualTo(0f));
        }

        [Test]
        public void Create_YawZero_IsTheBaseCameraAndOrbitKeepsLookingAtPivot()
        {
            var head = Head();
            var baseCamera = LookingAtFace(head);
            var plan = TurntablePlan.Create(head, baseCamera, new TurntableSettings { ViewCount = 4 });
            AssertVector(plan.Views[0].Camera.Position, baseCamera.Position);
            AssertPixels(plan.Views[0].Projection.Keypoints, ToRows(RigProjector.Project(head, baseCamera, 1024, 1024).Keypoints));

            // Yaw +90: the camera moves from +Z to +X of the pivot (the subject's right) and still faces it.
            var side = plan.Views[1].Camera;
            AssertVector(side.Position, head.Centroid + new Vector3(0.5f, 0f, 0f));
            AssertVector(side.Forward, -Vector3.UnitX);
            Assert.That(plan.Views[1].Projection.ViewYawDegrees, Is.EqualTo(90f).Within(0.5f));
            Assert.That(plan.Views[1].Projection.PointWarnings[1], Is.EqualTo(ProjectionWarnings.PointHidden), "far eye at +90");
            Assert.That(plan.Views[2].Projection.Has(ProjectionWarnings.FaceTurnedAway), Is.True, "yaw 180 shows the back of the head");
            Assert.That(plan.Views[3].Projection.ViewYawDegrees, Is.EqualTo(-90f).Within(0.5f));
        }

        [Test]
        public void Create_RotateRig_GivesSameKeypointsAsOrbit()
        {
            var head = Head(pitch: 5f, roll: -3f);
            var baseCamera = LookingAtFace(head, 0.6f);
            var settings = new TurntableSettings { ViewCount = 6, StartYawDegrees = -75f, SweepDegrees = 150f, PitchDegrees = new[] { -20f, 15f } };
            var orbit = TurntablePlan.Create(head, baseCamera, settings);
            settings.Mode = TurntableMode.RotateRig;
            var rig = TurntablePlan.Create(head, baseCamera, settings);
            Assert.That(rig.Views.Count, Is.EqualTo(12));
            for (var i = 0; i < orbit.Views.Count; i++)
            {
                AssertPixels(rig.Views[i].Projection.Keypoints, ToRows(orbit.Views[i].Projection.Keypoints), 5e-3f);
                Assert.That(rig.Views[i].Camera.Position, Is.EqualTo(baseCamera.Position), "the camera stays in rig mode");
                Assert.That(orbit.Views[i].RigRotation, Is.EqualTo(Quaternion.Identity));
            }
        }

        [Test]
        public void Create_PitchRows_RaiseCameraAndNameRows()
        {
            var head = Head();
            var baseCamera = LookingAtFace(head);
            var plan = TurntablePlan.Create(head, baseCamera, new TurntableSettings { ViewCount = 3, SweepDegrees = 90f, StartYawDegrees = -45f, PitchDegrees = new[] { -15f, 0f, 30f } });
            Assert.That(plan.Rows, Is.EqualTo(3));
            Assert.That(plan.Columns, Is.EqualTo(3));
            Assert.That(plan.Views.Select(v => v.FileName).Take(4), Is.EqualTo(new[]
            {
                "view_00_yaw-045_pitch-15.png", "view_01_yaw+000_pitch-15.png", "view_02_yaw+045_pitch-15.png", "view_03_yaw-045_pitch+00.png",
            }));
            // Pitch +30 at yaw 0: the camera rises to 0.5·sin30 above the pivot and looks down 30°.
            var up = plan.Views[7];
            Assert.That(up.Row, Is.EqualTo(2));
            Assert.That(up.Column, Is.EqualTo(1));
            AssertVector(up.Camera.Position, head.Centroid + new Vector3(0f, 0.25f, 0.4330127f));
            AssertVector(up.Camera.Forward, new Vector3(0f, -0.5f, -0.8660254f));
            // Seen from above, the protruding nose tip drops toward the mouth and the eye→mouth drop foreshortens.
            var level = plan.Views[4].Projection.Keypoints;
            var high = up.Projection.Keypoints;
            Assert.That((high.Nose.Y - high.LeftEye.Y) / (high.LeftMouth.Y - high.LeftEye.Y),
                Is.GreaterThan((level.Nose.Y - level.LeftEye.Y) / (level.LeftMouth.Y - level.LeftEye.Y)));
            Assert.That(high.LeftMouth.Y - high.LeftEye.Y, Is.LessThan(level.LeftMouth.Y - level.LeftEye.Y));
            var layout = plan.CreateSheetLayout(4);
            Assert.That(layout.Columns, Is.EqualTo(3));
            Assert.That(layout.Rows, Is.EqualTo(3));
            Assert.That(layout.SheetWidth, Is.EqualTo(3 * 1024 + 4 * 4));
        }

        [Test]
        public void Create_HiddenFlag_StartsPastHiddenYawThreshold()
        {
            var head = Head();
            var plan = TurntablePlan.Create(head, LookingAtFace(head), new TurntableSettings { ViewCount = 4, StartYawDegrees = 55f, SweepDegrees = 10f * 3 });
            // Yaws 55, 65, 75, 85 against the default 60° threshold: only the first keeps both eyes visible.
            Assert.That(plan.Views[0].Projection.Has(ProjectionWarnings.PointHidden), Is.False);
            for (var i = 1; i < 4; i++)
                Assert.That(plan.Views[i].Projection.PointWarnings[1], Is.EqualTo(ProjectionWarnings.PointHidden), "view " + i);
            var strict = new TurntableSettings { ViewCount = 1, StartYawDegrees = 55f, ProjectionOptions = new RigProjectionOptions { HiddenYawDegrees = 50f } };
            Assert.That(TurntablePlan.Create(head, LookingAtFace(head), strict).Views[0].Projection.PointWarnings[1], Is.EqualTo(ProjectionWarnings.PointHidden));
        }

        [Test]
        public void ViewFileName_IsStableAndSortable()
        {
            Assert.That(TurntablePlan.ViewFileName(3, 8, 45f, 0f), Is.EqualTo("view_03_yaw+045_pitch+00.png"));
            Assert.That(TurntablePlan.ViewFileName(7, 8, -44.6f, -7.5f), Is.EqualTo("view_07_yaw-045_pitch-08.png"));
            Assert.That(TurntablePlan.ViewFileName(12, 120, 540f, 90f), Is.EqualTo("view_012_yaw+180_pitch+90.png"));
            Assert.That(TurntablePlan.ViewFileName(0, 1, -180f, 0f), Is.EqualTo("view_00_yaw+180_pitch+00.png"));
            Assert.That(TurntablePlan.ViewFileName(1, 4, -0.2f, 0f), Is.EqualTo("view_01_yaw+000_pitch+00.png"));
        }

        [Test]
        public void Create_InvalidSettings_Throw()
        {
            var head = Head();
            var camera = LookingAtFace(head);
            Assert.That(() => TurntablePlan.Create(head, camera, new TurntableSettings { ViewCount = 0 }), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => TurntablePlan.Create(head, camera, new TurntableSettings { PitchDegrees = Array.Empty<float>() }), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => TurntablePlan.Create(head, camera, new TurntableSettings { PitchDegrees = new[] { 95f } }), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => TurntablePlan.Create(head, camera, new TurntableSettings { ViewCount = 600, PitchDegrees = new[] { 0f, 10f } }), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => TurntablePlan.Create(head, camera, new TurntableSettings { SweepDegrees = float.NaN }), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => TurntablePlan.Create(head, PoseCamera.Perspective(camera.Position, camera.Rotation, -5f), new TurntableSettings()), Throws.InstanceOf<InstantIdException>());
        }

        static float[,] ToRows(FaceKeypoints k)
        {
            var rows = new float[5, 2];
            for (var i = 0; i < 5; i++)
            {
                rows[i, 0] = k[i].X;
                rows[i, 1] = k[i].Y;
            }
            return rows;
        }
    }
}
