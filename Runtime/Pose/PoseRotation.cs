using System;
using System.Numerics;

namespace InstantIdAvatars.Pose
{
    /// <summary>
    /// Rotations in Unity's conventions, built on <see cref="System.Numerics.Quaternion"/>, so a UnityEngine
    /// transform's rotation can be passed in field by field (x, y, z, w).
    /// </summary>
    /// <remarks>
    /// Coordinates are Unity's: left-handed, +X right, +Y up, +Z forward; a camera looks down its local +Z.
    /// The quaternion algebra is the same numbers in both libraries: <c>Vector3.Transform(v, q)</c> equals Unity's
    /// <c>q * v</c>, and <c>a * b</c> applies <c>b</c> first, then <c>a</c>, as in Unity. A positive angle about
    /// +Y turns +Z toward +X (a character turns to its right), about +X turns +Z toward −Y (looks down), about +Z
    /// turns +X toward +Y.
    /// </remarks>
    public static class PoseRotation
    {
        const float DegToRad = (float)(Math.PI / 180.0);

        /// <summary>
        /// Unity's <c>Quaternion.Euler(pitch, yaw, roll)</c> (degrees): rotates about Z by <paramref name="roll"/>
        /// first, then about X by <paramref name="pitch"/>, then about Y by <paramref name="yaw"/> (world axes),
        /// i.e. <c>qY * qX * qZ</c>.
        /// </summary>
        public static Quaternion Euler(float pitch, float yaw, float roll) =>
            AngleAxis(yaw, Vector3.UnitY) * AngleAxis(pitch, Vector3.UnitX) * AngleAxis(roll, Vector3.UnitZ);

        /// <summary>Unity's <c>Quaternion.AngleAxis(degrees, axis)</c>; the axis need not be normalised.</summary>
        public static Quaternion AngleAxis(float degrees, Vector3 axis)
        {
            var length = axis.Length();
            if (!(length > 1e-12f))
                throw new InstantIdException("A rotation axis has zero length; give a non-zero axis.");
            return Quaternion.CreateFromAxisAngle(axis / length, degrees * DegToRad);
        }

        /// <summary>
        /// Unity's <c>Quaternion.LookRotation(forward, up)</c>: local +Z along <paramref name="forward"/>, local +Y
        /// as close to <paramref name="up"/> as possible.
        /// </summary>
        public static Quaternion LookRotation(Vector3 forward, Vector3 up)
        {
            if (!(forward.LengthSquared() > 1e-20f))
                throw new InstantIdException("LookRotation needs a non-zero forward direction.");
            var f = Vector3.Normalize(forward);
            // In Unity's left-handed frame right = up × forward (same arithmetic as a right-handed cross product).
            var r = Vector3.Cross(up, f);
            if (!(r.LengthSquared() > 1e-12f))
            {
                // forward is parallel to up: any right axis will do; pick one as Unity does (stable, not random).
                r = Vector3.Cross(Math.Abs(f.X) < 0.9f ? Vector3.UnitX : Vector3.UnitY, f);
            }
            r = Vector3.Normalize(r);
            var u = Vector3.Cross(f, r);
            // System.Numerics matrices are row-vector: row i is the image of basis vector i.
            var m = new Matrix4x4(
                r.X, r.Y, r.Z, 0f,
                u.X, u.Y, u.Z, 0f,
                f.X, f.Y, f.Z, 0f,
                0f, 0f, 0f, 1f);
            return Quaternion.Normalize(Quaternion.CreateFromRotationMatrix(m));
        }

        /// <summary><paramref name="rotation"/> applied to <paramref name="v"/> (Unity's <c>rotation * v</c>).</summary>
        public static Vector3 Rotate(Quaternion rotation, Vector3 v) => Vector3.Transform(v, rotation);

        /// <summary>Normalised copy; throws when the quaternion is zero or not finite (an unset transform).</summary>
        internal static Quaternion NormalizeChecked(Quaternion q, string what)
        {
            var length = q.Length();
            if (!(length > 1e-6f) || float.IsInfinity(length))
                throw new InstantIdException(
                    what + " rotation is not a valid quaternion (" + q + "); pass a unit quaternion such as a transform's rotation.");
            return Quaternion.Normalize(q);
        }

        internal static bool IsFinite(Vector3 v) => IsFinite(v.X) && IsFinite(v.Y) && IsFinite(v.Z);

        internal static bool IsFinite(float f) => !float.IsNaN(f) && !float.IsInfinity(f);
    }
}
