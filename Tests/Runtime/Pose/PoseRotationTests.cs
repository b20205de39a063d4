using System;
using System.Numerics;
using InstantIdAvatars.Pose;
using NUnit.Framework;
using static InstantIdAvatars.Tests.Pose.PoseTestCases;

namespace InstantIdAvatars.Tests.Pose
{
    public class PoseRotationTests
    {
        [Test]
        public void Euler_SingleAxes_FollowUnitySigns()
        {
            // Unity: Euler(0,90,0)*forward = right, Euler(90,0,0)*forward = down, Euler(0,0,90)*right = up.
            AssertVector(PoseRotation.Rotate(PoseRotation.Euler(0f, 90f, 0f), Vector3.UnitZ), Vector3.UnitX);
            AssertVector(PoseRotation.Rotate(PoseRotation.Euler(90f, 0f, 0f), Vector3.UnitZ), -Vector3.UnitY);
            AssertVector(PoseRotation.Rotate(PoseRotation.Euler(0f, 0f, 90f), Vector3.UnitX), Vector3.UnitY);
        }

        [Test]
        public void Euler_AppliesRollThenPitchThenYaw()
        {
            // Hand-computed: forward ignores roll → (sin60·cos30, −sin30, cos60·cos30); right after Z20, X30, Y60.
            var q = PoseRotation.Euler(30f, 60f, 20f);
            AssertVector(PoseRotation.Rotate(q, Vector3.UnitZ), new Vector3(0.75f, -0.5f, 0.4330127f));
            AssertVector(PoseRotation.Rotate(q, Vector3.UnitX), new Vector3(0.6179449f, 0.2961981f, -0.7282927f));
        }

        [Test]
        public void Euler_EqualsSystemNumericsYawPitchRoll()
        {
            var deg = (float)(Math.PI / 180.0);
            var ours = PoseRotation.Euler(-25f, 140f, 35f);
            var theirs = Quaternion.CreateFromYawPitchRoll(140f * deg, -25f * deg, 35f * deg);
            Assert.That(Math.Abs(Quaternion.Dot(ours, theirs)), Is.EqualTo(1f).Within(1e-6f));
        }

        [Test]
        public void LookRotation_PointsZAlongForwardAndKeepsUpVertical()
        {
            var forward = Vector3.Normalize(new Vector3(-0.25f, -0.0868f, -0.4076f));
            var q = PoseRotation.LookRotation(forward, Vector3.UnitY);
            AssertVector(PoseRotation.Rotate(q, Vector3.UnitZ), forward);
            var right = PoseRotation.Rotate(q, Vector3.UnitX);
            Assert.That(right.Y, Is.EqualTo(0f).Within(1e-6f), "no roll: right stays horizontal");
            Assert.That(PoseRotation.Rotate(q, Vector3.UnitY).Y, Is.GreaterThan(0f));
            AssertVector(PoseRotation.Rotate(PoseRotation.LookRotation(-Vector3.UnitZ, Vector3.UnitY), Vector3.UnitX), -Vector3.UnitX);
        }

        [Test]
        public void AngleAxis_ZeroAxis_Throws()
        {
            Assert.That(() => PoseRotation.AngleAxis(10f, Vector3.Zero), Throws.InstanceOf<InstantIdException>());
        }
    }
}
