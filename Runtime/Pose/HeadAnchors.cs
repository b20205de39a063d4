using System;
using System.Numerics;

namespace InstantIdAvatars.Pose
{
    /// <summary>
    /// The five 3D face anchor points of a posed rig (world space, Unity conventions: metres, left-handed, +Y up,
    /// +Z forward), in insightface's keypoint order: left eye, right eye, nose tip, left mouth corner, right mouth
    /// corner.
    /// </summary>
    /// <remarks>
    /// insightface's "left eye" is the eye on the IMAGE's left in a frontal view, which is the SUBJECT's right eye
    /// (checked against InstantID's reference <c>frontal</c> case, whose point 0 has the smaller x). For a character
    /// facing +Z its right side is +X, so point 0 sits at +X in the head's frame. Place the points by hand, or
    /// estimate them from the head bone with <see cref="FromHeadBone(Vector3, Quaternion, float)"/>.
    /// </remarks>
    public readonly struct HeadAnchors : IEquatable<HeadAnchors>
    {
        /// <summary>Adult head height (crown to chin, metres) the default offsets are sized for.</summary>
        public const float DefaultHeadHeight = 0.23f;

        /// <summary>Creates the anchors from five world-space points in insightface order.</summary>
        public HeadAnchors(Vector3 leftEye, Vector3 rightEye, Vector3 nose, Vector3 leftMouth, Vector3 rightMouth)
        {
            LeftEye = leftEye;
            RightEye = rightEye;
            Nose = nose;
            LeftMouth = leftMouth;
            RightMouth = rightMouth;
        }

        /// <summary>Point 0: the subject's RIGHT eye (the image-left eye in a frontal view, as insightface names it).</summary>
        public Vector3 LeftEye { get; }

        /// <summary>Point 1: the subject's LEFT eye (the image-right eye in a frontal view).</summary>
        public Vector3 RightEye { get; }

        /// <summary>Point 2: the nose tip.</summary>
        public Vector3 Nose { get; }

        /// <summary>Point 3: the subject's right mouth corner (image-left in a frontal view).</summary>
        public Vector3 LeftMouth { get; }

        /// <summary>Point 4: the subject's left mouth corner (image-right in a frontal view).</summary>
        public Vector3 RightMouth { get; }

        /// <summary>Point by insightface index 0..4.</summary>
        public Vector3 this[int index] => index switch
        {
            0 => LeftEye,
            1 => RightEye,
            2 => Nose,
            3 => LeftMouth,
            4 => RightMouth,
            _ => throw new ArgumentOutOfRangeException(nameof(index), index, "Anchor index must be 0..4."),
        };

        /// <summary>Mean of the five points (the default pivot of a turntable).</summary>
        public Vector3 Centroid => (LeftEye + RightEye + Nose + LeftMouth + RightMouth) / 5f;

        /// <summary>
        /// Estimates the anchors from a head bone with <see cref="HeadAnchorOffsets.Default"/> offsets.
        /// </summary>
        /// <param name="headPosition">World position of the head bone.</param>
        /// <param name="headRotation">
        /// World rotation of the head's facing frame: local +Z out of the face, +Y up through the crown, +X toward
        /// the subject's right. If a rig's head bone has other axes, multiply in a correction rotation first.
        /// </param>
        /// <param name="scale">Uniform size factor (1 = adult head of <see cref="DefaultHeadHeight"/>); see <see cref="ScaleForHeadHeight"/>.</param>
        public static HeadAnchors FromHeadBone(Vector3 headPosition, Quaternion headRotation, float scale = 1f) =>
            FromHeadBone(headPosition, headRotation, scale, HeadAnchorOffsets.Default);

        /// <summary>Estimates the anchors from a head bone with the given head-frame offsets.</summary>
        public static HeadAnchors FromHeadBone(Vector3 headPosition, Quaternion headRotation, float scale, HeadAnchorOffsets offsets)
        {
            if (!PoseRotation.IsFinite(headPosition))
                throw new InstantIdException("The head bone position is not finite (" + headPosition + "); pass the bone's world position.");
            if (!(scale > 0f) || float.IsInfinity(scale))
                throw new InstantIdException("The head scale must be a positive number (1 = adult head); got " + scale + ".");
            var q = PoseRotation.NormalizeChecked(headRotation, "The head bone");
            Vector3 Place(Vector3 local) => headPosition + Vector3.Transform(local * scale, q);
            return new HeadAnchors(Place(offsets.LeftEye), Place(offsets.RightEye), Place(offsets.Nose),
                Place(offsets.LeftMouth), Place(offsets.RightMouth));
        }

        /// <summary>The <c>scale</c> for <see cref="FromHeadBone(Vector3, Quaternion, float)"/> that fits a head of the given crown-to-chin height (metres).</summary>
        public static float ScaleForHeadHeight(float headHeight)
        {
            if (!(headHeight > 0f) || float.IsInfinity(headHeight))
                throw new InstantIdException("The head height must be a positive length in metres (about 0.23 for an adult); got " + headHeight + ".");
            return headHeight / DefaultHeadHeight;
        }

        /// <summary>These anchors rotated rigidly about <paramref name="pivot"/> (Unity's <c>Transform.RotateAround</c>).</summary>
        public HeadAnchors RotatedAround(Vector3 pivot, Quaternion rotation)
        {
            var q = PoseRotation.NormalizeChecked(rotation, "The rig");
            Vector3 Turn(Vector3 p) => pivot + Vector3.Transform(p - pivot, q);
            return new HeadAnchors(Turn(LeftEye), Turn(RightEye), Turn(Nose), Turn(LeftMouth), Turn(RightMouth));
        }

        /// <summary>The points as a new array of five, in insightface order.</summary>
        public Vector3[] ToArray() => new[] { LeftEye, RightEye, Nose, LeftMouth, RightMouth };

        /// <inheritdoc/>
        public bool Equals(HeadAnchors other) =>
            LeftEye.Equals(other.LeftEye) && RightEye.Equals(other.RightEye) && Nose.Equals(other.Nose) &&
            LeftMouth.Equals(other.LeftMouth) && RightMouth.Equals(other.RightMouth);

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is HeadAnchors other && Equals(other);

        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(LeftEye, RightEye, Nose, LeftMouth, RightMouth);
    }

    /// <summary>
    /// Where the five anchors sit in the head bone's facing frame (metres for an adult head, +X = subject's right,
    /// +Y up, +Z out of the face). Estimates, meant to be edited per character.
    /// </summary>
    public readonly struct HeadAnchorOffsets
    {
        /// <summary>Creates offsets from five head-frame points in insightface order.</summary>
        public HeadAnchorOffsets(Vector3 leftEye, Vector3 rightEye, Vector3 nose, Vector3 leftMouth, Vector3 rightMouth)
        {
            LeftEye = leftEye;
            RightEye = rightEye;
            Nose = nose;
            LeftMouth = leftMouth;
            RightMouth = rightMouth;
        }

        /// <summary>Offset of point 0 (subject's right eye).</summary>
        public Vector3 LeftEye { get; }

        /// <summary>Offset of point 1 (subject's left eye).</summary>
        public Vector3 RightEye { get; }

        /// <summary>Offset of point 2 (nose tip).</summary>
        public Vector3 Nose { get; }

        /// <summary>Offset of point 3 (subject's right mouth corner).</summary>
        public Vector3 LeftMouth { get; }

        /// <summary>Offset of point 4 (subject's left mouth corner).</summary>
        public Vector3 RightMouth { get; }

        /// <summary>
        /// Estimated adult offsets from a humanoid head bone (which sits near the top of the neck):
        /// eyes (±0.032, 0.070, 0.090), nose tip (0, 0.034, 0.112), mouth corners (±0.026, −0.004, 0.085), with the
        /// + sign on the subject's right (insightface points 0 and 3). Eye spacing is a typical 64 mm
        /// inter-pupillary distance; the eye→nose (0.036) and eye→mouth (0.074) drops and the 52 mm mouth width are
        /// insightface's <c>arcface_dst</c> 112×112 template proportions scaled to that spacing; the depths
        /// (nose 22 mm ahead of the eyes, mouth corners 5 mm behind) are anthropometric estimates.
        /// </summary>
        public static HeadAnchorOffsets Default { get; } = new HeadAnchorOffsets(
            new Vector3(0.032f, 0.070f, 0.090f),
            new Vector3(-0.032f, 0.070f, 0.090f),
            new Vector3(0f, 0.034f, 0.112f),
            new Vector3(0.026f, -0.004f, 0.085f),
            new Vector3(-0.026f, -0.004f, 0.085f));
    }
}
