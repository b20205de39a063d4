using System.Numerics;
using InstantIdAvatars.Pose;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Pose
{
    /// <summary>
    /// Shared scene of the pose tests: head bone at the origin (facing +Z), default anchors, a 60° camera 0.5 m in
    /// front of the eyes looking back down −Z. Expected pixels were computed independently with numpy (explicit
    /// rotation matrices and the pinhole formula) and pasted in as literals.
    /// </summary>
    static class PoseTestCases
    {
        public const float PixelTolerance = 2e-3f;

        public static readonly Vector3 FrontCameraPosition = new Vector3(0f, 0.07f, 0.59f);

        public static Quaternion FacingBack => PoseRotation.Euler(0f, 180f, 0f);

        public static PoseCamera FrontCamera(float fov = 60f) => PoseCamera.Perspective(FrontCameraPosition, FacingBack, fov);

        public static HeadAnchors Head(float pitch = 0f, float yaw = 0f, float roll = 0f) =>
            HeadAnchors.FromHeadBone(Vector3.Zero, PoseRotation.Euler(pitch, yaw, roll));

        public static void AssertPixels(FaceKeypoints actual, float[,] expected, float tolerance = PixelTolerance)
        {
            for (var i = 0; i < FaceKeypoints.Count; i++)
            {
                Assert.That(actual[i].X, Is.EqualTo(expected[i, 0]).Within(tolerance), "x of keypoint " + i);
                Assert.That(actual[i].Y, Is.EqualTo(expected[i, 1]).Within(tolerance), "y of keypoint " + i);
            }
        }

        public static void AssertVector(Vector3 actual, Vector3 expected, float tolerance = 1e-5f)
        {
            Assert.That(actual.X, Is.EqualTo(expected.X).Within(tolerance), "x");
            Assert.That(actual.Y, Is.EqualTo(expected.Y).Within(tolerance), "y");
            Assert.That(actual.Z, Is.EqualTo(expected.Z).Within(tolerance), "z");
        }
    }
}
